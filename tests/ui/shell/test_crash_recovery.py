"""Crash recovery end to end: a real designer process is killed and its work comes back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

#: The first session: the example, one edit made through the window as a user would.
EDIT_THEN_WAIT = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QTimer
    from nnstudio.ui.app import create_application, main

    app = create_application()

    def edit():
        window = next(w for w in app.topLevelWidgets() if w.objectName() == "MainWindow")
        window.set_param("dense_1", "units", 77)

    QTimer.singleShot(300, edit)
    sys.exit(main(example=True))
""")

#: The next session: answer "Restore" in the recovery dialog, write what the window holds, leave.
RESTORE_THEN_REPORT = textwrap.dedent("""
    import json, sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from nnstudio.core.graph import graph_to_dict
    from nnstudio.ui.dialogs import recovery

    offered = []

    class Restore:
        def __init__(self, entries, parent=None):
            offered.extend(e.describe() for e in entries)
            self.choice, self.entry = "restore", entries[0]

        def exec(self):
            return 0

    recovery.RecoveryDialog = Restore
    from nnstudio.ui.app import create_application, main

    app = create_application()

    def report():
        window = next(w for w in app.topLevelWidgets() if w.objectName() == "MainWindow")
        doc = window.document
        state = {"name": doc.project.name, "modified": doc.is_modified, "recovery_offered": offered,
                 "networks": {k: graph_to_dict(g) for k, g in doc.project.networks.items()}}
        with open(sys.argv[1], "w", encoding="utf-8") as fh:
            json.dump(state, fh)
        QApplication.exit(0)

    QTimer.singleShot(1000, report)
    sys.exit(main())
""")


def _env(home: Path, **extra: str) -> dict:
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        QT_QPA_PLATFORM="offscreen",
        NNSTUDIO_SKIP_KERAS="1",
    )
    env.update(extra)
    return env


def _recovery_files(home: Path) -> list[Path]:
    return sorted((home / "data").glob("**/recovery/*.nnstudio"))


def test_designer_killed_after_an_edit_offers_and_restores_the_work(qtbot, tmp_path):
    home = tmp_path / "user"
    home.mkdir()
    first_script, second_script = tmp_path / "edit.py", tmp_path / "restore.py"
    first_script.write_text(EDIT_THEN_WAIT)
    second_script.write_text(RESTORE_THEN_REPORT)
    first = subprocess.Popen(
        [sys.executable, str(first_script)],
        cwd=ROOT,
        env=_env(home, NNSTUDIO_AUTOSAVE_MS="200"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        qtbot.waitUntil(lambda: bool(_recovery_files(home)) or first.poll() is not None, timeout=60_000)
        assert first.poll() is None, first.stderr.read().decode()[-2000:]
        qtbot.waitUntil(lambda: _recovery_files(home)[0].with_suffix(".json").exists(), timeout=10_000)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        first.stderr.close()
    assert first.returncode == -signal.SIGKILL
    assert len(_recovery_files(home)) == 1

    report = tmp_path / "state.json"
    second = subprocess.run(
        [sys.executable, str(second_script), str(report)],
        cwd=ROOT,
        timeout=120,
        capture_output=True,
        text=True,
        env=_env(home),
    )
    assert second.returncode == 0, second.stderr[-2000:]
    state = json.loads(report.read_text())
    assert len(state["recovery_offered"]) == 1 and "Spirals" in state["recovery_offered"][0]
    dense = next(n for n in state["networks"]["main"]["nodes"] if n["id"] == "dense_1")
    assert dense["params"]["units"] == 77
    assert state["modified"] is True and state["name"] == "Spirals"
    # The restored work is autosaved under the new session; the crashed session's file is gone.
    assert len(_recovery_files(home)) == 1


def test_shipped_code_has_no_test_switches():
    import nnstudio

    package = Path(nnstudio.__file__).parent
    hooks = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "NNSTUDIO_TEST_" in path.read_text(encoding="utf-8") or "state_for_tests" in path.read_text(encoding="utf-8")
    ]
    assert hooks == []
