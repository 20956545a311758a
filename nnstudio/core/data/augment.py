"""Image augmentation options and the Keras preprocessing layers that apply them.

``spec["augment"]`` holds plain numbers (``{"flip": "horizontal", "rotation": 0.05}``);
:func:`augmentation_layers` turns them into Keras random layers, which transform images
during training only and pass them through unchanged at inference. Keras is imported
inside that function only. Must not import Qt.
"""

from __future__ import annotations

from typing import Any

from nnstudio.core.data.errors import InvalidDataParamError
from nnstudio.core.data.params import DataParam

AUGMENT_OPTIONS: tuple[DataParam, ...] = (
    DataParam(
        "flip",
        "choice",
        "none",
        "Mirror images at random.",
        choices=("none", "horizontal", "vertical", "horizontal_and_vertical"),
    ),
    DataParam(
        "rotation", "float", 0.0, "Largest random rotation, as a fraction of a full turn.", minimum=0.0, maximum=0.5
    ),
    DataParam(
        "zoom", "float", 0.0, "Largest random zoom in or out, as a fraction of the size.", minimum=0.0, maximum=0.9
    ),
    DataParam(
        "translation", "float", 0.0, "Largest random shift, as a fraction of the size.", minimum=0.0, maximum=0.5
    ),
    DataParam("contrast", "float", 0.0, "Largest random contrast change (0.2 = ±20 %).", minimum=0.0, maximum=1.0),
)


def resolve_augment(augment: dict[str, Any] | None) -> dict[str, Any]:
    """Return the augmentation options completed with defaults and checked.

    Raises
    ------
    InvalidDataParamError
        If an option is unknown or out of range.
    """
    values = {p.name: p.default for p in AUGMENT_OPTIONS}
    given = dict(augment or {})
    unknown = sorted(set(given) - set(values))
    if unknown:
        raise InvalidDataParamError(
            f"Unknown augmentation option `{unknown[0]}`; the options are "
            f"{', '.join(values)}. Received: {unknown[0]}={given[unknown[0]]!r}."
        )
    values.update(given)
    for option in AUGMENT_OPTIONS:
        problem = option.validate(values[option.name])
        if problem:
            raise InvalidDataParamError(f"Augmentation: {problem}")
    return values


def is_active(augment: dict[str, Any] | None) -> bool:
    """Return True when the options change images at all."""
    values = resolve_augment(augment)
    return values["flip"] != "none" or any(values[k] > 0 for k in ("rotation", "zoom", "translation", "contrast"))


def augmentation_layers(spec: dict[str, Any]) -> list:
    """Return the Keras layers that apply ``spec["augment"]`` to image batches.

    Put them in front of the model for training only; Keras random preprocessing layers
    are identity functions when ``training`` is false.

    Parameters
    ----------
    spec:
        A data spec (``project.data``); its ``augment`` dict and ``split.seed`` are read.

    Returns
    -------
    list of keras.layers.Layer
        In the order flip, rotation, zoom, translation, contrast; empty when nothing is on.

    Raises
    ------
    InvalidDataParamError
        If an option is unknown or out of range.
    """
    values = resolve_augment(spec.get("augment"))
    if not is_active(values):
        return []
    import keras

    seed = int((spec.get("split") or {}).get("seed", 0))
    layers = []
    if values["flip"] != "none":
        layers.append(keras.layers.RandomFlip(values["flip"], seed=seed, name="augment_flip"))
    if values["rotation"] > 0:
        layers.append(
            keras.layers.RandomRotation(
                values["rotation"], fill_mode="constant", seed=seed + 1, name="augment_rotation"
            )
        )
    if values["zoom"] > 0:
        layers.append(keras.layers.RandomZoom(values["zoom"], fill_mode="constant", seed=seed + 2, name="augment_zoom"))
    if values["translation"] > 0:
        t = values["translation"]
        layers.append(
            keras.layers.RandomTranslation(t, t, fill_mode="constant", seed=seed + 3, name="augment_translation")
        )
    if values["contrast"] > 0:
        layers.append(keras.layers.RandomContrast(values["contrast"], seed=seed + 4, name="augment_contrast"))
    return layers
