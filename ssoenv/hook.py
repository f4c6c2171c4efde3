"""What the prompt hook does when the shell calls it (`ssoenv hook-env`): pick
up credentials another terminal refreshed, notice a logout made elsewhere,
refresh credentials inside the window, or, when only a login can help, say so
once and back off. Never logs in, never prompts."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from ssoenv import emit, engine, files, paths
from ssoenv.errors import AwsApiError, NetworkError, SsoenvError
from ssoenv.http import RETRYABLE_CODES
from ssoenv.log import Logger
from ssoenv.model import SsoProfile
from ssoenv.shells import EnvOp, SetVar, UnsetVar

log = Logger("ssoenv.hook")

# The shell's marker file, exported so the shell's `-nt` test can find it.
MARKER_VARIABLE = "__SSOENV_MARKER"

FIRST_RETRY = timedelta(seconds=60)
MAX_RETRY = timedelta(minutes=15)
# Another shell is refreshing the same thing: its result is seconds away.
BUSY_RETRY = timedelta(seconds=10)
# Seconds the prompt waits for another shell's refresh before it retries later.
LOCK_WAIT = 2.0


def run(
    ctx: engine.Context,
    load_profile: Callable[[str], SsoProfile],
) -> emit.Change:
    environ = ctx.environ
    name = environ.get("SSOENV_PROFILE")
    if not name:
        return emit.Change()
    try:
        profile = load_profile(name)
        if _logged_out_elsewhere(ctx, profile):
            change = emit.clear(environ)
            change.notes.append(f"'{name}' was logged out; run `ssoenv use {name}` to log in again")
            return change
        if environ.get(emit.KEY_ID_VARIABLE) and not emit.credentials_are_ours(environ):
            # The user exported keys of their own after `use`: a refresh must not
            # put ours back over them. Stop managing this shell; `use` takes it back.
            change = emit.clear(environ)
            change.notes.append(
                f"stopped refreshing '{name}' in this shell; `ssoenv use {name}` takes it back"
            )
            return change
        creds = engine.credentials(ctx, profile, allow_login=False)
    except SsoenvError as error:
        return _failed(environ, name, error, ctx.now())
    credential_file = ctx.credential_cache.path(profile)
    change = emit.use(
        profile.name,
        profile.region,
        creds.role,
        creds.session_expires,
        environ=environ,
        now=ctx.now(),
        refresh_window=ctx.refresh_window,
        credential_file=credential_file,
    )
    change.ops += marker_ops(environ, credential_file)
    return change


def _logged_out_elsewhere(ctx: engine.Context, profile: SsoProfile) -> bool:
    """The credentials file this shell loaded is gone and so is the session's token."""
    loaded = ctx.environ.get("__SSOENV_CRED_FILE")
    if not loaded or Path(loaded).exists():
        return False
    return ctx.tokens.load(profile.session) is None


def _failed(
    environ: Mapping[str, str], name: str, error: SsoenvError, now: datetime
) -> emit.Change:
    """Say what went wrong once, and retry later, each time after a longer pause,
    so a broken session does not cost every prompt.

    A session that ended (only a login helps) is marked in the badge with `!`.
    A network fault, a failing or throttling server, or another shell holding
    the lock says nothing about the session: the badge shows `~` (retrying) and
    the credentials' own expiry, and the next try may well succeed.
    """
    failures = int(environ.get("__SSOENV_FAILURES", "0") or 0) + 1
    delay = min(MAX_RETRY, FIRST_RETRY * 2 ** (failures - 1))
    if isinstance(error, engine.Busy):
        delay = BUSY_RETRY
    change = emit.Change()
    change.ops += [
        SetVar("__SSOENV_RETRY_AT", str(int((now + delay).timestamp()))),
        SetVar("__SSOENV_FAILURES", str(failures)),
    ]
    if transient(error):
        change.ops.append(SetVar(emit.RETRYING_VARIABLE, "1"))
    else:
        change.ops += [
            SetVar("SSOENV_SESSION_EXPIRES", str(int(now.timestamp()))),
            UnsetVar(emit.RETRYING_VARIABLE),
        ]
    if environ.get("__SSOENV_WARNED") != name and not isinstance(error, engine.Busy):
        change.ops.append(SetVar("__SSOENV_WARNED", name))
        hint = f" ({error.hint})" if error.hint else ""
        later = "; retrying by itself" if transient(error) else ""
        change.notes.append(f"cannot refresh '{name}': {error.message}{hint}{later}")
    return change


def transient(error: SsoenvError) -> bool:
    """Whether a later try may succeed with nothing done by the user: the network,
    a failing or throttling server, a busy lock. Not: an ended session, a role
    taken away, a broken config."""
    if isinstance(error, NetworkError):
        return True
    return isinstance(error, AwsApiError) and (
        error.status == 429 or error.status >= 500 or error.code in RETRYABLE_CODES
    )


def marker_ops(environ: Mapping[str, str], credential_file: Path) -> list[EnvOp]:
    """Give the calling shell's marker file the credential file's modification
    time, so the shell sees a later refresh by another terminal with a builtin
    `-nt` test; and tell the shell where its marker is (`__SSOENV_MARKER`).

    The shell function passes its PID as `__SSOENV_SHELL_PID` (nothing from a
    subshell, which must not move its parent's marker): no PID, no marker.
    """
    pid = environ.get("__SSOENV_SHELL_PID", "")
    if not (pid.isascii() and pid.isdigit()):
        return []
    marker = _stamp_marker(environ, f"marker.{int(pid)}", credential_file)
    # No marker at all: the shell stops watching rather than see a stale one.
    return [SetVar(MARKER_VARIABLE, str(marker))] if marker else [UnsetVar(MARKER_VARIABLE)]


def _stamp_marker(environ: Mapping[str, str], name: str, credential_file: Path) -> Path | None:
    try:
        stamp = credential_file.stat()
    except OSError:
        return None
    directory = marker_dir(environ)
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


def marker_dir(environ: Mapping[str, str]) -> Path | None:
    """The verified folder for markers: the shared one when it is this user's
    alone, else a private one in ssoenv's cache (saying why, once per call)."""
    shared = paths.shared_marker_dir(environ)
    problem = files.claim_private_dir(shared)
    if problem is None:
        return shared
    fallback = paths.private_marker_dir(environ)
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
