"""Tests of the family templates: validity, quality bars, headless training."""
