"""The grid templates lay networks out on, the way the canvas draws them.

Data flows top to bottom: nodes about 200 × 80 px, one column at a constant x, one row
every :data:`ROW_STEP` px. Must not import Qt or Keras.
"""

from __future__ import annotations

ROW_STEP = 110.0
COLUMN_X = 0.0
