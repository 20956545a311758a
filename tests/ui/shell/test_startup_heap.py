"""The designer freezes its start-up heap, so full garbage collections never walk it on the GUI thread."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

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
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "QT_QPA_PLATFORM": "offscreen",
        "NNSTUDIO_SKIP_KERAS": "1",
    }
    script = tmp_path / "start_and_quit.py"
    script.write_text(APP)
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    words = next(line for line in proc.stdout.splitlines() if line.startswith("frozen")).split()
    frozen, walked = int(words[1]), int(words[3])
    assert frozen > 50_000
    assert walked < frozen / 5
