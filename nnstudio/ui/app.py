"""Start the designer: the QApplication, the main window, then Keras in the background.

The window is shown before anything heavy is imported; Keras (4–6 s with TensorFlow) then
loads in the spare training engine process (:mod:`nnstudio.ui.workers.engine_process`)
while the status bar shows "Loading Keras…" with a busy bar, so the import never holds
the window's GIL. Nothing here imports Keras.

Environment variables (for tests, benchmarks and screenshots; all optional):

``NNSTUDIO_AUTOSAVE_MS``
    Autosave interval in milliseconds (default two minutes).
``NNSTUDIO_SKIP_KERAS``
    ``1``: do not preload Keras (tests that never train).
``NNSTUDIO_SCREENSHOT``
    A path: save a PNG of the window once Keras has loaded (or at once with
    ``NNSTUDIO_SKIP_KERAS=1``), then quit. ``NNSTUDIO_SCREENSHOT_SIZE=1500x950`` resizes first.
``NNSTUDIO_STARTUP_PROBE``
    ``1``: print ``window-visible <epoch seconds>`` after the first paint, then
    ``keras-loaded <epoch seconds> max-stall-ms <ms>`` and quit (``benchmarks/startup.py``).
"""

from __future__ import annotations

import os
import sys
import threading
import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QProgressBar, QWidget

from nnstudio.core.heap import freeze_heap
from nnstudio.ui.workers.jobs import JobRunner

EXAMPLE_TEMPLATE = "mlp-spirals"


def create_application(argv: list[str] | None = None) -> QApplication:
    """Return the QApplication, creating and configuring it (name, icon, style) if needed."""
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else sys.argv[:1])
    from nnstudio.ui import settings, theme
    from nnstudio.ui.icons import app_icon

    app.setApplicationName(settings.APPLICATION)
    app.setOrganizationName(settings.ORGANIZATION)
    app.setDesktopFileName("nnstudio")
    import nnstudio

    app.setApplicationVersion(nnstudio.__version__)
    app.setWindowIcon(app_icon())
    theme.apply_theme(settings.theme_choice(), app)
    return app


def _start_engine(_context, finished: threading.Event) -> str:
    """The Keras loader's job: start the spare engine process and wait until it has Keras."""
    from nnstudio.ui.workers.engine_process import spare_engine

    try:
        return spare_engine().wait_ready()
    finally:
        finished.set()


class KerasLoader(QObject):
    """Loads Keras in the spare engine process and reports when it is ready.

    The import (4-6 s with TensorFlow) runs in another process, where it cannot hold this
    process's GIL against the window; that process then trains the first run. Features
    that need Keras in the designer itself (evaluation, model views, import and export)
    import it in their own background jobs when first used.

    Signals
    -------
    loaded(str):
        ``"Keras 3.x (tensorflow)"`` once ``import keras`` finished.
    devices_found(list):
        The devices training can use there (``["cpu", "gpu:0", ...]``), just before ``loaded``.
    failed(str):
        The one-line reason the import failed.
    """

    loaded = Signal(str)
    devices_found = Signal(list)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        #: Set by the loading thread just before its outcome is sent to ``loaded`` or ``failed``.
        self.finished = threading.Event()
        self.jobs = JobRunner("keras-import", self)
        self.jobs.finished.connect(self._on_ready)
        self.jobs.failed.connect(lambda message: self.failed.emit(f"Keras could not be loaded: {message}"))

    def _on_ready(self, hello: dict) -> None:
        self.devices_found.emit(list(hello.get("devices") or ["cpu"]))
        self.loaded.emit(hello["keras"])

    def start(self) -> None:
        """Start importing Keras (returns at once)."""
        self.jobs.submit(_start_engine, self.finished)


