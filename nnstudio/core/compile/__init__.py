"""Graph ⇄ Keras model: compiling graphs, moving weights, importing ``.keras`` files.

Must not import Qt; Keras is imported inside the functions only, so importing this package
stays cheap.
"""

from nnstudio.core.compile.build import (
    apply_weights,
    check_graph,
    compile_graph,
    compile_project,
    extract_weights,
)
from nnstudio.core.compile.errors import (
    CompileError,
    ExportError,
    InvalidGraphError,
    ModelImportError,
    UnreadableModelError,
    UnsafeModelError,
    UnsupportedModelError,
)
from nnstudio.core.compile.importer import import_keras_file, model_to_project

__all__ = [
    "CompileError",
    "ExportError",
    "InvalidGraphError",
    "ModelImportError",
    "UnreadableModelError",
    "UnsafeModelError",
    "UnsupportedModelError",
    "apply_weights",
    "check_graph",
    "compile_graph",
    "compile_project",
    "extract_weights",
    "import_keras_file",
    "model_to_project",
]
