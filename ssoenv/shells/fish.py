r"""Export syntax for fish, quoting as direnv's `shell_fish.go` does.

Every statement is pure ASCII and one line ending in `;`, whatever the value
holds. Inside fish single quotes only `\\` and `\'` are escapes, so printable
ASCII goes there. Everything else is written outside the quotes as fish
escapes (`'a'\n'b'`):

* control characters as `\n`, `\t`, `\r`, else `\xNN`;
* each byte of the UTF-8 encoding of a character above U+007F as `\XNN`.

Why bytes and `\X`: fish reads its input in the locale's encoding, and under
GBK, Big5 or Shift-JIS a raw UTF-8 byte followed by the `\` of `\'` (0x5C is a
trail byte there) becomes one character, the quote ends early and the rest of
the value runs as code. `\u` is not byte-exact either: fish would encode the
character in the locale's charset when it exports the variable. `\XNN` is a
raw byte in every fish 3 (checked with fish 3.6 under C, C.UTF-8, zh_CN.GBK,
zh_TW.BIG5 and ja_JP.SJIS); `\xNN` above 7F is an error before fish 3.6. In a
UTF-8 locale fish 3.6 reads the bytes back as the character (`string length`
of `\Xe4\Xb8\Xad` is 1). Each escape is exactly two hex digits and is followed
by a quote or another escape, so fish cannot read a longer number.

That also matters for `eval (ssoenv use dev)`: fish splits a command
substitution at newlines and `eval` joins the pieces with spaces, which would
turn a newline inside quotes into a space.

Variables are set and erased in the global scope (`-g`). A plain `set -e NAME`
erases the innermost scope that has NAME, which can be a *universal* variable:
that would delete the user's saved setting for good. `set -e` of a missing
variable is silent in fish 3 but returns 4, hence the `set -q` guard.
"""

from __future__ import annotations

from ssoenv.envvar import check_name, check_value
from ssoenv.shells.base import Shell

_NAMED_ESCAPES = {"\n": r"\n", "\t": r"\t", "\r": r"\r"}


def _escape(char: str) -> str:
    """`char` (not printable ASCII) as fish escapes outside quotes."""
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    if char < "\x80":
        return f"\\x{ord(char):02x}"
    return "".join(f"\\X{byte:02x}" for byte in char.encode())


def fish_quote(value: str) -> str:
    """Quote `value` for fish as one ASCII word on one line."""
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
        elif " " <= char <= "~":
            quoted.append(char)
        else:
            close()
            out.append(_escape(char))
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
