"""Isolate every shell test from the user's settings, recovery files and saved blocks."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def shell_home(isolated_home):
    """Every shell test runs in ``isolated_home`` (tests/ui/conftest.py)."""
    return isolated_home
