"""Tests of graph compilation, model import and auto layout."""
