"""New from Template: a gallery of templates with a small drawing of the network and its
description. Must not import Keras.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.catalog import registry
from nnstudio.core.graph import Graph
from nnstudio.core.graph.layout import NODE_HEIGHT, NODE_WIDTH
from nnstudio.core.project import Project
from nnstudio.ui.icons import action_icon, category_color

_NAME_ROLE = Qt.ItemDataRole.UserRole
#: The preview of a template that makes its files when first created (it is not built to preview).
PREPARED_NOTE = (
    "This template trains its pretrained network on this machine the first time it is created: "
    "a few seconds, in the background. Its graph appears then."
)


class GraphPreview(QWidget):
    """Draws a graph scaled to fit: one coloured card per node, one line per edge."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graph: Graph | None = None
        self.note = ""
        self.setMinimumSize(QSize(260, 240))

    def set_graph(self, graph: Graph | None, note: str = "") -> None:
        """Show ``graph``; with None, ``note`` (centred, wrapped) or nothing."""
        self.graph = graph
        self.note = note
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        if self.graph is None or not len(self.graph):
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            p.drawText(QRectF(self.rect()).adjusted(24, 24, -24, -24), flags, self.note)
            return
        xs = [n.pos[0] for n in self.graph]
        ys = [n.pos[1] for n in self.graph]
        box = QRectF(min(xs), min(ys), max(xs) - min(xs) + NODE_WIDTH, max(ys) - min(ys) + NODE_HEIGHT)
        margin = 14
        scale = min((self.width() - 2 * margin) / box.width(), (self.height() - 2 * margin) / box.height(), 0.9)
        dx = (self.width() - box.width() * scale) / 2 - box.x() * scale
        dy = (self.height() - box.height() * scale) / 2 - box.y() * scale

        def rect(node) -> QRectF:
            return QRectF(node.pos[0] * scale + dx, node.pos[1] * scale + dy, NODE_WIDTH * scale, NODE_HEIGHT * scale)

        text = pal.color(QPalette.ColorRole.Text)
        edge_color = QColor(text)
        edge_color.setAlphaF(0.45)
        p.setPen(QPen(edge_color, 1.4))
        for e in self.graph.edges:
            a, b = rect(self.graph.node(e.src)), rect(self.graph.node(e.dst))
            start, end = QPointF(a.center().x(), a.bottom()), QPointF(b.center().x(), b.top())
            path = QPainterPath(start)
            mid = (end.y() - start.y()) / 2
            path.cubicTo(QPointF(start.x(), start.y() + mid), QPointF(end.x(), end.y() - mid), end)
            p.drawPath(path)
        font = QFont(self.font())
        font.setPixelSize(max(7, min(12, int(22 * scale))))
        p.setFont(font)
        for node in self.graph:
            spec = registry.find(node.type)
            color = category_color("Block" if node.is_block else spec.category if spec else "Other")
            r = rect(node)
            fill = QColor(color)
            fill.setAlphaF(0.18)
            p.setPen(QPen(color, 1.2))
            p.setBrush(fill)
            p.drawRoundedRect(r, 4, 4)
            p.setBrush(color)
            p.setPen(Qt.PenStyle.NoPen)
            p.drawRoundedRect(QRectF(r.x(), r.y(), max(2.0, 6 * scale), r.height()), 2, 2)
            if r.height() >= 14:
                p.setPen(text)
                p.drawText(r.adjusted(8 * scale + 3, 0, -2, 0), Qt.AlignmentFlag.AlignVCenter, node.type)


class TemplateGalleryDialog(QDialog):
    """Pick a template; :meth:`project` builds the chosen one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from nnstudio.core.templates import list_templates

        self.setWindowTitle("New from Template")
        self.resize(820, 520)
        self.list = QListWidget(self)
        self.list.setIconSize(QSize(18, 18))
        self.list.setMinimumWidth(250)
        family = None
        for info in sorted(list_templates(), key=lambda t: (t.family, t.title)):
            if info.family != family:
                family = info.family
                header = QListWidgetItem(family)
                header.setFlags(Qt.ItemFlag.NoItemFlags)
                font = header.font()
                font.setBold(True)
                header.setFont(font)
                self.list.addItem(header)
            item = QListWidgetItem(action_icon("network"), info.title)
            item.setData(_NAME_ROLE, info.name)
            item.setToolTip(info.summary)
            self.list.addItem(item)
        self.preview = GraphPreview(self)
        self.title = QLabel(self)
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.description = QLabel(self)
        self.description.setWordWrap(True)
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(8, 0, 0, 0)
        rl.addWidget(self.title)
        rl.addWidget(self.preview, 3)
        rl.addWidget(self.description, 1)
        splitter = QSplitter(self)
        splitter.addWidget(self.list)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self._ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self._projects: dict[str, Project] = {}
        self.list.currentItemChanged.connect(self._show)
        self.list.itemDoubleClicked.connect(lambda item: item.data(_NAME_ROLE) and self.accept())
        first = next((self.list.item(i) for i in range(self.list.count()) if self.list.item(i).data(_NAME_ROLE)), None)
        if first is not None:
            self.list.setCurrentItem(first)
        self._ok.setEnabled(first is not None)

    def select(self, name: str) -> None:
        """Select template ``name``."""
        for i in range(self.list.count()):
            if self.list.item(i).data(_NAME_ROLE) == name:
                self.list.setCurrentRow(i)
                return
        raise KeyError(f"There is no template named `{name}`. Received: {name!r}.")

    def selected_name(self) -> str | None:
        item = self.list.currentItem()
        return item.data(_NAME_ROLE) if item is not None else None

    def _show(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None = None) -> None:
        from nnstudio.core.templates import create_project, template_info

        name = item.data(_NAME_ROLE) if item is not None else None
        self._ok.setEnabled(bool(name))
        if not name:
            return
        info = template_info(name)
        self.title.setText(info.title)
        if info.needs_preparing():  # building it now would hold the dialog for seconds
            self.preview.set_graph(None, PREPARED_NOTE)
            self.description.setText(f"<p>{info.description}</p>")
            return
        if name not in self._projects:
            self._projects[name] = create_project(name)
        project = self._projects[name]
        self.preview.set_graph(project.main)
        networks = ", ".join(project.networks)
        extra = f"<p><i>Networks: {networks}</i></p>" if len(project.networks) > 1 else ""
        self.description.setText(f"<p>{info.description}</p>{extra}")
