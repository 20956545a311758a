"""Tests of the graph model, its topology, ports, serialization and undoable commands."""
