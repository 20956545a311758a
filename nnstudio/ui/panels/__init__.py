"""Dockable panels of the main window (palette, inspector, data, training, evaluation, runs)."""
