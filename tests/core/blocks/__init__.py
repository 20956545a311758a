"""Tests of the built-in block library."""
