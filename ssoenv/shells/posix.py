r"""Export syntax for bash, zsh and POSIX sh (dash, ksh, ash, busybox).

Every statement is pure ASCII and one line, whatever the value holds. ASCII
matters because the shell reads its input in its own locale: under GBK, Big5
or Shift-JIS a byte of a raw UTF-8 character followed by the `\` that quoting
adds (0x5C is a trail byte in all three) is read as one double-byte
character, so the escape disappears, the quote ends early and the rest of the
value runs as code (`中'; touch x; '` did exactly that in bash). Bytes that
are ASCII are read as ASCII in every locale a shell can run in.

bash and zsh quote like direnv's `BashEscape`:

* a value made only of safe characters stays bare;
* a value of printable ASCII without `'` goes inside `'...'`;
* anything else becomes ANSI-C `$'...'`, where `\`, `'`, every control byte
  and every byte of a character above U+007F (its UTF-8 encoding) is escaped:
  `\\`, `\'`, `\n`, `\t`, `\r`, otherwise `\xNN` with exactly two hex digits,
  which bash and zsh decode to that byte in every locale. `\u` is not used:
  bash converts it to the *locale's* encoding, so it is not byte-exact.

POSIX sh has no `$'...'` (dash 0.5.12 lacks it). A value of printable ASCII
goes inside `'...'` with `'\''` for a single quote. Any other value is built by
the shell's own `printf`, whose format takes `\ooo` octal escapes for bytes
(POSIX; dash, bash, zsh, ksh, busybox):

    NAME=$(\command printf 'caf\303\251\012_'); export NAME="${NAME%_}"

The `_` and its removal keep trailing newlines, which command substitution
strips. `\command` skips an alias or a function called printf. This costs the
shell one fork for such a value; credentials are plain ASCII and never take it.
"""

from __future__ import annotations

import re

from ssoenv.envvar import check_name, check_value
from ssoenv.shells.base import Shell

# Characters that are inert anywhere in a word, in every one of these shells.
# Not included, although shlex.quote() treats them as safe:
#   `=` because zsh expands `=cmd` to a command path at the start of a word and
#       after `:` in an assignment (`export A=a:=ls` gives `a:/usr/bin/ls`);
#   `%` because a bare `%1` as a command word resumes job 1 in bash and zsh.
_SAFE = re.compile(r"[A-Za-z0-9_@+:,./-]+")
# Printable ASCII: what may appear raw in a quoted string. Everything else (C0,
# DEL, and every character above U+007F) is written as escaped bytes.
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_NAMED_ESCAPES = {"\\": r"\\", "'": r"\'", "\n": r"\n", "\t": r"\t", "\r": r"\r"}


def _ansi_c_char(char: str) -> str:
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    if " " <= char <= "~":
        return char
    return "".join(f"\\x{byte:02x}" for byte in char.encode())


def bash_quote(value: str) -> str:
    """Quote `value` for bash or zsh as one ASCII word on one line."""
    check_value(value)
    if value == "":
        return "''"
    if _SAFE.fullmatch(value):
        return value
    if "'" not in value and _PRINTABLE.fullmatch(value):
        return f"'{value}'"
    return "$'" + "".join(_ansi_c_char(c) for c in value) + "'"


def _printf_format(value: str) -> str:
    r"""`value` as a printf format in single quotes: printable ASCII raw except
    `%`, `\` and `'`; every other byte as a three-digit `\ooo` (so a digit after
    it is never read as part of it). A leading `-` is escaped too: dash's printf
    would take the format for an option."""
    out: list[str] = []
    for index, byte in enumerate(value.encode()):
        char = chr(byte)
        if char == "-" and index == 0:
            out.append("\\055")
        elif char == "%":
            out.append("%%")
        elif char == "\\":
            out.append("\\\\")
        elif char != "'" and " " <= char <= "~":
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "'" + "".join(out) + "'"


def sh_quote(value: str) -> str:
    """Quote `value` for any POSIX shell as one ASCII word.

    A value that is not printable ASCII becomes a command substitution,
    `"$(\\command printf '...')"`; since that drops trailing newlines, these are
    written after it inside `'...'`, which only a value ending in a newline
    needs (and then the word spans lines). `Sh.set` has no such exception.
    """
    check_value(value)
    if value == "":
        return "''"
    if _SAFE.fullmatch(value):
        return value
    if _PRINTABLE.fullmatch(value):
        return "'" + value.replace("'", "'\\''") + "'"
    body = value.rstrip("\n")
    tail = value[len(body) :]
    return f'"$(\\command printf {_printf_format(body)})"' + (f"'{tail}'" if tail else "")


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

    def set(self, name: str, value: str) -> str:
        name = check_name(name)
        check_value(value)
        if _PRINTABLE.fullmatch(value):
            return f"export {name}={sh_quote(value)}\n"
        # printf's output plus `_`, which survives command substitution with
        # the trailing newlines before it, then the `_` taken off again.
        fmt = _printf_format(value + "_")
        return f'{name}=$(\\command printf {fmt}); export {name}="${{{name}%_}}"\n'
