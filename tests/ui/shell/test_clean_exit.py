"""The designer quits cleanly (exit status 0) after copying layers to the clipboard."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

APP = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from nnstudio.ui.app import create_application, main

    app = create_application()

    def copy_then_close():
        window = next(w for w in app.topLevelWidgets() if w.objectName() == "MainWindow")
        controller = window.current_controller()
        controller.select_nodes(["dense_1", "dense_2"])
        assert controller.copy_selection()
        window.document.undo_stack.setClean()
        QTimer.singleShot(100, window.close)

    QTimer.singleShot(500, copy_then_close)
    sys.exit(main(example=True))
""")


def test_quitting_after_a_copy_exits_with_status_zero(tmp_path):
    """Qt frees clipboard data after Python has shut down; nnstudio must take it back first."""
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "QT_QPA_PLATFORM": "offscreen",
        "NNSTUDIO_SKIP_KERAS": "1",
    }
    script = tmp_path / "copy_and_quit.py"
    script.write_text(APP)
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
