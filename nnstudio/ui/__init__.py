"""nnstudio.ui: the PySide6 desktop application (windows, canvas, panels, plots, workers).

The only package that imports Qt; nnstudio.core never imports it.
"""
