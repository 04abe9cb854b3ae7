"""`Record`: an immutable value with named fields, for the values that flow through gradcli.

A hand-written base rather than `@dataclass`: a frozen dataclass costs about 0.45 ms to define
(it compiles its methods at import), and the two dozen of them were a tenth of every command's
start-up time. A subclass lists its fields in `__slots__` and any defaults in `_defaults`.
"""

from __future__ import annotations

from typing import Any, TypeVar

R = TypeVar("R", bound="Record")


class Record:
    __slots__ = ()
    _defaults: dict = {}
    _setters: tuple = ()

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        # each field's own slot setter, read once: __setattr__ refuses, and object.__setattr__
        # looks the name up again for every field of every record
        cls._setters = tuple(getattr(cls, name).__set__ for name in cls.__slots__)

    def __init__(self, *args: Any, **kwargs: Any):
        names = self.__slots__
        if not kwargs and len(args) == len(names):  # every field given in order: the parser's
            for setter, value in zip(self._setters, args):  # nodes, one per token of a program
                setter(self, value)
            return
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes at most {len(names)} fields")
        values = {**self._defaults, **dict(zip(names, args))}
        for name, value in kwargs.items():
            if name not in names:
                raise TypeError(f"{type(self).__name__} has no field {name!r}")
            values[name] = value
        missing = [name for name in names if name not in values]
        if missing:
            raise TypeError(f"{type(self).__name__} needs {', '.join(missing)}")
        for name in names:
            object.__setattr__(self, name, values[name])

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({shown})"


def replace(record: R, **changes: Any) -> R:
    """A copy of `record` with some fields changed. Every field is passed, in order: a syntax
    node takes its fields only so (`language.syntax`)."""
    unknown = changes.keys() - set(record.__slots__)
    if unknown:
        raise TypeError(f"{type(record).__name__} has no field {sorted(unknown)[0]!r}")
    return type(record)(
        *(changes.get(name, value) for name, value in zip(record.__slots__, record._values()))
    )


def fields(record: Record) -> tuple[str, ...]:
    return record.__slots__
