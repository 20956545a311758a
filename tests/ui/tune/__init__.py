"""Tests of the Tune page and the search markers."""
