"""Tests of the family views."""