class KerasIndicator(QWidget):
    """Status-bar widget: "Loading Keras…" with a busy bar, then the Keras version."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel("Loading Keras…", self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.bar.setMaximumSize(90, 12)
        self.bar.setTextVisible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self.setToolTip("Keras and TensorFlow load in the background; you can build your network meanwhile.")

    def ready(self, text: str) -> None:
        self.bar.hide()
        self.label.setText(text)
        self.setToolTip("Keras is ready for training.")

    def error(self, text: str) -> None:
        self.bar.hide()
        self.label.setText("Keras unavailable")
        self.setToolTip(text)


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def main(path: str | None = None, example: bool = False) -> int:
    """Open the designer window and run the event loop.

    Parameters
    ----------
    path:
        A project to open (a ``.keras``/``.h5`` model is imported); an unreadable file shows
        its reason and an empty project.
    example:
        Open the bundled example (the ``mlp-spirals`` template) when no ``path`` is given.

    Returns
    -------
    int
        The application's exit code.
    """
    app = create_application()
    from nnstudio.ui.canvas.clipboard import release_clipboard
    from nnstudio.ui.main_window import MainWindow

    app.aboutToQuit.connect(release_clipboard)

    window = MainWindow()
    window.describe_in_background()  # before a project opens: its backbones never build here
    size = _env("NNSTUDIO_SCREENSHOT_SIZE")
    if size and "x" in size:
        window.resize(*(int(v) for v in size.split("x", 1)))
    load_error = ""
    if path and path.lower().endswith((".keras", ".h5")):
        window.import_keras_path(path)
    elif path:
        load_error = window.open_path(path, interactive=False)
    elif example:
        window.new_from_template(EXAMPLE_TEMPLATE, ask=False)
    window.show()
    probe = _StartupProbe(window) if _env("NNSTUDIO_STARTUP_PROBE") == "1" else None
    indicator = KerasIndicator(window)
    window.statusBar().addPermanentWidget(indicator)
    loader = KerasLoader(window)
    loader.loaded.connect(indicator.ready)
    loader.failed.connect(indicator.error)
    loader.loaded.connect(window.on_keras_ready)
    loader.devices_found.connect(window.pages.training_panel.form.set_devices)
    if probe is not None:
        loader.loaded.connect(probe.keras_loaded)
    if _env("NNSTUDIO_SKIP_KERAS") == "1":
        indicator.hide()
    else:
        QTimer.singleShot(0, loader.start)
    if load_error:
        QTimer.singleShot(0, lambda: window.show_error("Cannot open project", load_error))
    QTimer.singleShot(0, lambda: _after_start(window, loader))
    return app.exec()


def _after_start(window, loader: KerasLoader) -> None:
    # The start-up's objects (Qt wrappers, pyqtgraph, the window) live as long as the app; a
    # full collection walked them all (30 ms on the GUI thread, a visible hitch mid-training).
    freeze_heap()
    window.offer_recovery()
    shot = _env("NNSTUDIO_SCREENSHOT")
    if shot:

        def take() -> None:
            window.grab().save(shot)
            QApplication.exit(0)

        if _env("NNSTUDIO_SKIP_KERAS") != "1":
            # Connect first, then look at the flag: a signal emitted before the connection is lost.
            loader.loaded.connect(lambda _text: QTimer.singleShot(300, take))
            loader.failed.connect(lambda _text: QTimer.singleShot(300, take))
        if _env("NNSTUDIO_SKIP_KERAS") == "1" or loader.finished.is_set():
            QTimer.singleShot(300, take)


class _StartupProbe(QObject):
    """Prints when the window is first painted and the longest event-loop stall until Keras loads."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.max_stall = 0.0
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)
        QTimer.singleShot(0, self._visible)

    def _visible(self) -> None:
        print(f"window-visible {time.time():.4f}", flush=True)
        self._last = time.perf_counter()
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.max_stall = max(self.max_stall, (now - self._last) * 1000.0 - 10.0)
        self._last = now

    def keras_loaded(self, _text: str) -> None:
        self._tick()
        print(f"keras-loaded {time.time():.4f} max-stall-ms {self.max_stall:.0f}", flush=True)
        QApplication.exit(0)
