"""The designer freezes its start-up heap, so full garbage collections never walk it on the GUI thread."""

from __future__ import annotations

import textwrap

from tests.ui.shell.conftest import run_designer_script

APP = textwrap.dedent("""
    import gc
    import sys
    from PySide6.QtCore import QTimer
    from nnstudio.ui.app import create_application, main

    app = create_application()

    def report_then_close():
        print("frozen", gc.get_freeze_count(), "walked", len(gc.get_objects()), flush=True)
        window = next(w for w in app.topLevelWidgets() if w.objectName() == "MainWindow")
        window.document.undo_stack.setClean()
        window.close()

    QTimer.singleShot(300, report_then_close)
    sys.exit(main(example=True))
""")


def test_the_window_freezes_the_objects_of_its_start_up(tmp_path):
    """A full collection walked them all: 30 ms on the GUI thread, a hitch in the middle of training."""
    proc = run_designer_script(tmp_path, APP)
    words = next(line for line in proc.stdout.splitlines() if line.startswith("frozen")).split()
    frozen, walked = int(words[1]), int(words[3])
    assert frozen > 50_000
    assert walked < frozen / 5
