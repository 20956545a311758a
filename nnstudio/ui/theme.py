"""The application's look: the Fusion style with a light or dark palette.

``"system"`` follows the desktop's colour scheme (``QStyleHints.colorScheme``) and switches
live when it changes. Panels ask :func:`is_dark` and :func:`severity_color` instead of
hard-coding colours. Must not import Keras.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

_state = {"choice": "system", "connected": False}

_DARK = {
    "window": "#2b2d31",
    "base": "#1f2023",
    "alt": "#27292d",
    "text": "#e6e6e6",
    "button": "#33363b",
    "highlight": "#3d7bd9",
    "link": "#6ea8ff",
    "mid": "#3a3d42",
    "disabled": "#7d8086",
    "tooltip": "#3a3d42",
    "muted": "#a9adb4",
}
_LIGHT = {
    "window": "#f3f4f6",
    "base": "#ffffff",
    "alt": "#f6f7f9",
    "text": "#1d1f23",
    "button": "#eceef1",
    "highlight": "#2f6fd0",
    "link": "#1f5fbf",
    "mid": "#c9ccd1",
    "disabled": "#9a9ea6",
    "tooltip": "#ffffe8",
    "muted": "#5f6368",
}


def _palette(colors: dict[str, str]) -> QPalette:
    pal = QPalette()
    c = {k: QColor(v) for k, v in colors.items()}
    role = QPalette.ColorRole
    for r, key in (
        (role.Window, "window"),
        (role.Base, "base"),
        (role.AlternateBase, "alt"),
        (role.Button, "button"),
        (role.Highlight, "highlight"),
        (role.Link, "link"),
        (role.ToolTipBase, "tooltip"),
        (role.Mid, "mid"),
    ):
        pal.setColor(r, c[key])
    for r in (role.WindowText, role.Text, role.ButtonText, role.ToolTipText):
        pal.setColor(r, c["text"])
    pal.setColor(role.HighlightedText, QColor("#ffffff"))
    pal.setColor(role.PlaceholderText, c["muted"])  # status and caption text too: keep it readable
    pal.setColor(role.BrightText, QColor("#ff5555"))
    dark = c["window"].lightness() < 128
    pal.setColor(role.Light, c["button"].lighter(130 if dark else 110))
    pal.setColor(role.Midlight, c["button"].lighter(115 if dark else 105))
    pal.setColor(role.Dark, c["button"].darker(160 if dark else 130))
    pal.setColor(role.Shadow, QColor("#000000"))
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, r, c["disabled"])
    return pal


def system_prefers_dark() -> bool:
    """Return True when the desktop asks for a dark colour scheme."""
    hints = QGuiApplication.styleHints()
    return hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark


def apply_theme(choice: str = "system", app: QApplication | None = None) -> None:
    """Apply the Fusion style with the palette for ``choice`` (``system``, ``light``, ``dark``).

    Parameters
    ----------
    choice:
        ``"system"`` follows the desktop and keeps following it; the others are fixed.
    app:
        The application; defaults to the running instance.
    """
    app = app or QApplication.instance()
    if app is None:
        return
    _state["choice"] = choice
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    dark = choice == "dark" or (choice == "system" and system_prefers_dark())
    app.setPalette(_palette(_DARK if dark else _LIGHT))
    if not _state["connected"]:
        hints = QGuiApplication.styleHints()
        if hints is not None:
            hints.colorSchemeChanged.connect(_on_scheme_changed)
            _state["connected"] = True


def _on_scheme_changed(_scheme: Qt.ColorScheme) -> None:
    if _state["choice"] == "system":
        apply_theme("system")


def current_choice() -> str:
    """Return the theme choice last applied."""
    return _state["choice"]


def is_dark() -> bool:
    """Return True when the current palette is dark."""
    app = QApplication.instance()
    if app is None:
        return False
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def severity_color(severity: str) -> QColor:
    """Return the colour for a diagnostic ``severity`` (``error``, ``warning``, other: info)."""
    dark = is_dark()
    if severity == "error":
        return QColor("#ff6b6b" if dark else "#c62828")
    if severity == "warning":
        return QColor("#f0b429" if dark else "#b26a00")
    return QColor("#6ea8ff" if dark else "#1f5fbf")


def muted_text_color() -> QColor:
    """Return a secondary text colour readable on the window background."""
    return QColor(_DARK["muted"] if is_dark() else _LIGHT["muted"])
