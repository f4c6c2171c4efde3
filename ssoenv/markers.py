"""The shell's marker file: a file in a verified folder whose modification time
is the credential file's, so a prompt hook sees with one builtin `-nt` test
(no fork) that another terminal refreshed the credentials. `use` and the hook
stamp it; the shell removes it when it exits."""

from __future__ import annotations

import os
from pathlib import Path

from ssoenv import files, paths
from ssoenv.errors import SsoenvError
from ssoenv.log import Logger
from ssoenv.shells import EnvOp, SetVar, UnsetVar

TYPE_CHECKING = False  # True for type checkers; `typing` costs every `ssoenv use` ~5 ms
if TYPE_CHECKING:
    from ssoenv.settings import Settings

log = Logger("ssoenv.markers")

# The shell's marker file, exported so the shell's `-nt` test can find it.
MARKER_VARIABLE = "__SSOENV_MARKER"


def marker_ops(settings: Settings, credential_file: Path) -> list[EnvOp]:
    """Give the calling shell's marker file the credential file's modification
    time, so the shell sees a later refresh by another terminal with a builtin
    `-nt` test; and tell the shell where its marker is (`__SSOENV_MARKER`).

    The shell function passes its PID as `__SSOENV_SHELL_PID` (nothing from a
    subshell, which must not move its parent's marker): no PID, no marker.
    """
    pid = settings.shell_state.ssoenv_shell_pid or ""
    if not (pid.isascii() and pid.isdigit()):
        return []
    marker = _stamp_marker(settings, f"marker.{int(pid)}", credential_file)
    # No marker at all: the shell stops watching rather than see a stale one.
    return [SetVar(MARKER_VARIABLE, str(marker))] if marker else [UnsetVar(MARKER_VARIABLE)]


def _stamp_marker(settings: Settings, name: str, credential_file: Path) -> Path | None:
    try:
        stamp = credential_file.stat()
    except OSError:
        return None
    directory = marker_dir(settings)
    if directory is None:
        return None
    marker = directory / name
    try:
        if not os.path.lexists(marker):
            _remove_dead_markers(directory)
        # No symlink followed, no FIFO waited on, only a regular file of ours:
        # even in our own folder, a file someone planted before it was ours.
        fd = files.create_private_file(marker)
        try:
            os.utime(fd, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        finally:
            os.close(fd)
    except OSError as error:
        log.debug("cannot stamp %s: %s", marker, error.strerror or type(error).__name__)
        return None
    return marker


def marker_dir(settings: Settings) -> Path | None:
    """The verified folder for markers: the shared one when it is this user's
    alone, else a private one in ssoenv's cache (saying why, once per call)."""
    shared = paths.shared_marker_dir(settings)
    problem = files.claim_private_dir(shared)
    if problem is None:
        return shared
    fallback = paths.private_marker_dir(settings)
    log.warning("not using %s for prompt markers: %s; using %s", shared, problem, fallback)
    try:
        files.ensure_private_dir(fallback)
    except (OSError, SsoenvError):
        return None
    return fallback


def _remove_dead_markers(directory: Path) -> None:
    """bash cannot remove its marker on exit without taking the user's EXIT trap:
    sweep the markers of shells that are gone whenever a new one is made."""
    for other in directory.glob("marker.*"):
        pid = other.suffix.lstrip(".")
        if not (pid.isascii() and pid.isdigit()):
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            files.remove(other)
        except OSError:
            pass  # alive, but not ours to signal
