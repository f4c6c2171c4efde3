"""What every shell format shares: the set/unset operations, the `Shell` base
class (whose `render` joins one statement per op), and the name and value checks.

It lives apart from `__init__.py` so that the per-shell modules can import it
without importing the registry that imports them. The name and value checks
themselves are in ssoenv.envvar, where the caches may use them too.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from ssoenv.envvar import check_name, check_value
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
