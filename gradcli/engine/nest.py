"""Nested structures of lists, tuples and dicts, flattened and rebuilt (TensorFlow's `tf.nest`)."""

from __future__ import annotations

from typing import Any


def flatten(structure: Any) -> list:
    """The leaves of `structure`, depth first; dicts in their key order."""
    if isinstance(structure, dict):
        return [leaf for key in structure for leaf in flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack_like(structure: Any, leaves: list) -> Any:
    """`leaves` arranged as `structure` is: the inverse of `flatten`."""
    remaining = iter(leaves)
    packed = _pack(structure, remaining)
    return packed


def _pack(structure: Any, remaining) -> Any:
    if isinstance(structure, dict):
        return {key: _pack(value, remaining) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        items = [_pack(item, remaining) for item in structure]
        if isinstance(structure, tuple) and hasattr(structure, "_fields"):
            return type(structure)(*items)  # a namedtuple
        return type(structure)(items) if isinstance(structure, tuple) else items
    return next(remaining)
