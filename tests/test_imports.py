"""Import boundaries: the light entry points stay light, and the core never touches Qt."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "nnstudio" / "core"
HEAVY = ("keras", "tensorflow", "PySide6", "jax", "torch")
FORBIDDEN_IN_CORE = ("PySide6", "nnstudio.ui", "shiboken6", "pyqtgraph")


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "module",
    [
        "nnstudio",
        "nnstudio.core.graph",
        "nnstudio.cli",
        "nnstudio.core.project",
        "nnstudio.core.templates",
    ],
)
def test_light_modules_import_no_heavy_library(module):
    code = (
        f"import sys, json, {module}\nprint(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_building_the_cli_parser_imports_no_heavy_library():
    code = (
        "import sys, json\n"
        "from nnstudio.cli import build_parser\n"
        "build_parser().parse_args(['summary', 'x.nnstudio'])\n"
        "from nnstudio.core.templates import list_templates, create_project\n"
        "[create_project(t.name) for t in list_templates()]\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def _imported_names(tree: ast.AST, module: str) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module.rsplit(".", node.level)[0]
                names.append(f"{package}.{node.module}" if node.module else package)
            elif node.module:
                names.append(node.module)
                names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _core_modules() -> list[tuple[Path, str]]:
    modules = []
    for path in sorted(CORE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules.append((path, name))
    return modules


def test_core_source_never_imports_qt_or_the_ui():
    offenders = []
    for path, module in _core_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for name in _imported_names(tree, module):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_IN_CORE):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


_BLOCKER = """
import importlib.abc, sys

class BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6') or name == 'nnstudio.ui' or name.startswith('nnstudio.ui.'):
            raise ImportError(f'{name} is blocked: nnstudio.core must not import it')
        return None

sys.meta_path.insert(0, BlockQt())
"""


def test_every_core_module_imports_with_qt_blocked():
    names = [name for _, name in _core_modules()]
    code = _BLOCKER + (
        "import importlib, json\n"
        "failed = {}\n"
        f"for name in {names!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as err:\n"
        "        failed[name] = f'{type(err).__name__}: {err}'\n"
        "print(json.dumps(failed))\n"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {}


def test_the_blocker_really_blocks_qt():
    result = _python(_BLOCKER + "import PySide6.QtCore\n")
    assert result.returncode != 0 and "blocked" in result.stderr
