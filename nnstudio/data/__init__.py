"""Data files shipped with nnstudio (the sentiment corpus). Holds no code."""
