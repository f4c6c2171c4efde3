r"""The `env` format: `NAME=value` lines for env files (`ssoenv use dev --shell env > .env`).

Three readers must read back the same literal value, and nothing in the file
may run when a shell sources it:

* a POSIX shell with `set -a; . ./.env`;
* python-dotenv (`dotenv_values`, `load_dotenv`), with or without `interpolate`;
* docker compose (`env_file:`, `--env-file`; the `dotenv` package of
  github.com/compose-spec/compose-go).

Each value takes the first form that fits it:

1. bare, when it is made only of `A-Z a-z 0-9 _ @ + = : , . / -`
   (no reader treats any of these specially outside quotes);
2. `'...'` otherwise, when it holds none of the characters below.

A value that holds one of them is refused with a `UsageError` naming the
variable, never written in a form some reader misparses:

* `'`: no reader can escape it inside single quotes alike (python-dotenv and
  compose take `\'`, the shell does not), and double quotes differ more;
* `\`: python-dotenv decodes `\\` and `\'` inside single quotes, compose keeps
  `\\` but takes a `\` before the closing quote for an escape, and the shell
  keeps every `\`;
* `$`: python-dotenv's default `interpolate=True` expands `${NAME}` even
  inside single quotes;
* control characters (C0, DEL, C1), the newline among them: python-dotenv
  reads the file with universal newlines (`\r` becomes `\n`), the readers
  disagree on a line break inside quotes, and the file shows them raw.

Credentials (`A-Z a-z 0-9 / + =`), regions and epoch seconds are always form 1.
Text above U+007E is written as UTF-8, which all three readers keep byte for
byte: the shell needs no locale for it, because inside `'...'` only a `'`
(0x27) ends the string, and 0x27 is never the second byte of a character in
any ASCII-compatible multibyte charset (GBK, Big5, Shift-JIS, EUC, GB18030).

Unsets: an env file cannot remove a variable, so `unset` writes nothing and a
reader keeps whatever value it already had. `render` applies the ops in order
first, so a name that is set and later unset does not appear at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ssoenv.envvar import check_name, check_value
from ssoenv.errors import UsageError
from ssoenv.shells.base import EnvOp, Shell, net_effect

_BARE = re.compile(r"[A-Za-z0-9_@+=:,./-]+")
_REFUSED = re.compile(r"['\\$\x00-\x1f\x7f-\x9f]")
_WHAT = {"'": "a single quote", "\\": "a backslash", "$": "a dollar sign"}
_HINT = "write it for a shell instead, for example with --shell sh"


def _refusal(value: str) -> str | None:
    """Why `value` cannot be written in env format, or None when it can."""
    match = _REFUSED.search(value)
    if match is None:
        return None
    return _WHAT.get(match.group(0), "a control character (a newline, for example)")


def dotenv_quote(value: str) -> str:
    """Quote `value` for the right-hand side of a dotenv line; a UsageError
    when no form reads back alike in every reader."""
    check_value(value)
    if value == "":
        return ""
    if _BARE.fullmatch(value):
        return value
    reason = _refusal(value)
    if reason is not None:
        raise UsageError(f"cannot write this value in env format: it holds {reason}", hint=_HINT)
    return f"'{value}'"


class Dotenv(Shell):
    name = "env"

    def quote(self, value: str) -> str:
        return dotenv_quote(value)

    def set(self, name: str, value: str) -> str:
        name = check_name(name)
        reason = _refusal(check_value(value))
        if reason is not None:
            # The value itself is not shown: it may be a secret.
            raise UsageError(
                f"cannot write {name} in env format: its value holds {reason}, which "
                "python-dotenv, docker compose and a POSIX shell do not read back alike",
                hint=_HINT,
            )
        return f"{name}={self.quote(value)}\n"

    def unset(self, name: str) -> str:
        check_name(name)
        return ""

    def render(self, ops: Sequence[EnvOp]) -> str:
        return "".join(
            self.set(name, value) for name, value in net_effect(ops).items() if value is not None
        )
