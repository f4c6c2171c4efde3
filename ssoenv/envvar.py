"""What an environment variable can hold: a portable name, and a value without
NUL that encodes as UTF-8. The shell formats refuse to print anything else; the
caches and the portal client refuse to accept anything else, so a value that
could never be exported is caught where it enters. Imports nothing from ssoenv."""

from __future__ import annotations

import re

# ASCII only on purpose: `\w` would also accept letters that no shell allows in a
# variable name.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_name(name: str) -> str:
    """Return `name` if it is a portable environment variable name, else raise ValueError."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"invalid environment variable name {name!r}")
    return name


def check_value(value: str) -> str:
    """Return `value` if an environment variable can hold it, else raise ValueError.

    NUL ends a C string, so no environment variable can contain it.
    """
    if "\0" in value:
        raise ValueError("an environment variable value cannot contain NUL")
    if not _utf8(value):
        raise ValueError("an environment variable value must be valid Unicode text")
    return value


def exportable(value: str) -> bool:
    """Whether an environment variable can hold `value` (see check_value)."""
    return "\0" not in value and _utf8(value)


def _utf8(value: str) -> bool:
    # A lone surrogate is what Python makes of undecodable bytes (surrogateescape);
    # it cannot be written out as UTF-8, so no shell could receive it intact.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
