"""Render the application icon's PNG sizes from the SVG master.

Usage: ``python packaging/make_icons.py`` (from the repository root). Writes
``nnstudio/resources/icons/nnstudio-<size>.png`` for the sizes desktops ask for and copies
the SVG next to them. Needs PySide6 (QtSvg); runs headless.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ROOT = Path(__file__).resolve().parent.parent
MASTER = ROOT / "resources" / "icons" / "nnstudio.svg"
TARGET = ROOT / "nnstudio" / "resources" / "icons"


def main() -> int:
    """Write every PNG size; return 0."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(MASTER))
    if not renderer.isValid():
        print(f"make_icons: cannot read {MASTER}", file=sys.stderr)
        return 1
    TARGET.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        image.save(str(TARGET / f"nnstudio-{size}.png"))
    shutil.copyfile(MASTER, TARGET / "nnstudio.svg")
    del app
    print(f"make_icons: wrote {len(SIZES)} PNG sizes to {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
