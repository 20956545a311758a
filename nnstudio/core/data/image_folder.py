"""Image folder import: one sub-folder per class, images resized with Pillow.

Small folders are read into memory; large ones (or any, when asked) are streamed: the load
only lists file names (with progress and cancel for 100,000 files) and decodes a few files
to check them, and :class:`~nnstudio.core.data.lazy.ImageFiles` decodes the rest batch by
batch during training. A file that cannot be read is skipped and counted, or stops the load
when ``bad_samples`` is ``"stop"``. Must not import Qt or Keras.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.data.errors import (
    DataError,
    DataFileNotFoundError,
    DataFormatError,
    DataTooLargeError,
    ImageReadError,
)
from nnstudio.core.data.lazy import CACHE_MODES, ImageFiles, SampleCache
from nnstudio.core.data.params import DataParam, SourceInfo
from nnstudio.core.data.registry import RawData, load_options, register
from nnstudio.core.data.skips import BAD_SAMPLE_POLICIES, SkipLog, reason_of
from nnstudio.core.shapes import format_bytes

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
MAX_IMAGE_FILE_BYTES = 64 * 1024**2
MAX_TOTAL_VALUES = 400_000_000  # float32 values held in memory at most: 1.6 GB
STREAM_ABOVE_VALUES = 64_000_000  # "auto" streams folders above 256 MB of float32
STREAM_MODES = ("auto", "always", "never")
CHECKED_FILES = 16  # files decoded when a streamed folder is opened
PROGRESS_EVERY = 2000


def list_image_folder(
    path: str, progress: Callable[[int], None] | None = None, should_stop: Callable[[], bool] | None = None
) -> dict[str, list[str]]:
    """Return ``{class_name: [image files]}`` for a folder with one sub-folder per class.

    Only names are read (``os.scandir``), so 100,000 files take a fraction of a second.

    Parameters
    ----------
    path:
        The folder.
    progress:
        Called with the number of files found so far, every few thousand files.
    should_stop:
        Polled while scanning; True cancels.

    Returns
    -------
    dict
        Classes in alphabetical order, file paths sorted by name; hidden files are skipped.

    Raises
    ------
    DataFileNotFoundError
        If the folder does not exist.
    DataFormatError
        If it has fewer than two class sub-folders holding images.
    LoadCancelledError
        If ``should_stop`` returned True.
    """
    from nnstudio.core.data.registry import LoadOptions

    options = LoadOptions(progress=progress, should_stop=should_stop)
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise DataFileNotFoundError(f"No such folder: `{path}`. Received: path={path!r}.")
    classes: dict[str, list[str]] = {}
    found = 0
    subfolders = sorted(e.name for e in os.scandir(folder) if e.is_dir() and not e.name.startswith("."))
    for name in subfolders:
        files: list[str] = []
        with os.scandir(folder / name) as entries:
            for entry in entries:
                file_name = entry.name
                if file_name.lower().endswith(IMAGE_SUFFIXES) and file_name[0] != "." and entry.is_file():
                    files.append(entry.path)
                    if not len(files) % PROGRESS_EVERY:
                        options.check_cancelled()
                        if progress is not None:
                            progress(found + len(files))
        found += len(files)
        if files:
            classes[name] = sorted(files)
    if progress is not None:
        progress(found)
    if len(classes) < 2:
        raise DataFormatError(
            f"`{folder.name}` needs one sub-folder of images per class, at least two. "
            f"Received: {len(classes)} class folder(s) with images."
        )
    return classes


def decode_image(file: Path, size: int, color: str) -> np.ndarray:
    """Read one image as uint8, grayscale ``(size, size)`` or RGB ``(size, size, 3)``.

    Raises
    ------
    DataTooLargeError
        If the file is larger than :data:`MAX_IMAGE_FILE_BYTES`.
    ImageReadError
        If the file is missing, truncated or Pillow cannot decode it.
    """
    from PIL import Image

    try:
        bytes_on_disk = file.stat().st_size
    except OSError as error:
        raise ImageReadError(
            f"Cannot read image `{file.parent.name}/{file.name}`: {error.strerror}. Received: path={str(file)!r}."
        ) from None
    if bytes_on_disk > MAX_IMAGE_FILE_BYTES:
        raise DataTooLargeError(
            f"`{file.name}` is larger than {format_bytes(MAX_IMAGE_FILE_BYTES)}. Received: {bytes_on_disk} bytes."
        )
    try:
        with Image.open(file) as image:
            image = image.convert("L" if color == "grayscale" else "RGB")
            image = image.resize((size, size), Image.Resampling.BILINEAR)
            return np.asarray(image, dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ImageReadError(
            f"Cannot read image `{file.parent.name}/{file.name}`: {reason}. Received: {bytes_on_disk} bytes."
        ) from None


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
    pixels = decode_image(file, size, color).astype(np.float32) / 255.0
    return pixels[..., None] if pixels.ndim == 2 else pixels


@register(
    SourceInfo(
        "image_folder",
        "Image folder",
        "import",
        "classification",
        "A folder with one sub-folder of images per class (PNG, JPEG, BMP...). Images are resized "
        "to a square and read as grayscale or RGB; large folders are read from disk batch by batch.",
        (
            DataParam("path", "folder", "", "The folder that holds one sub-folder per class."),
            DataParam("size", "int", 32, "Height and width after resizing, in pixels.", minimum=4, maximum=512),
            DataParam(
                "color",
                "choice",
                "grayscale",
                "Read images as one grey channel or three colour channels.",
                choices=("grayscale", "rgb"),
            ),
            DataParam(
                "max_per_class",
                "int",
                1_000_000,
                "Read at most this many images per class.",
                minimum=1,
                maximum=10_000_000,
            ),
            DataParam(
                "stream",
                "choice",
                "auto",
                "Read images from disk batch by batch during training; auto "
                "streams folders above 256 MB of decoded pixels.",
                choices=STREAM_MODES,
            ),
            DataParam(
                "bad_samples",
                "choice",
                "skip",
                "Skip and count images that cannot be read, or stop the load.",
                choices=BAD_SAMPLE_POLICIES,
            ),
            DataParam(
                "cache",
                "choice",
                "auto",
                "Keep decoded images of a streamed folder after the first epoch: "
                "auto uses memory when they fit in 512 MB, else a file on disk.",
                choices=CACHE_MODES,
            ),
        ),
    )
)
def image_folder(params: dict[str, Any], rng: np.random.Generator) -> RawData:
    """List a folder's class sub-folders and read (or stream) their images in 0..1."""
    options = load_options()
    classes = list_image_folder(params["path"], options.progress, options.should_stop)
    size, channels = params["size"], 1 if params["color"] == "grayscale" else 3
    files = [f for name in classes for f in classes[name][: params["max_per_class"]]]
    labels = np.array(
        [label for label, name in enumerate(classes) for _ in classes[name][: params["max_per_class"]]], dtype=np.int64
    )
    values = len(files) * size * size * channels
    stream = (
        options.stream
        if options.stream is not None
        else (params["stream"] == "always" or (params["stream"] == "auto" and values > STREAM_ABOVE_VALUES))
    )
    name, names = Path(params["path"]).name, tuple(classes)
    skips = SkipLog(params["bad_samples"])
    if stream:
        x = _streamed(files, size, params, skips)
        how = "streamed from disk"
    else:
        if values > MAX_TOTAL_VALUES:
            raise DataTooLargeError(
                f"`{name}`: {len(files)} images of {size}×{size}×{channels} would need {format_bytes(values * 4)} "
                f"in memory; set stream to 'auto' or 'always', or lower size or max_per_class. "
                f"Received: {len(files)} images."
            )
        x, keep = _read_all(files, size, params["color"], skips)
        files, labels = [f for f, k in zip(files, keep, strict=True) if k], labels[keep]
        how = "in memory"
    return RawData(
        x=x,
        y=labels,
        task="classification",
        name=name,
        num_classes=len(names),
        class_names=names,
        skips=skips,
        description=f"{len(files):,} images in {len(names)} classes from `{name}`, resized to {size}×{size} "
        f"{params['color']}, {how}.",
        extras={"files": files, "streamed": stream},
    )


