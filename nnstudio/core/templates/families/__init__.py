"""Templates for every model family of a deep-learning course; importing registers them all.

MLP and ResNet on digits, SimpleRNN / LSTM / GRU on the adding problem, sentiment with a
bidirectional GRU and with a transformer encoder, dense / convolutional autoencoders and
anomaly detection, and GANs on a ring of Gaussians and on digits. Must not import Qt or Keras.
"""

from nnstudio.core.templates.families import vision, sequences, text, autoencoders, generative  # noqa: F401,I001
