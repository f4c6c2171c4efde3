"""What the prompt hook does when the shell calls it (`ssoenv hook-env`): pick
up credentials another terminal refreshed, notice a logout made elsewhere,
refresh credentials inside the window, or, when only a login can help, say so
once and back off. Never logs in, never prompts."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from ssoenv import emit, engine, files
from ssoenv.errors import SsoenvError
from ssoenv.model import SsoProfile
from ssoenv.shells import SetVar
from ssoenv.values import frozen

FIRST_RETRY = timedelta(seconds=60)
MAX_RETRY = timedelta(minutes=15)


@frozen
class HookResult:
    change: emit.Change
    credential_file: Path | None = None  # loaded from this file: sync the shell's marker


def run(
    ctx: engine.Context,
    load_profile: Callable[[str], SsoProfile],
) -> HookResult:
    environ = ctx.environ
    name = environ.get("SSOENV_PROFILE")
    if not name:
        return HookResult(emit.Change())
    try:
        profile = load_profile(name)
        if _logged_out_elsewhere(ctx, profile):
            change = emit.clear(environ)
            change.notes.append(f"'{name}' was logged out; run `ssoenv use {name}` to log in again")
            return HookResult(change)
        creds = engine.credentials(ctx, profile, allow_login=False)
    except SsoenvError as error:
        return HookResult(_failed(environ, name, error, ctx.now()))
    change = emit.use(
        profile.name,
        profile.region,
        creds.role,
        creds.session_expires,
        environ=environ,
        now=ctx.now(),
        refresh_window=ctx.refresh_window,
        credential_file=ctx.credential_cache.path(profile),
    )
    return HookResult(change, ctx.credential_cache.path(profile))


def _logged_out_elsewhere(ctx: engine.Context, profile: SsoProfile) -> bool:
    """The credentials file this shell loaded is gone and so is the session's token."""
    loaded = ctx.environ.get("__SSOENV_CRED_FILE")
    if not loaded or Path(loaded).exists():
        return False
    return ctx.tokens.load(profile.session) is None


def _failed(
    environ: Mapping[str, str], name: str, error: SsoenvError, now: datetime
) -> emit.Change:
    """Mark the session as needing a login, say so once, and retry later, each
    time after a longer pause, so a broken session does not cost every prompt."""
    failures = int(environ.get("__SSOENV_FAILURES", "0") or 0) + 1
    delay = min(MAX_RETRY, FIRST_RETRY * 2 ** (failures - 1))
    change = emit.Change()
    change.ops += [
        SetVar("__SSOENV_RETRY_AT", str(int((now + delay).timestamp()))),
        SetVar("__SSOENV_FAILURES", str(failures)),
        SetVar("SSOENV_SESSION_EXPIRES", str(int(now.timestamp()))),
    ]
    if environ.get("__SSOENV_WARNED") != name:
        change.ops.append(SetVar("__SSOENV_WARNED", name))
        hint = f" ({error.hint})" if error.hint else ""
        change.notes.append(f"cannot refresh '{name}': {error.message}{hint}")
    return change


def sync_marker(environ: Mapping[str, str], credential_file: Path) -> None:
    """Give the shell's marker file the credential file's modification time, so the
    shell sees a later refresh by another terminal with a builtin `-nt` test."""
    marker = environ.get("__SSOENV_MARKER")
    if not marker:
        return
    # Best effort: a shell whose marker cannot be written just stops watching
    # (e.g. a shared /tmp folder of that name owned by someone else).
    with contextlib.suppress(OSError, SsoenvError):
        stamp = credential_file.stat()
        path = Path(marker)
        files.ensure_private_dir(path.parent)
        if not path.exists():
            _remove_dead_markers(path.parent)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, files.FILE_MODE))
        os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))


def _remove_dead_markers(directory: Path) -> None:
    """bash cannot remove its marker on exit without taking the user's EXIT trap:
    sweep the markers of shells that are gone whenever a new one is made."""
    for other in directory.glob("marker.*"):
        pid = other.suffix.lstrip(".")
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            files.remove(other)
        except OSError:
            pass  # alive, but not ours to signal