def _read_all(files: list[str], size: int, color: str, skips: SkipLog) -> tuple[np.ndarray, np.ndarray]:
    """Read every file into one array; unreadable files are logged and left out."""
    x = np.empty((len(files), size, size, 1 if color == "grayscale" else 3), dtype=np.float32)
    keep = np.ones(len(files), dtype=bool)
    for row, file in enumerate(files):
        try:
            x[row] = read_image(Path(file), size, color)
        except DataError as error:
            keep[row] = False
            skips.add(f"{Path(file).parent.name}/{Path(file).name}", reason_of(error), error)
    if not keep.any():
        raise ImageReadError(
            f"None of the {len(files)} images could be read; the first problem: "
            f"{skips.records[0].reason}. Received: {len(files)} files."
        )
    return (x if keep.all() else x[keep]), keep


def _streamed(files: list[str], size: int, params: dict[str, Any], skips: SkipLog) -> ImageFiles:
    """Return the lazy images after decoding a few evenly spaced files to catch an unreadable folder early."""
    shape = (size, size) if params["color"] == "grayscale" else (size, size, 3)
    cache = (
        None
        if params["cache"] == "none"
        else SampleCache(len(files), shape, params["cache"], load_options().cache_folder)
    )
    images = ImageFiles(files, size, params["color"], skips, cache)
    checked = np.unique(np.linspace(0, len(files) - 1, num=min(CHECKED_FILES, len(files))).astype(np.int64))
    _, ok = images.read(checked)
    if not ok.any():
        raise ImageReadError(
            f"None of the {len(checked)} images checked in `{Path(params['path']).name}` could be "
            f"read; the first problem: {skips.records[0].reason}. Received: {len(files)} files."
        )
    return images
