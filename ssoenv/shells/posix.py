r"""Export syntax for bash, zsh and POSIX sh (dash, ksh, ash, busybox).

bash and zsh quote like direnv's `BashEscape`, so every statement is one line:

* a value made only of safe characters stays bare;
* a value without control characters and without `'` goes inside `'...'`;
* anything else becomes ANSI-C `$'...'`, where only `\`, `\'` and the control
  bytes are escaped (`\n`, `\t`, `\r`, otherwise `\xNN` with exactly two hex
  digits, which bash and zsh both decode the same way whatever follows). Text
  above U+007F is written as plain UTF-8: both shells pass those bytes through.

POSIX sh has no `$'...'` (dash 0.5.12 lacks it), so sh always uses `'...'` with
`'\''` for a single quote; a newline inside the quotes is kept literally, so a
value with a newline makes a statement span several lines.
"""

from __future__ import annotations

import re

from ssoenv.shells.base import Shell, check_name, check_value

# Characters that are inert anywhere in a word, in every one of these shells.
# Not included, although shlex.quote() treats them as safe:
#   `=` because zsh expands `=cmd` to a command path at the start of a word and
#       after `:` in an assignment (`export A=a:=ls` gives `a:/usr/bin/ls`);
#   `%` because a bare `%1` as a command word resumes job 1 in bash and zsh.
_SAFE = re.compile(r"[A-Za-z0-9_@+:,./-]+")
# Control characters: C0 and DEL. These are what break a line or a terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NAMED_ESCAPES = {"\n": r"\n", "\t": r"\t", "\r": r"\r"}


def _ansi_c_char(char: str) -> str:
    if char == "\\":
        return r"\\"
    if char == "'":
        return r"\'"
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    if _CONTROL.match(char):
        return f"\\x{ord(char):02x}"
    return char


def bash_quote(value: str) -> str:
    """Quote `value` for bash or zsh as one word on one line."""
    check_value(value)
    if value == "":
        return "''"
    if _SAFE.fullmatch(value):
        return value
    if "'" not in value and not _CONTROL.search(value):
        return f"'{value}'"
    return "$'" + "".join(_ansi_c_char(c) for c in value) + "'"


def sh_quote(value: str) -> str:
    """Quote `value` for any POSIX shell (control characters stay raw)."""
    check_value(value)
    if value == "":
        return "''"
    if _SAFE.fullmatch(value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"


class _Posix(Shell):
    def set(self, name: str, value: str) -> str:
        return f"export {check_name(name)}={self.quote(value)}\n"

    def unset(self, name: str) -> str:
        # `unset` of a variable that does not exist is silent and succeeds in
        # bash, zsh and dash.
        return f"unset {check_name(name)}\n"


class Bash(_Posix):
    name = "bash"

    def quote(self, value: str) -> str:
        return bash_quote(value)


class Zsh(_Posix):
    name = "zsh"

    def quote(self, value: str) -> str:
        return bash_quote(value)


class Sh(_Posix):
    name = "sh"

    def quote(self, value: str) -> str:
        return sh_quote(value)
