"""Tests of the data panel."""
