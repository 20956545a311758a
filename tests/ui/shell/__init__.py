"""Tests of the designer shell: window, document, panels, dialogs, start-up."""
