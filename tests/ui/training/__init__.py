"""Tests of the training worker, live dashboards, and the training/evaluation/runs panels."""
