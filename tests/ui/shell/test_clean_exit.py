"""The designer quits cleanly (exit status 0) after copying layers to the clipboard."""

from __future__ import annotations

import textwrap

from tests.ui.shell.conftest import run_designer_script

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
    run_designer_script(tmp_path, APP)  # exits with 0
