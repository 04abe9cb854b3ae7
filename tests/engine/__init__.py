"""Tests of gradcli.engine: the registry of primitives, the tape, the Python API."""
