"""Per-shell export syntax: the registry of shells and the choice of one.

An ordered list of `SetVar`/`UnsetVar` operations is built elsewhere; a `Shell`
turns it into code (or data) for one shell, and every value stays inert data
whatever it holds. The operations and the `Shell` base class live in `base.py`
and are re-exported here; each format is a tiny class in its own module.

Imports nothing from ssoenv but `errors`; `shellingham` is imported only when
auto-detection runs, and a format's module only when that format is asked for,
so `import ssoenv.shells` stays cheap (`ssoenv use` runs on every switch).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator, Mapping

from ssoenv.errors import UsageError
from ssoenv.shells.base import EnvOp, SetVar, Shell, UnsetVar

TYPE_CHECKING = False  # True for type checkers: at run time, nothing more from ssoenv
if TYPE_CHECKING:
    from ssoenv.settings import Settings

__all__ = [
    "FORMATS",
    "SHELLS",
    "EnvOp",
    "SetVar",
    "Shell",
    "UnsetVar",
    "detect_shell",
    "get_shell",
]


class _Registry(Mapping[str, Shell]):
    """The shells by name, in a fixed order; each is built when first asked for."""

    def __init__(self, formats: Mapping[str, tuple[str, str]]) -> None:
        self._formats = formats  # name -> (module in ssoenv.shells, class)
        self._built: dict[str, Shell] = {}

    def __getitem__(self, name: str) -> Shell:
        if name not in self._built:
            module, cls = self._formats[name]
            shell_class = getattr(importlib.import_module(f"ssoenv.shells.{module}"), cls)
            self._built[name] = shell_class()
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._formats)

    def __len__(self) -> int:
        return len(self._formats)


SHELLS: Mapping[str, Shell] = _Registry(
    {
        "bash": ("posix", "Bash"),
        "zsh": ("posix", "Zsh"),
        "sh": ("posix", "Sh"),
        "fish": ("fish", "Fish"),
        "powershell": ("powershell", "PowerShell"),
        "nu": ("nu", "Nu"),
        "env": ("dotenv", "Dotenv"),
    }
)

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

# Every value --shell takes: the shells, and `json` (the credential_process
# answer, which the commands handle before asking for a Shell).
FORMATS = (*SHELLS, "json")
_PASS_SHELL_HINT = "pass --shell with one of: " + ", ".join(FORMATS)


def get_shell(name: str) -> Shell:
    """The registered shell called exactly `name`."""
    try:
        return SHELLS[name]
    except KeyError:
        if name == "json":  # asked of a command that prints only shell code
            raise UsageError(
                "this command prints shell code, not the credential_process json",
                hint="choose one of: " + ", ".join(SHELLS),
            ) from None
        raise UsageError(
            f"unknown shell {name!r}", hint="choose one of: " + ", ".join(FORMATS)
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


def detect_shell(explicit: str | None, settings: Settings) -> Shell:
    """The shell to emit for: the --shell flag, else $SSOENV_SHELL, else the
    shell running ssoenv (shellingham), else the basename of $SHELL.

    A flag or $SSOENV_SHELL may be a registry name or an alias (`pwsh`, `dash`).
    """
    if explicit:
        return _by_name(explicit)
    configured = settings.ssoenv_shell
    if configured:
        return _by_name(configured)
    running = _shellingham_name()
    if running:
        return _detected(running, "the shell running ssoenv")
    login = settings.shell or ""
    if login.strip():
        return _detected(login, "$SHELL")
    raise UsageError("cannot tell which shell to write for", hint=_PASS_SHELL_HINT)
