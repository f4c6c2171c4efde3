"""Diagnostics on stderr: warnings always, the rest with --debug or SSOENV_DEBUG=1.

Not the `logging` package: importing it costs ~8 ms (it pulls in traceback,
threading and string), paid by every `ssoenv use`, for the handful of lines
ssoenv writes. Lines go to whatever `sys.stderr` is at the time of the call, so
redirected or captured stderr (tests, `contextlib.redirect_stderr`) gets them.
Never pass a secret: these lines are shown to people and pasted into issues."""

from __future__ import annotations

import sys

from ssoenv.text import printable

_verbose = False


def configure(*, debug: bool) -> None:
    """Show debug lines (each prefixed with the module that wrote it) or not."""
    global _verbose
    _verbose = debug


class Logger:
    """Where a module's lines come from; `--debug` shows the name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def debug(self, message: str, *args: object) -> None:
        if _verbose:
            self._write(message, args)

    def warning(self, message: str, *args: object) -> None:
        self._write(message, args)

    def _write(self, message: str, args: tuple[object, ...]) -> None:
        # Paths, labels and URLs in these lines come from configs and servers.
        text = printable(message % args if args else message)
        where = f"{self.name}: " if _verbose else ""
        sys.stderr.write(f"ssoenv: {where}{text}\n")
