"""Opening the login page in a browser, only where one can really show it, and
without letting a browser launcher write to stdout (which `eval` reads)."""

from __future__ import annotations

import contextlib
import os
import sys
import webbrowser
from collections.abc import Iterator, Mapping


def can_open(environ: Mapping[str, str]) -> bool:
    """False where a browser would be a text browser taking over the terminal
    (SSH without a display, containers, CI) or cannot start at all."""
    if environ.get("BROWSER"):
        return True  # the user said which browser to use
    if environ.get("CI"):
        return False
    if sys.platform == "darwin" or os.name == "nt":
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def open_url(url: str, environ: Mapping[str, str]) -> bool:
    """Try to open `url`; True when a browser accepted it."""
    if not can_open(environ):
        return False
    with _stdout_to_stderr():
        try:
            return webbrowser.open(url, new=2)
        except webbrowser.Error:
            return False


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Point file descriptor 1 at stderr while a launcher runs: it and any child
    it starts inherit that, so nothing it prints can end up in `eval`."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
