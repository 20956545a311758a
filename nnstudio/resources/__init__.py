"""Run-time resources shipped inside the package (application icons)."""
