"""Tests of .keras and Python export."""
