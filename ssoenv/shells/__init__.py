"""Per-shell export syntax: the registry of shells and the choice of one.

An ordered list of `SetVar`/`UnsetVar` operations is built elsewhere; a `Shell`
turns it into code (or data) for one shell, and every value stays inert data
whatever it holds. The operations and the protocol live in `base.py` and are
re-exported here; each format is a tiny class in its own module.

Imports nothing from ssoenv but `errors`; `shellingham` is imported only when
auto-detection runs, so `import ssoenv.shells` stays cheap.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ssoenv.errors import UsageError
from ssoenv.shells.base import EnvOp, SetVar, Shell, UnsetVar
from ssoenv.shells.dotenv import Dotenv
from ssoenv.shells.fish import Fish
from ssoenv.shells.nu import Nu
from ssoenv.shells.posix import Bash, Sh, Zsh
from ssoenv.shells.powershell import PowerShell

__all__ = [
    "SHELLS",
    "EnvOp",
    "SetVar",
    "Shell",
    "UnsetVar",
    "detect_shell",
    "get_shell",
]

SHELLS: dict[str, Shell] = {
    shell.name: shell for shell in (Bash(), Zsh(), Sh(), Fish(), PowerShell(), Nu(), Dotenv())
}

# Process and flag names that mean one of our shells. Shells that take POSIX
# `export`/`unset` but not `$'...'` get the sh format.
_ALIASES: dict[str, str] = {
    "bash": "bash",
    "zsh": "zsh",
    "fish": "fish",
    "sh": "sh",
    "dash": "sh",
    "ksh": "sh",
    "mksh": "sh",
    "ash": "sh",
    "busybox": "sh",
    "pwsh": "powershell",
    "powershell": "powershell",
    "nu": "nu",
}

_PASS_SHELL_HINT = "pass --shell with one of: " + ", ".join(SHELLS)


def get_shell(name: str) -> Shell:
    """The registered shell called exactly `name`."""
    try:
        return SHELLS[name]
    except KeyError:
        raise UsageError(
            f"unknown shell {name!r}", hint="choose one of: " + ", ".join(SHELLS)
        ) from None


def _program_name(path: str) -> str:
    """`/usr/bin/bash` → `bash`; also `-zsh` (a login shell), `pwsh.exe`, `Bash`."""
    name = os.path.basename(path.strip()).lstrip("-").lower()
    return name.removesuffix(".exe")


def _by_name(name: str) -> Shell:
    return get_shell(_ALIASES.get(name, name))


def _detected(name: str, source: str) -> Shell:
    program = _program_name(name)
    if program in _ALIASES:
        return SHELLS[_ALIASES[program]]
    raise UsageError(
        f"{source} is {program!r}, which ssoenv does not support", hint=_PASS_SHELL_HINT
    )


def _shellingham_name() -> str | None:
    """The shell that runs us, from the process tree; None when unknown."""
    # Imported here: it reads /proc and is only needed when no flag or
    # variable names the shell.
    import shellingham

    try:
        name, _path = shellingham.detect_shell()
    except (shellingham.ShellDetectionFailure, OSError):
        return None
    return str(name)


def detect_shell(explicit: str | None, environ: Mapping[str, str]) -> Shell:
    """The shell to emit for: the --shell flag, else $SSOENV_SHELL, else the
    shell running ssoenv (shellingham), else the basename of $SHELL.

    A flag or $SSOENV_SHELL may be a registry name or an alias (`pwsh`, `dash`).
    """
    if explicit:
        return _by_name(explicit)
    configured = environ.get("SSOENV_SHELL", "")
    if configured:
        return _by_name(configured)
    running = _shellingham_name()
    if running:
        return _detected(running, "the shell running ssoenv")
    login = environ.get("SHELL", "")
    if login.strip():
        return _detected(login, "$SHELL")
    raise UsageError("cannot tell which shell to write for", hint=_PASS_SHELL_HINT)
