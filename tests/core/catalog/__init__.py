"""Tests of the layer catalog and the Keras bridge."""
