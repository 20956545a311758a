"""Hover highlighting shared by the canvas items (node cards and edges).

Must not import Keras.
"""

from __future__ import annotations


class HoverHighlight:
    """Mixin for a ``QGraphicsItem``: ``_hover`` is True while the pointer is over the item,
    and the item repaints when that changes.

    List it before ``QGraphicsItem`` in the bases and call ``setAcceptHoverEvents(True)``;
    the item's ``paint`` reads ``_hover`` to choose its pen.
    """

    _hover = False

    def hoverEnterEvent(self, event) -> None:  # Qt override
        self._hover = True
        self.update()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:  # Qt override
        self._hover = False
        self.update()
        super().hoverLeaveEvent(event)
