"""Tests of hyperparameter search (issue 11)."""
