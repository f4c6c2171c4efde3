"""Export syntax for PowerShell (Windows PowerShell 5.1 and pwsh 7).

Every statement is pure ASCII and one line. Printable ASCII goes into verbatim
(single-quoted) strings. In those, PowerShell treats five characters as a
quote, not one: `'` and U+2018, U+2019, U+201A, U+201B. A pair of quote
characters stands for one (the tokenizer keeps the second), so each of them is
doubled, exactly as PowerShell's own
`CodeGeneration.EscapeSingleQuotedStringContent` does (only `'` can still occur:
the other four are above U+007E).

Every other character, control characters and everything above U+007E, is a
`[char]0xNN` term: one UTF-16 code unit each, so a character above U+FFFF is
its surrogate pair, which the concatenation joins back into that character.
The value becomes a parenthesised concatenation such as
`('a' + [char]0x0A + [char]0xE9)`. ASCII matters because PowerShell decodes
what a native command prints with `[Console]::OutputEncoding`, the console's
code page (GBK on a Chinese Windows, for example), not UTF-8: raw UTF-8 would
arrive as other characters. One line matters because `ssoenv use dev | Invoke-Expression` (without
`Out-String`) runs each line on its own: a raw newline inside the quotes would
let the rest of the value run as a command. The parentheses make the result one
token in argument mode too, and the first term is always a string so that `+`
concatenates instead of adding numbers.

Note that on Windows PowerShell and pwsh before 7.5, assigning `''` to `$Env:X`
removes X instead of setting it empty.

Unsetting is an assignment too, of `$null`, which removes the variable (and
does nothing when it is not set) in every PowerShell: the output is assignments
alone, so applying it looks up no command, and an alias or a function named
like a cmdlet (`Remove-Item`) cannot change what it does.
"""

from __future__ import annotations

import re

from ssoenv.envvar import check_name, check_value
from ssoenv.shells.base import Shell

QUOTE_CHARS = "'\u2018\u2019\u201a\u201b"
_QUOTES = re.compile(f"[{QUOTE_CHARS}]")
# Everything that is not printable ASCII, in runs.
_SPECIAL = re.compile(r"[^\x20-\x7e]+")


def _verbatim(text: str) -> str:
    return "'" + _QUOTES.sub(lambda m: m.group(0) * 2, text) + "'"


def _chars(text: str) -> list[str]:
    """`[char]` terms for `text`, one per UTF-16 code unit."""
    units = text.encode("utf-16-be")
    return [
        f"[char]0x{int.from_bytes(units[i : i + 2], 'big'):02X}" for i in range(0, len(units), 2)
    ]


def powershell_quote(value: str) -> str:
    """Quote `value` as an ASCII PowerShell expression on one line."""
    check_value(value)
    if not _SPECIAL.search(value):
        return _verbatim(value)
    terms: list[str] = []
    start = 0
    for match in _SPECIAL.finditer(value):
        # An empty first term is kept: it makes the sum a string.
        if match.start() > start or not terms:
            terms.append(_verbatim(value[start : match.start()]))
        terms.extend(_chars(match.group(0)))
        start = match.end()
    if start < len(value):
        terms.append(_verbatim(value[start:]))
    return "(" + " + ".join(terms) + ")"


class PowerShell(Shell):
    name = "powershell"

    def quote(self, value: str) -> str:
        return powershell_quote(value)

    def set(self, name: str, value: str) -> str:
        return f"$Env:{check_name(name)} = {self.quote(value)}\n"

    def unset(self, name: str) -> str:
        return f"$Env:{check_name(name)} = $null\n"
