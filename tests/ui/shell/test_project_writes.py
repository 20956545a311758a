"""No ui module writes a Project field: every project edit is a core command."""

from __future__ import annotations

import re
from pathlib import Path

import nnstudio.ui

FIELDS = "name|networks|description|data|training|runs|weights|view|search|deploy"
WRITES = re.compile(
    rf"project\.(?:{FIELDS})\s*(?:\[[^\]]*\])*\s*(?:=[^=]|\+=)"
    rf"|project\.(?:{FIELDS})(?:\[[^\]]*\])*\.(?:append|extend|insert|pop|remove|clear|update|setdefault)\("
    r"|setattr\([^,]*project"
    r"|del\s+[\w.]*project\."
)
#: Writes allowed because they edit a worker's own snapshot, never the open project.
SNAPSHOT_WRITES = {
    ("workers/process_run.py", "self.project.weights = load_project(self._output).weights"),
    ("workers/engine_process.py", "job.project.weights = load_project(str(output)).weights"),
    (
        "deploy/distill_box.py",
        'project.training = {**project.training, "recipe": "distill", "distill": settings, "epochs": epochs}',
    ),
}


def _writes() -> list[tuple[str, str]]:
    root = Path(nnstudio.ui.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if WRITES.search(line):
                found.append((path.relative_to(root).as_posix(), line.strip()))
    return found


def test_the_pattern_finds_the_writes_it_is_meant_to_find():
    for line in (
        "self.project.training = dict(training)",
        "project.runs.append(record)",
        "self.project.view['key'] = 1",
        "setattr(self.document.project, section, value)",
        "self.project.runs[:] = []",
    ):
        assert WRITES.search(line), line
    assert not WRITES.search("if project.training == other:")


def test_no_ui_module_assigns_to_a_project_field():
    assert [w for w in _writes() if w not in SNAPSHOT_WRITES] == []
