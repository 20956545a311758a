"""Exporting projects: ``.keras`` model files and readable Keras Python code.

Must not import Qt; Keras is imported inside the functions only.
"""

from nnstudio.core.export.keras_file import export_keras
from nnstudio.core.export.python_code import export_python, generate_python

__all__ = ["export_keras", "export_python", "generate_python"]
