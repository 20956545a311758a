"""Tests of nnstudio.core.data: sources, splits, preprocessing, imports, compatibility."""
