"""Image folder import: one sub-folder per class, images resized with Pillow.

Must not import Qt or Keras.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.data.errors import DataFileNotFoundError, DataFormatError, DataTooLargeError, ImageReadError
from nnstudio.core.data.params import DataParam, SourceInfo
from nnstudio.core.data.registry import RawData, register

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
MAX_IMAGE_FILE_BYTES = 64 * 1024**2
MAX_TOTAL_VALUES = 400_000_000  # float32 values: 1.6 GB


def list_image_folder(path: str) -> dict[str, list[Path]]:
    """Return ``{class_name: [image files]}`` for a folder with one sub-folder per class.

    Parameters
    ----------
    path:
        The folder.

    Returns
    -------
    dict
        Classes in alphabetical order, files sorted by name; hidden files are skipped.

    Raises
    ------
    DataFileNotFoundError
        If the folder does not exist.
    DataFormatError
        If it has fewer than two class sub-folders holding images.
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise DataFileNotFoundError(f"No such folder: `{path}`. Received: path={path!r}.")
    classes: dict[str, list[Path]] = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(
            f for f in sub.iterdir()
            if f.is_file() and not f.name.startswith(".") and f.suffix.lower() in IMAGE_SUFFIXES
        )
        if files:
            classes[sub.name] = files
    if len(classes) < 2:
        raise DataFormatError(
            f"`{folder.name}` needs one sub-folder of images per class, at least two. "
            f"Received: {len(classes)} class folder(s) with images."
        )
    return classes


def read_image(file: Path, size: int, color: str) -> np.ndarray:
    """Read one image, convert it to grayscale or RGB and resize it to ``size``×``size``.

    Returns
    -------
    numpy.ndarray
        float32 array ``(size, size, 1 or 3)`` in 0..1.

    Raises
    ------
    ImageReadError
        If the file is too large or Pillow cannot decode it.
    """
    from PIL import Image

    if file.stat().st_size > MAX_IMAGE_FILE_BYTES:
        raise DataTooLargeError(
            f"`{file.name}` is larger than {MAX_IMAGE_FILE_BYTES // 1024**2} MB. Received: {file.stat().st_size} bytes."
        )
    try:
        with Image.open(file) as image:
            image = image.convert("L" if color == "grayscale" else "RGB")
            image = image.resize((size, size), Image.Resampling.BILINEAR)
            pixels = np.asarray(image, dtype=np.float32) / 255.0
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ImageReadError(f"Cannot read image `{file.parent.name}/{file.name}`: {reason}. "
                             f"Received: {file.stat().st_size} bytes.") from None
    return pixels[..., None] if pixels.ndim == 2 else pixels


@register(SourceInfo(
    "image_folder", "Image folder", "import", "classification",
    "A folder with one sub-folder of images per class (PNG, JPEG, BMP...). Images are resized "
    "to a square and read as grayscale or RGB.",
    (DataParam("path", "folder", "", "The folder that holds one sub-folder per class."),
     DataParam("size", "int", 32, "Height and width after resizing, in pixels.", minimum=4, maximum=512),
     DataParam("color", "choice", "grayscale", "Read images as one grey channel or three colour channels.",
               choices=("grayscale", "rgb")),
     DataParam("max_per_class", "int", 5000, "Read at most this many images per class.", minimum=1,
               maximum=1_000_000)),
))
def image_folder(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """Read every class sub-folder's images into ``(n, size, size, channels)`` in 0..1."""
    classes = list_image_folder(params["path"])
    size, channels = params["size"], 1 if params["color"] == "grayscale" else 3
    files = [(label, f) for label, name in enumerate(classes) for f in classes[name][: params["max_per_class"]]]
    values = len(files) * size * size * channels
    if values > MAX_TOTAL_VALUES:
        raise DataTooLargeError(
            f"`{Path(params['path']).name}`: {len(files)} images of {size}×{size}×{channels} would need "
            f"{values * 4 / 1024**3:.1f} GB; lower size or max_per_class. Received: {len(files)} images."
        )
    x = np.empty((len(files), size, size, channels), dtype=np.float32)
    for row, (_, file) in enumerate(files):
        x[row] = read_image(file, size, params["color"])
    y = np.array([label for label, _ in files], dtype=np.int64)
    names = tuple(classes)
    return RawData(
        x=x, y=y, task="classification", name=Path(params["path"]).name, num_classes=len(names), class_names=names,
        description=f"{len(files)} images in {len(names)} classes from `{Path(params['path']).name}`, "
                    f"resized to {size}×{size} {params['color']}.",
    )
