"""The canvas widget: zoom, pan, drag-and-drop, keyboard and context menus.

:class:`GraphView` shows a :class:`GraphScene`. The wheel zooms under the cursor (a trackpad's
scroll pans), a pinch zooms, the middle button or Space + drag pans; drops and context menus
are handed to the owning :class:`CanvasController`. Refused edits appear briefly as a
message at the bottom of the view. Must not import Keras.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QLineF, QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QFrame, QGraphicsView, QLabel

from nnstudio.ui.canvas.node_item import NodeItem
from nnstudio.ui.canvas.scene import GraphScene
from nnstudio.ui.canvas.style import LOD_SIMPLE, CanvasStyle

#: Cards are drawn crisp again this long after the last step of a zoom gesture (ms).
ZOOM_SETTLE_MS = 250
MIN_ZOOM = 0.08
MAX_ZOOM = 3.0
SCENE_EXTENT = 200_000.0
GRID = 20.0
NUDGE = 10.0


class GraphView(QGraphicsView):
    """A zoomable, pannable view of a graph scene.

    Parameters
    ----------
    scene:
        The scene to show.
    controller:
        The :class:`CanvasController` that handles drops, menus and edit keys (optional).

    Signals
    -------
    zoom_changed(float):
        The scale factor (1.0 is 100 %).
    """

    zoom_changed = Signal(float)

    def __init__(self, scene: GraphScene, controller=None, parent=None) -> None:
        super().__init__(scene, parent)
        self.controller = controller
        self.actions_by_name: dict = {}
        self._pan_origin: QPoint | None = None
        self._space_held = False
        self._shown_once = False
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing
            | QPainter.RenderHint.TextAntialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlags(
            QGraphicsView.OptimizationFlag.DontSavePainterState
            | QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing
        )
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheNone)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        half = SCENE_EXTENT / 2.0
        self.setSceneRect(QRectF(-half, -half, SCENE_EXTENT, SCENE_EXTENT))
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().grabGesture(Qt.GestureType.PinchGesture)
        self._toast = QLabel(self)
        self._toast.setWordWrap(True)
        self._toast.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._toast.hide()
        self._toast_timer = QTimer(self)
        self._toast_timer.setSingleShot(True)
        self._toast_timer.timeout.connect(self._toast.hide)
        self._zoom_settle = QTimer(self)
        self._zoom_settle.setSingleShot(True)
        self._zoom_settle.setInterval(ZOOM_SETTLE_MS)
        self._zoom_settle.timeout.connect(self._zoom_settled)
        self.centerOn(0.0, 0.0)

    # ------------------------------------------------------------------- zoom
    @property
    def zoom(self) -> float:
        """The current scale factor (1.0 is 100 %)."""
        return self.transform().m11()

    def set_zoom(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom to ``factor`` (clamped), keeping the scene point under ``anchor`` (viewport
        coordinates; the viewport centre when None) where it is."""
        factor = max(MIN_ZOOM, min(MAX_ZOOM, factor))
        if abs(factor - self.zoom) < 1e-9:
            return
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        before = self.mapToScene(anchor.toPoint())
        ratio = factor / self.zoom
        self.scale(ratio, ratio)
        after = self.mapFromScene(before)
        delta = after - anchor.toPoint()
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + delta.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + delta.y())
        self._zooming()
        self.zoom_changed.emit(self.zoom)

    def _zooming(self) -> None:
        """A zoom step: cards come from scaled pictures until the gesture has settled.

        Redrawing every visible card at each step of a wheel or pinch zoom cost 15-19 ms a
        frame with 500 layers (``benchmarks/canvas.py``); scaling a picture of each costs a
        fraction of that. The cards are drawn crisp again :data:`ZOOM_SETTLE_MS` after the
        last step.
        """
        if self.zoom < LOD_SIMPLE:  # plain boxes: cheap to draw at any zoom
            self._settle_zoom_now()
            return
        if not self._zoom_settle.isActive():
            self.scene().set_scaled_card_cache(True, self.devicePixelRatioF())
        self._zoom_settle.start()

    def _settle_zoom_now(self) -> None:
        if self._zoom_settle.isActive():
            self._zoom_settle.stop()
            self._zoom_settled()

    def _zoom_settled(self) -> None:
        self.scene().set_scaled_card_cache(False)
        self.viewport().update()

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * 1.25)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / 1.25)

    def reset_zoom(self) -> None:
        """Zoom to 100 % around the view centre."""
        self.set_zoom(1.0)

    def fit_to_view(self, node_ids=None) -> None:
        """Zoom and scroll so that all nodes (or ``node_ids``) fit, at most at 100 %."""
        scene: GraphScene = self.scene()
        rect = scene.nodes_bounding_rect(node_ids)
        if rect.isEmpty():
            self.reset_zoom()
            self.centerOn(0.0, 0.0)
            return
        rect = rect.adjusted(-40.0, -40.0, 40.0, 40.0)
        port = self.viewport().rect()
        factor = min(port.width() / rect.width(), port.height() / rect.height(), 1.0)
        self.set_zoom(factor)
        self._settle_zoom_now()  # a jump, not a gesture: draw the cards crisp at once
        self.centerOn(rect.center())

    def visible_center(self) -> QPointF:
        """The scene point at the middle of the viewport."""
        return self.mapToScene(self.viewport().rect().center())

    def ensure_visible(self, node_id: str) -> None:
        """Scroll the least needed to show ``node_id``'s card."""
        scene: GraphScene = self.scene()
        if node_id in scene.node_ids():
            self.ensureVisible(scene.node_item(node_id).sceneBoundingRect(), 40, 40)

    # --------------------------------------------------------------- messages
    def show_error(self, message: str, timeout_ms: int = 5000) -> None:
        """Show ``message`` at the bottom of the canvas for a few seconds."""
        palette = self.palette()
        dark = palette.color(palette.ColorRole.Window).lightness() < 128
        border = "#ff6b6b" if dark else "#c62828"
        self._toast.setStyleSheet(
            f"QLabel {{ background: {palette.color(palette.ColorRole.ToolTipBase).name()};"
            f" color: {palette.color(palette.ColorRole.ToolTipText).name()};"
            f" border: 1px solid {border}; border-left: 4px solid {border};"
            " border-radius: 6px; padding: 6px 10px; }"
        )
        self._toast.setText(message)
        width = min(560, max(200, self.viewport().width() - 40))
        self._toast.setFixedWidth(width)
        self._toast.adjustSize()
        self._place_toast()
        self._toast.show()
        self._toast.raise_()
        self._toast_timer.start(timeout_ms)

    def toast_text(self) -> str:
        """The message currently shown ("" when none)."""
        return self._toast.text() if self._toast.isVisible() else ""

    def _place_toast(self) -> None:
        x = (self.width() - self._toast.width()) // 2
        self._toast.move(max(8, x), max(8, self.height() - self._toast.height() - 16))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.fit_to_view()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            scene: GraphScene = self.scene()
            scene.set_style(CanvasStyle(self.palette()))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._toast.isVisible():
            self._place_toast()

    # -------------------------------------------------------------- background
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        scene: GraphScene = self.scene()
        style = scene.style
        painter.fillRect(rect, style.background)
        zoom = self.zoom
        if zoom < 0.35:
            return
        step = GRID if zoom >= 0.7 else GRID * 5
        left = int(rect.left() // step) * step
        top = int(rect.top() // step) * step
        minor, major = [], []
        x = left
        while x < rect.right():
            (major if round(x / step) % 5 == 0 or step > GRID else minor).append(
                QLineF(x, rect.top(), x, rect.bottom())
            )
            x += step
        y = top
        while y < rect.bottom():
            (major if round(y / step) % 5 == 0 or step > GRID else minor).append(
                QLineF(rect.left(), y, rect.right(), y)
            )
            y += step
        # Opaque, aliased hairlines: the cheapest lines the raster engine draws.
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(style.grid_minor_pen)
        painter.drawLines(minor)
        painter.setPen(style.grid_major_pen)
        painter.drawLines(major)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)

    # -------------------------------------------------------------------- input
    def wheelEvent(self, event: QWheelEvent) -> None:
        trackpad_scroll = (
            event.phase() != Qt.ScrollPhase.NoScrollPhase
            and not event.pixelDelta().isNull()
            and not event.modifiers() & Qt.KeyboardModifier.ControlModifier
        )
        if trackpad_scroll:
            super().wheelEvent(event)
            return
        steps = event.angleDelta().y() or event.angleDelta().x()
        if steps:
            self.set_zoom(self.zoom * 1.0015**steps, event.position())
        event.accept()

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Gesture:
            pinch = event.gesture(Qt.GestureType.PinchGesture)
            if pinch is not None:
                center = self.viewport().mapFromGlobal(pinch.centerPoint().toPoint())
                self.set_zoom(self.zoom * pinch.scaleFactor(), QPointF(center))
                event.accept()
                return True
        if event.type() == QEvent.Type.NativeGesture and event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
            self.set_zoom(self.zoom * (1.0 + event.value()), event.position())
            return True
        return super().viewportEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        panning = event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space_held
        )
        if panning:
            self._pan_origin = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_origin is not None:
            pos = event.position().toPoint()
            delta = pos - self._pan_origin
            self._pan_origin = pos
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_origin is not None:
            self._pan_origin = None
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if self._space_held else Qt.CursorShape.ArrowCursor)
            event.accept()
            return
        banding = not self.rubberBandRect().isNull()
        super().mouseReleaseEvent(event)
        if banding:
            # A band selects cards; an edge it merely crossed would be deleted by surprise.
            scene: GraphScene = self.scene()
            scene.keep_edges_between_selected_nodes()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        scene: GraphScene = self.scene()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        if key == Qt.Key.Key_Escape:
            if scene.is_connecting():
                scene.cancel_connection()
            else:
                scene.select_nodes([])
            event.accept()
            return
        arrows = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
        if key in arrows and self.controller is not None and scene.selected_node_ids():
            step = NUDGE * (5 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1)
            dx, dy = arrows[key]
            self.controller.nudge_selection(dx * step, dy * step)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            if self._pan_origin is None:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:
        self._space_held = False
        super().focusOutEvent(event)

    # ----------------------------------------------------------- drag and drop
    def dragEnterEvent(self, event) -> None:
        if self.controller is not None and self.controller.accepts_mime(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if self.controller is not None and self.controller.accepts_mime(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        event.accept()

    def dropEvent(self, event) -> None:
        if self.controller is None:
            event.ignore()
            return
        scene_pos = self.mapToScene(event.position().toPoint())
        if self.controller.drop_mime(event.mimeData(), scene_pos):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.setFocus()
        else:
            event.ignore()

    # ------------------------------------------------------------ context menu
    def contextMenuEvent(self, event) -> None:
        if self.controller is None:
            super().contextMenuEvent(event)
            return
        from nnstudio.ui.canvas.actions import context_menu

        menu = context_menu(self.controller, self.mapToScene(event.pos()))
        menu.exec(event.globalPos())
        menu.deleteLater()
        event.accept()

    def node_at(self, view_pos: QPoint) -> str | None:
        """The id of the node under a viewport point, or None."""
        for item in self.items(view_pos):
            if isinstance(item, NodeItem):
                return item.node_id
        return None
