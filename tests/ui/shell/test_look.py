"""Theme and icons: light/dark palettes, vector icons at any device pixel ratio, start-up imports."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon, QPalette

from nnstudio.core.catalog.registry import CATEGORIES
from nnstudio.ui import theme
from nnstudio.ui.icons import action_icon, app_icon, category_icon, severity_icon


def test_theme_applies_fusion_with_light_and_dark_palettes(qapp):
    theme.apply_theme("dark", qapp)
    assert qapp.style().name().lower() == "fusion" and theme.is_dark()
    theme.apply_theme("light", qapp)
    assert not theme.is_dark()
    assert qapp.palette().color(QPalette.ColorRole.Base).lightness() > 200


@pytest.mark.parametrize("category", [*CATEGORIES, "Block"])
def test_category_icons_render_crisply_at_any_scale(qapp, category):
    icon = category_icon(category)
    for scale in (1.0, 2.0):
        pixmap = icon.pixmap(QSize(24, 24), scale)
        assert not pixmap.isNull() and pixmap.width() == round(24 * scale)
        assert pixmap.toImage().pixelColor(12 * int(scale), 12 * int(scale)).alpha() > 0


def test_action_icons_exist_and_unknown_names_are_refused(qapp):
    for name in ("new", "open", "save", "undo", "redo", "delete", "zoom-in", "fit", "layout"):
        assert not action_icon(name).pixmap(20, 20).isNull()
    assert not severity_icon("error").isNull()
    assert not action_icon("new").pixmap(QSize(20, 20), QIcon.Mode.Disabled).isNull()
    with pytest.raises(KeyError, match="Received: 'nope'"):
        action_icon("nope")


def test_app_icon_ships_svg_and_png_sizes(qapp):
    icon = app_icon()
    assert not icon.isNull()
    assert {16, 32, 256} <= {s.width() for s in icon.availableSizes()}


def test_importing_the_designer_does_not_import_keras():
    code = (
        "import sys, nnstudio.ui.app, nnstudio.ui.main_window; "
        "print('keras' in sys.modules or 'tensorflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.strip() == "False", out.stderr[-1000:]
