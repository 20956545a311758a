"""Tests of the training engine (no Qt)."""
