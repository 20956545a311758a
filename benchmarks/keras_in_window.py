"""How long the window is held when an action needs Keras: templates, backbones, import, export.

Four scenes in a real main window, with fresh data and cache folders (temporary ones):

1. ``transfer-digits`` is created for the first time: the template trains its pretrained CNN.
2. The same project is opened again with its backbone description missing from every cache
   (another machine, or a Keras upgrade).
3. File ▸ Export ▸ Keras model writes the ``cnn-digits`` template's network as a ``.keras``.
4. File ▸ Import Keras model reads that file back as a project.
5. The same for ``transfer-digits``' network, whose backbone comes back as a nested model: a
   layer outside nnstudio's catalog, measured by Keras.

For each, a 10 ms precise timer on the GUI thread records its lateness from the moment the
action starts until it is done (the shapes all known, the file written, the project
replaced); printed: the wall time until then, and the longest tick (the longest the window
could not answer). Before this work was handed to child processes (commit 9d5498d) all of it
ran on the GUI thread, in one tick each: 9.7 s, 6.2 s, and about 5-6 s for an export or an
import in a window that had not loaded Keras yet (5.8 s for the nested model's shapes alone,
after the import itself had moved to a child).

Run: ``QT_QPA_PLATFORM=offscreen python benchmarks/keras_in_window.py``
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["NNSTUDIO_SKIP_KERAS"] = "1"
_home = tempfile.mkdtemp(prefix="nnstudio-bench-")
os.environ["XDG_CACHE_HOME"] = os.path.join(_home, "cache")
os.environ["XDG_DATA_HOME"] = os.path.join(_home, "data")

from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402


class Lateness:
    """A 10 ms precise timer; ``worst`` is the longest it was late, in seconds."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self._last - 0.010)
        self._last = now

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()


def settled(window) -> bool:
    """True once every network of the window's project has all its shapes (nothing pending)."""
    project = window.document.project
    return project.name == "Transfer digits" and all(
        not window.document.shapes(graph).report.diagnostics for graph in project.networks.values()
    )


def scene(window, action, done=settled, limit: float = 120.0) -> tuple[float, float]:
    """Run ``action`` and wait until ``done(window)``; return (wall seconds, longest tick in seconds)."""
    late = Lateness()
    started = time.perf_counter()
    late.start()
    action()
    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: (done(window) or time.perf_counter() - started > limit) and loop.quit())
    poll.start(20)
    loop.exec()
    poll.stop()
    late.timer.stop()
    return time.perf_counter() - started, late.worst


def main() -> int:
    from nnstudio.core.backbones import source
    from nnstudio.core.templates import create_project
    from nnstudio.ui.app import create_application
    from nnstudio.ui.main_window import MainWindow

    app = create_application([])
    window = MainWindow()
    window.describe_in_background()
    window.resize(1300, 800)
    window.show()
    app.processEvents()
    wall, worst = scene(window, lambda: window.new_from_template("transfer-digits", ask=False))
    print(f"transfer-digits, first use: shapes known after {wall:.1f} s; longest GUI tick {1000 * worst:.0f} ms")
    project = create_project("transfer-digits")  # its files exist now: new graphs, built at once
    for entry in os.scandir(os.path.join(os.environ["XDG_CACHE_HOME"], "nnstudio", "backbones")):
        os.unlink(entry.path)
    source._DESCRIPTIONS.clear()
    wall, worst = scene(window, lambda: window.document.set_project(project))
    print(f"uncached backbone description: shapes known after {wall:.1f} s; longest GUI tick {1000 * worst:.0f} ms")
    window.document.set_project(create_project("cnn-digits"))
    target = os.path.join(_home, "exported.keras")
    wall, worst = scene(
        window,
        lambda: window.export_path("keras", target),
        lambda w: w.statusBar().currentMessage().startswith("Exported"),
    )
    print(f"export to .keras: written after {wall:.1f} s; longest GUI tick {1000 * worst:.0f} ms")
    before = window.document.project
    wall, worst = scene(window, lambda: window.import_keras_path(target), lambda w: w.document.project is not before)
    print(f"import of that .keras: project replaced after {wall:.1f} s; longest GUI tick {1000 * worst:.0f} ms")
    window.document.set_project(create_project("transfer-digits"))
    nested = os.path.join(_home, "finetune.keras")
    scene(
        window,
        lambda: window.export_path("keras", nested),
        lambda w: w.statusBar().currentMessage().startswith("Exported"),
    )
    before = window.document.project

    def imported_and_inferred(w) -> bool:
        project = w.document.project
        return project is not before and not any(
            w.document.shapes(g).report.diagnostics for g in project.networks.values()
        )

    wall, worst = scene(window, lambda: window.import_keras_path(nested), imported_and_inferred)
    print(
        f"import of a .keras with a layer outside the catalog (the backbone, a nested model): shapes known after "
        f"{wall:.1f} s; longest GUI tick {1000 * worst:.0f} ms"
    )
    window.describer.uninstall()
    return 0


if __name__ == "__main__":
    sys.exit(main())
