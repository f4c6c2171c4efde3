"""What every shell format shares: the set/unset operations, the `Shell` base
class (whose `render` joins one statement per op), and the name and value checks.

It lives apart from `__init__.py` so that the per-shell modules can import it
without importing the registry that imports them. Imports nothing from ssoenv
but `values`.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence

from ssoenv.values import frozen


@frozen
class SetVar:
    """Export `name` with `value` in the user's shell."""

    name: str
    value: str


@frozen
class UnsetVar:
    """Remove `name` from the user's shell environment."""

    name: str


EnvOp = SetVar | UnsetVar


# ASCII only on purpose: `\w` would also accept letters that no shell allows in a
# variable name.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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
    if not _utf8(value):
        raise ValueError("an environment variable value must be valid Unicode text")
    return value


def exportable(value: str) -> bool:
    """Whether an environment variable can hold `value` (see check_value)."""
    return "\0" not in value and _utf8(value)


def _utf8(value: str) -> bool:
    # A lone surrogate is what Python makes of undecodable bytes (surrogateescape);
    # it cannot be written out as UTF-8, so no shell could receive it intact.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Shell(ABC):
    """The export syntax of one shell (direnv's `Shell` interface, mise's trait).

    Most formats write one statement per operation, in order (`render` here);
    formats that write one record instead (nu, dotenv) override `render`.
    """

    name: str

    @abstractmethod
    def quote(self, value: str) -> str:
        """`value` as one inert token of this shell's language."""

    @abstractmethod
    def set(self, name: str, value: str) -> str:
        """One statement, ending in a newline, that exports `name`."""

    @abstractmethod
    def unset(self, name: str) -> str:
        """One statement, ending in a newline, that removes `name` (may be empty)."""

    def render(self, ops: Sequence[EnvOp]) -> str:
        """The whole output for `ops`, applied in order."""
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
