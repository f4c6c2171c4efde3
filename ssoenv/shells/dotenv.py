r"""The `env` format: `NAME=value` lines for env files (`ssoenv use dev --shell env > .env`).

Each value takes the first form that fits it:

1. bare, when it is made only of `A-Z a-z 0-9 _ @ + = : , . / -`;
2. `'...'`, when it has no `'`, no `\` and no control character;
3. `"..."` otherwise, with `\\`, `\"`, `\a \b \t \n \v \f \r` escaped
   (so the line never breaks) and every other character, `$` included, raw.

Readers, and exactly what they read back unchanged:

* python-dotenv >= 1.2.3 (`dotenv_values`, `load_dotenv`): every value, when
  read with `interpolate=False`. With its default `interpolate=True` it expands
  `${NAME}` in *every* form and has no escape for it, so a value containing
  `${...}` changes; ssoenv's own values (keys, tokens, region, expiry) never
  contain `$`. Versions 1.0.1 to 1.2.2 (checked) read the same except a form-3
  value that ends in `\`: their regex takes its closing quote for an escaped
  one and runs on to the next `"` in the file.
* docker compose v2 (`env_file:`, `--env-file`): forms 1 and 2, which cover
  credentials. Form 3 only when the value has no `$` (compose interpolates `$`
  in double quotes) and does not end in `\` (compose ends a quoted value at the
  first quote not preceded by a backslash).
* `docker run --env-file`: form 1 only (it keeps quotes as part of the value).
* A POSIX shell with `set -a; . ./.env`: forms 1 and 2.

Unsets: an env file cannot remove a variable, so `unset` writes nothing and a
reader keeps whatever value it already had. `render` applies the ops in order
first, so a name that is set and later unset does not appear at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ssoenv.shells.base import EnvOp, Shell, check_name, check_value, net_effect

_BARE = re.compile(r"[A-Za-z0-9_@+=:,./-]+")
# What keeps a value out of single quotes: python-dotenv decodes `\\` and `\'`
# there while compose does not, and no reader can escape a `'` inside them.
_NOT_SINGLE = re.compile(r"['\\\x00-\x1f\x7f]")
# Escapes python-dotenv decodes in double quotes (a subset of compose's). \r
# must never be raw: Python reads the file with universal newlines.
_DOUBLE_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
}
_DOUBLE = re.compile("[" + re.escape("".join(_DOUBLE_ESCAPES)) + "]")


def dotenv_quote(value: str) -> str:
    """Quote `value` for the right-hand side of a dotenv line."""
    check_value(value)
    if value == "":
        return ""
    if _BARE.fullmatch(value):
        return value
    if not _NOT_SINGLE.search(value):
        return f"'{value}'"
    return '"' + _DOUBLE.sub(lambda m: _DOUBLE_ESCAPES[m.group(0)], value) + '"'


class Dotenv(Shell):
    name = "env"

    def quote(self, value: str) -> str:
        return dotenv_quote(value)

    def set(self, name: str, value: str) -> str:
        return f"{check_name(name)}={self.quote(value)}\n"

    def unset(self, name: str) -> str:
        check_name(name)
        return ""

    def render(self, ops: Sequence[EnvOp]) -> str:
        return "".join(
            self.set(name, value) for name, value in net_effect(ops).items() if value is not None
        )
