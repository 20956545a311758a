"""Hyperparameter search in the designer: search markers on parameters and the Tune page.

- :mod:`~nnstudio.ui.tune.marker`: the inspector's "search" marker, the space editor, and
  the searched values shown on the canvas cards.
- :mod:`~nnstudio.ui.tune.page`: the Tune page (settings, live trials table and views).
- :mod:`~nnstudio.ui.tune.plots`: objective, parallel coordinates, importance, curves.
- :mod:`~nnstudio.ui.tune.job`: the study on a background thread.

Must not import Keras.
"""
