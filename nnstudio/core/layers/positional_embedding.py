"""PositionalEmbedding: adds position information to a sequence of feature vectors.

This module is self-contained on purpose: it imports only ``keras``, because the
Python exporter embeds its source (``inspect.getsource``) so that exported code runs without
nnstudio installed. Keep it that way.
"""

import keras


@keras.saving.register_keras_serializable(package="nnstudio")
class PositionalEmbedding(keras.layers.Layer):
    """Add a position encoding to a sequence ``(batch, steps, features)``; the shape is kept.

    Parameters
    ----------
    max_length:
        The longest sequence accepted (number of positions).
    mode:
        ``"learned"``: a trainable ``(max_length, features)`` embedding, one vector per
        position; ``"sinusoidal"``: the fixed sine/cosine encoding of "Attention Is All You
        Need" (no weights).
    embeddings_initializer:
        How the learned position vectors start (``"learned"`` mode only).
    """

    def __init__(self, max_length=128, mode="learned", embeddings_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        if mode not in ("learned", "sinusoidal"):
            raise ValueError(f"PositionalEmbedding's mode must be 'learned' or 'sinusoidal'. Received: mode={mode!r}.")
        if int(max_length) < 1:
            raise ValueError(
                f"PositionalEmbedding's max_length must be at least 1. Received: max_length={max_length!r}."
            )
        self.max_length = int(max_length)
        self.mode = mode
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)
        self.supports_masking = True

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(
                "PositionalEmbedding needs an input of shape (batch, steps, features) with known features. "
                f"Received: shape={tuple(input_shape)}."
            )
        features = int(input_shape[-1])
        if self.mode == "learned":
            self.position_embeddings = self.add_weight(
                name="position_embeddings",
                shape=(self.max_length, features),
                initializer=self.embeddings_initializer,
                trainable=True,
            )
        else:
            self.position_embeddings = None
        self.features = features

    def _sinusoids(self, steps):
        positions = keras.ops.cast(keras.ops.arange(steps), "float32")[:, None]
        index = keras.ops.arange(self.features)
        rates = keras.ops.power(10000.0, -keras.ops.cast(2 * (index // 2), "float32") / float(self.features))
        angles = positions * rates[None, :]
        even = keras.ops.equal(index % 2, 0)
        return keras.ops.where(even[None, :], keras.ops.sin(angles), keras.ops.cos(angles))

    def call(self, inputs):
        steps = keras.ops.shape(inputs)[1]
        if self.mode == "learned":
            positions = self.position_embeddings[:steps]
        else:
            positions = self._sinusoids(steps)
        return inputs + keras.ops.cast(positions, inputs.dtype)[None, :, :]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "max_length": self.max_length,
                "mode": self.mode,
                "embeddings_initializer": keras.initializers.serialize(self.embeddings_initializer),
            }
        )
        return config
