"""Dialogs of the designer: file choosers and prompts, template gallery, recovery, about."""
