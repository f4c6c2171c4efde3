r"""Export syntax for fish, quoting as direnv's `shell_fish.go` does.

Inside fish single quotes only `\\` and `\'` are escapes. Control characters are
written outside the quotes as fish escapes (`'a'\n'b'`, `\x1b`), so every
statement is one line ending in `;`. That matters for `eval (ssoenv use dev)`:
fish splits a command substitution at newlines and `eval` joins the pieces with
spaces, which would turn a newline inside quotes into a space.

Variables are set and erased in the global scope (`-g`). A plain `set -e NAME`
erases the innermost scope that has NAME, which can be a *universal* variable:
that would delete the user's saved setting for good. `set -e` of a missing
variable is silent in fish 3 but returns 4, hence the `set -q` guard.
"""

from __future__ import annotations

import re

from ssoenv.shells.base import Shell, check_name, check_value

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NAMED_ESCAPES = {"\n": r"\n", "\t": r"\t", "\r": r"\r"}


def fish_quote(value: str) -> str:
    """Quote `value` for fish as one word on one line."""
    check_value(value)
    out: list[str] = []
    quoted: list[str] = []  # the characters of the currently open '...' run

    def close() -> None:
        if quoted:
            out.append("'" + "".join(quoted) + "'")
            quoted.clear()

    for char in value:
        if char in ("\\", "'"):
            quoted.append("\\" + char)
        elif _CONTROL.match(char):
            close()
            # Two hex digits, and the next character is a quote or another
            # escape, so fish cannot read a longer number.
            out.append(_NAMED_ESCAPES.get(char, f"\\x{ord(char):02x}"))
        else:
            quoted.append(char)
    close()
    return "".join(out) or "''"


class Fish(Shell):
    name = "fish"

    def quote(self, value: str) -> str:
        return fish_quote(value)

    def set(self, name: str, value: str) -> str:
        return f"set -gx {check_name(name)} {self.quote(value)};\n"

    def unset(self, name: str) -> str:
        name = check_name(name)
        return f"if set -q -g {name}; set -e -g {name}; end;\n"
