"""The Qt-free heart of nnstudio.

Nothing under ``nnstudio.core`` imports PySide6 or ``nnstudio.ui``; Keras is imported
lazily inside the functions that need it, so ``import nnstudio.core.graph`` stays fast and
the window shows before Keras has loaded.
"""
