"""Tests of the project file format, templates and summaries."""
