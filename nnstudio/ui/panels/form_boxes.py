"""Spin boxes of the Train page's forms: a range, and a slot called on every change."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox


def double_box(low: float, high: float, decimals: int, step: float, on_change: Callable) -> QDoubleSpinBox:
    """Return a decimal spin box over ``[low, high]`` that calls ``on_change`` when its value changes."""
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.valueChanged.connect(on_change)
    return box


def int_box(low: int, high: int, on_change: Callable) -> QSpinBox:
    """Return an integer spin box over ``[low, high]`` that calls ``on_change`` when its value changes."""
    box = QSpinBox()
    box.setRange(low, high)
    box.valueChanged.connect(on_change)
    return box
