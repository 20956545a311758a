"""Tests of shape inference."""
