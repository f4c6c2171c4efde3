r"""Export syntax for nushell.

Nushell cannot `eval` text, so `render` writes data instead of code: one JSON
record on one line, for

    ssoenv use dev --shell nu | from json | load-env

Unsets: `load-env` cannot remove a variable, so an unset name is written with
the value `null`. Checked with nu 0.108: after `load-env`, `$env.NAME` is
`null` inside nushell and nushell leaves the variable out of the environment of
every external command (the AWS CLI, terraform, ...), so for them it is unset.
Nushell code that tests `'NAME' in $env` still sees the key; a wrapper that
wants it truly gone can run `hide-env -i NAME` for each null in a
`def --env` command. When the ops touch a name more than once, the record holds
the last state.

The record is pure ASCII: every character above U+007E is a JSON `\uXXXX`
escape (a UTF-16 surrogate pair above U+FFFF, which `from json` joins again),
and so is every control character. Whatever the terminal or the locale, the
text holds nothing but ASCII.

`quote`, `set` and `unset` produce nushell source (`$env.NAME = "..."`,
`hide-env -i NAME`) for templates. A quoted value is a plain double-quoted
string, which does no interpolation; `\\`, `\"`, control characters and every
character above U+007E are escaped (`\n`, `\t`, `\r`, else `\u{HEX}` with the
code point), so a statement is always one line of ASCII.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from ssoenv.envvar import check_name, check_value
from ssoenv.shells.base import EnvOp, Shell, net_effect

# `\`, `"` and everything that is not printable ASCII.
_ESCAPE = re.compile(r'[\\"]|[^\x20-\x7e]')
_NAMED_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return _NAMED_ESCAPES.get(char, f"\\u{{{ord(char):x}}}")


def nu_quote(value: str) -> str:
    """Quote `value` as a nushell string literal on one line."""
    check_value(value)
    return '"' + _ESCAPE.sub(_escape, value) + '"'


class Nu(Shell):
    name = "nu"

    def quote(self, value: str) -> str:
        return nu_quote(value)

    def set(self, name: str, value: str) -> str:
        return f"$env.{check_name(name)} = {self.quote(value)}\n"

    def unset(self, name: str) -> str:
        # -i: no error when the variable is not set.
        return f"hide-env -i {check_name(name)}\n"

    def render(self, ops: Sequence[EnvOp]) -> str:
        # json.dumps escapes every control character, so the record is one
        # line; ensure_ascii escapes DEL and everything above it.
        return json.dumps(net_effect(ops), ensure_ascii=True) + "\n"
