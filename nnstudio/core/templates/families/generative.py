"""Generative adversarial networks: a ring of Gaussians and handwritten digits.

A GAN project holds two networks, ``generator`` (noise → sample) and ``discriminator``
(sample → probability of being real), trained adversarially by the GAN recipe
(:mod:`nnstudio.core.training.gan`). Must not import Qt or Keras.
"""

from __future__ import annotations

from nnstudio.core.project.model import Project
from nnstudio.core.templates.families.common import data_spec, network, training
from nnstudio.core.templates.registry import register_template

RING_LATENT = 8
DIGITS_LATENT = 16


@register_template(
    "gan-ring",
    "GAN on a ring of Gaussians",
    "Teaches adversarial training on data you can see: a generator turns 8 random numbers into "
    "a 2-D point while a discriminator learns to tell its points from the real ones, eight small "
    "Gaussians on a ring. Watch both losses, the discriminator's accuracy on real and fake "
    "points, and the generated points spreading over the ring; after 40 epochs (about a minute "
    "on a 2-core CPU) they cover at least six of the eight modes. When the generator covers "
    "only a few modes (mode collapse) a hint appears. "
    "Try next: raise the learning rate to 0.005 and watch the samples collapse, give the "
    "discriminator two steps per round, or add label smoothing.",
    "Generative",
)
def gan_ring() -> Project:
    """Build generator noise(8) → 2 × Dense(128) → Dense(2) and discriminator 2 → 2 × Dense(128) → 1."""
    generator = network(
        "generator",
        [
            ("Input", {"shape": [RING_LATENT]}),
            ("Dense", {"units": 128, "activation": "relu"}),
            ("Dense", {"units": 128, "activation": "relu"}),
            ("Dense", {"units": 2, "activation": "linear"}),
        ],
    )
    discriminator = network(
        "discriminator",
        [
            ("Input", {"shape": [2]}),
            ("Dense", {"units": 128, "activation": "leaky_relu"}),
            ("Dense", {"units": 128, "activation": "leaky_relu"}),
            ("Dense", {"units": 1, "activation": "sigmoid"}),
        ],
    )
    return Project(
        name="GAN ring",
        networks={"generator": generator, "discriminator": discriminator},
        data=data_spec(
            "gan_ring", {"n_samples": 4000, "modes": 8, "radius": 2.0, "noise": 0.05}, validation=0.0, test=0.0
        ),
        training=training(
            recipe="gan",
            loss="binary_crossentropy",
            metrics=[],
            epochs=40,
            batch_size=64,
            learning_rate=0.001,
            beta_1=0.5,
            gan={"latent_dim": RING_LATENT, "d_steps": 1, "label_smoothing": 0.0, "sample_count": 256},
        ),
    )


@register_template(
    "gan-digits",
    "GAN on handwritten digits",
    "Teaches a GAN on images: a dense generator turns 16 random numbers into an 8×8 digit and a "
    "dense discriminator judges real against generated. The sample grid fills with digit-like "
    "strokes within 20 epochs and recognisable digits of most classes by 60 (about 30 seconds "
    "on a 2-core CPU); both losses and the discriminator's accuracies show the tug "
    "of war. "
    "Try next: replace the generator's dense layers by Reshape + UpSampling2D + Conv2D (a DCGAN), "
    "add dropout to the discriminator, or lower the latent size to 2 and look for mode collapse.",
    "Generative",
)
def gan_digits() -> Project:
    """Build generator noise(16) → Dense(128) → Dense(64, sigmoid) → Reshape(8, 8, 1) and a dense discriminator."""
    generator = network(
        "generator",
        [
            ("Input", {"shape": [DIGITS_LATENT]}),
            ("Dense", {"units": 128, "activation": "relu"}),
            ("BatchNormalization", {"momentum": 0.9}),
            ("Dense", {"units": 64, "activation": "sigmoid"}),
            ("Reshape", {"target_shape": [8, 8, 1]}),
        ],
    )
    discriminator = network(
        "discriminator",
        [
            ("Input", {"shape": [8, 8, 1]}),
            ("Flatten", {}),
            ("Dense", {"units": 128, "activation": "leaky_relu"}),
            ("Dropout", {"rate": 0.3}),
            ("Dense", {"units": 1, "activation": "sigmoid"}),
        ],
    )
    return Project(
        name="GAN digits",
        networks={"generator": generator, "discriminator": discriminator},
        data=data_spec("digits", validation=0.0, test=0.0),
        training=training(
            recipe="gan",
            loss="binary_crossentropy",
            metrics=[],
            epochs=60,
            batch_size=64,
            learning_rate=0.001,
            beta_1=0.5,
            gan={"latent_dim": DIGITS_LATENT, "d_steps": 1, "label_smoothing": 0.1, "sample_count": 36},
        ),
    )
