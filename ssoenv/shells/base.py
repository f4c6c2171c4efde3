"""What every shell format shares: the set/unset operations, the `Shell` protocol,
the name and value checks, and a base class whose `render` joins one line per op.

It lives apart from `__init__.py` so that the per-shell modules can import it
without importing the registry that imports them. Imports nothing from ssoenv.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeAlias


@dataclass(frozen=True)
class SetVar:
    """Export `name` with `value` in the user's shell."""

    name: str
    value: str


@dataclass(frozen=True)
class UnsetVar:
    """Remove `name` from the user's shell environment."""

    name: str


EnvOp: TypeAlias = SetVar | UnsetVar


class Shell(Protocol):
    """The export syntax of one shell (direnv's `Shell` interface, mise's trait)."""

    name: str

    def quote(self, value: str) -> str:
        """`value` as one inert token of this shell's language."""
        ...

    def set(self, name: str, value: str) -> str:
        """One statement, ending in a newline, that exports `name`."""
        ...

    def unset(self, name: str) -> str:
        """One statement, ending in a newline, that removes `name` (may be empty)."""
        ...

    def render(self, ops: Sequence[EnvOp]) -> str:
        """The whole output for `ops`, applied in order."""
        ...


# ASCII only on purpose: `\w` would also accept letters that no shell allows in a
# variable name.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A lone surrogate is what Python makes of undecodable bytes (surrogateescape);
# it cannot be written out as UTF-8, so no shell could receive it intact.
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_name(name: str) -> str:
    """Return `name` if it is a portable environment variable name, else raise ValueError."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"invalid environment variable name {name!r}")
    return name


def check_value(value: str) -> str:
    """Return `value` if an environment variable can hold it, else raise ValueError.

    NUL ends a C string, so no environment variable can contain it.
    """
    if "\0" in value:
        raise ValueError("an environment variable value cannot contain NUL")
    if _SURROGATE.search(value):
        raise ValueError("an environment variable value must be valid Unicode text")
    return value


class LineShell(ABC):
    """A shell whose output is one statement per operation, in order."""

    name: str

    @abstractmethod
    def quote(self, value: str) -> str: ...

    @abstractmethod
    def set(self, name: str, value: str) -> str: ...

    @abstractmethod
    def unset(self, name: str) -> str: ...

    def render(self, ops: Sequence[EnvOp]) -> str:
        return "".join(
            self.set(op.name, op.value) if isinstance(op, SetVar) else self.unset(op.name)
            for op in ops
        )


def net_effect(ops: Sequence[EnvOp]) -> dict[str, str | None]:
    """The final state of each name that `ops` touch, in first-touched order:
    its value, or None when the last operation on it unsets it.

    Formats that write one record instead of statements (nu, dotenv) need this,
    because a record cannot say "set, then unset".
    """
    state: dict[str, str | None] = {}
    for op in ops:
        if isinstance(op, SetVar):
            state[check_name(op.name)] = check_value(op.value)
        else:
            state[check_name(op.name)] = None
    return state
