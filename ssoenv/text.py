"""Outside text made safe to show on a terminal.

Account and role names, server error messages, config values and paths come
from people and servers ssoenv does not control. Written raw, an ESC or a C1
control (U+0080-U+009F) in them is obeyed by the terminal: it can clear the
screen, move the cursor over earlier lines, set the window title, or (on some
terminals) write to the clipboard. Unicode format characters (bidi overrides
such as U+202E, zero-width characters) are not obeyed but reorder or hide what
is shown. `printable` is the one function every human-facing output goes
through: each such character becomes a visible escape in Python's own notation
(`\\x1b`, `\\x9b`, `\\x7f`, `\\u202e`), the notation `repr()` already gives the
values quoted in error messages.

A literal backslash is left alone: the text is for people, and doubling every
backslash (paths on Windows drives, regular expressions) would make ordinary
text harder to read to remove an ambiguity nobody can exploit: a name that
spells `\\x1b` with four printable characters shows as those characters and
does nothing to the terminal.

Imports nothing: it is on the path of every `ssoenv use`."""

from __future__ import annotations

from collections.abc import Sequence

# The short forms repr() uses; everything else gets \xNN, \uNNNN or \UNNNNNNNN.
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def printable(text: str) -> str:
    """`text` with every character `str.isprintable()` refuses shown as an escape.

    That is C0 and C1 controls, DEL, format characters (bidi controls, zero-width
    characters), separators other than the plain space (line and paragraph
    separators, no-break and other spaces), unassigned code points, private use
    and lone surrogates (so writing the result never fails to encode, either).
    The result is one line."""
    if text.isprintable():  # the common case, done in C
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    short = _SHORT.get(ch)
    if short is not None:
        return short
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def format_columns(lines: Sequence[Sequence[str]]) -> str:
    """Aligned columns for a person. Cells hold names from the config and the server:
    their escapes are made visible first, and the widths measured on what is shown."""
    # A row whose cells are all printable (nearly every row) is checked in one call.
    shown = [
        cells if "".join(cells).isprintable() else [printable(cell) for cell in cells]
        for cells in lines
    ]
    widths = [max(map(len, column)) for column in zip(*shown, strict=True)]
    line = "  ".join(f"{{:<{width}}}" for width in widths)  # one format call per row
    return "".join(line.format(*cells).rstrip() + "\n" for cells in shown)
