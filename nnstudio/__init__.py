"""nnstudio: build neural networks by drag and drop, train them, and watch them learn.

Importing this package must stay cheap: it imports neither Keras, TensorFlow nor Qt.
"""

__version__ = "0.1.0"
