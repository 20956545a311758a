"""Each layer's sparsity on the canvas: a small ``80% zeros`` tag under a pruned layer's card.

The tag reads the trained weights stored in the project (a pruned network's zeros are
really there), so it appears after a pruning run and goes when the weights are replaced by
dense ones. Layers with fewer than 5 % zeros get no tag. Must not import Keras.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QGraphicsSimpleTextItem
from shiboken6 import isValid

from nnstudio.core.compress.pruning import SHOWN_SPARSITY, layer_sparsity

TAG_COLOR = QColor("#8E44AD")


class SparsityTags(QObject):
    """Keeps a sparsity tag under every pruned layer's card, on every network canvas.

    Parameters
    ----------
    workspace:
        The design workspace (``tabs()``, each with ``network`` and ``controller.scene``).
    document:
        The open document (``project`` and ``project_changed``).
    """

    def __init__(self, workspace, document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.document = document
        self._tags: dict[int, QGraphicsSimpleTextItem] = {}
        self._project = None
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self.refresh)
        document.project_changed.connect(self._follow_project)
        self._follow_project()

    def _follow_project(self) -> None:
        if self._project is not None:
            self._project.weights_changed.disconnect(self._on_weights_changed)
        self._project = self.document.project
        self._project.weights_changed.connect(self._on_weights_changed)
        self._timer.start()

    def _on_weights_changed(self, *_args) -> None:
        self._timer.start()

    def refresh(self) -> None:
        """Put a tag under each card whose layer has zeros, and remove stale tags."""
        live: set[int] = set()
        project = self.document.project
        for tab in self.workspace.tabs():
            if getattr(tab, "path", None):
                continue
            sparsity = layer_sparsity(project.weights.get(tab.network.name, {}))
            for node_id, item in tab.controller.scene.node_ids().items():
                fraction = sparsity.get(node_id, 0.0)
                if fraction < SHOWN_SPARSITY:
                    continue
                tag = self._tags.get(id(item))
                if tag is None or not isValid(tag) or tag.parentItem() is not item:
                    tag = QGraphicsSimpleTextItem(item)
                    font = QFont()
                    font.setPointSizeF(8.0)
                    tag.setFont(font)
                    tag.setBrush(TAG_COLOR)
                    self._tags[id(item)] = tag
                tag.setText(f"{fraction:.0%} zeros")
                tag.setToolTip(f"{fraction:.1%} of this layer's kernel weights are exactly zero (pruned).")
                tag.setPos(item.boundingRect().left() + 6, item.boundingRect().bottom() + 2)
                live.add(id(item))
        for key in [k for k in self._tags if k not in live]:
            tag = self._tags.pop(key)
            if isValid(tag) and tag.scene() is not None:
                tag.scene().removeItem(tag)

    def tag_texts(self) -> dict[str, str]:
        """The tags shown now, by node id (for tests and screenshots)."""
        texts = {}
        for tab in self.workspace.tabs():
            for node_id, item in tab.controller.scene.node_ids().items():
                tag = self._tags.get(id(item))
                if tag is not None and isValid(tag):
                    texts[node_id] = tag.text()
        return texts
