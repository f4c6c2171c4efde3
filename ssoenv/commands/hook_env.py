"""`ssoenv hook-env --shell SHELL` (hidden): what the prompt hook runs when the
shell's own zero-fork check finds the credentials due. Picks up credentials
another terminal refreshed, notices a logout made elsewhere, refreshes
credentials inside the window, or, when only a login can help, says so once
and backs off. Never logs in, never prompts."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from ssoenv import chains, emit, engine
from ssoenv import runtime as rt
from ssoenv.errors import SsoenvError
from ssoenv.model import ChainedProfile, SsoProfile
from ssoenv.settings import ShellState
from ssoenv.shells import SetVar, UnsetVar

FIRST_RETRY = timedelta(seconds=60)
MAX_RETRY = timedelta(minutes=15)
# Another shell is refreshing the same thing: its result is seconds away.
BUSY_RETRY = timedelta(seconds=10)
# Seconds the prompt waits for another shell's refresh before it retries later.
LOCK_WAIT = 2.0


def refresh(
    ctx: engine.Context,
    load_profile: Callable[[str], SsoProfile | ChainedProfile],
) -> emit.Change:
    shell = ctx.settings.shell_state
    name = shell.ssoenv_profile
    if not name:
        return emit.Change()
    try:
        profile = load_profile(name)
        if _logged_out_elsewhere(ctx, profile):
            change = emit.clear(shell)
            change.notes.append(f"'{name}' was logged out; run `ssoenv use {name}` to log in again")
            return change
        if shell.ssoenv_key_id and not emit.credentials_are_ours(shell):
            # The user exported keys of their own after `use`: a refresh must not
            # put ours back over them. Stop managing this shell; `use` takes it back.
            change = emit.clear(shell)
            change.notes.append(
                f"stopped refreshing '{name}' in this shell; `ssoenv use {name}` takes it back"
            )
            return change
        creds = chains.credentials_of(ctx, profile, allow_login=False)
    except SsoenvError as error:
        return _failed(shell, name, error, ctx.now())
    # A region given with `use --region` stays; otherwise the profile's, as it is now.
    chosen = ctx.settings.shell_state.ssoenv_region_chosen or None
    return chains.shell_change(ctx, profile, creds, chosen_region=chosen)


def _logged_out_elsewhere(ctx: engine.Context, profile: SsoProfile | ChainedProfile) -> bool:
    """The credentials file this shell loaded is gone and so is the session's token."""
    loaded = ctx.settings.shell_state.ssoenv_cred_file
    sso = chains.sso_session_of(profile)
    if not loaded or Path(loaded).exists() or sso is None:
        return False
    return ctx.tokens.load(sso.session) is None


def _failed(shell: ShellState, name: str, error: SsoenvError, now: datetime) -> emit.Change:
    """Say what went wrong once, and retry later, each time after a longer pause,
    so a broken session does not cost every prompt.

    A session that ended (only a login helps) is marked in the badge with `!`.
    A network fault, a failing or throttling server, or another shell holding
    the lock says nothing about the session: the badge shows `~` (retrying) and
    the credentials' own expiry, and the next try may well succeed.
    """
    failures = int(shell.ssoenv_failures or 0) + 1
    delay = min(MAX_RETRY, FIRST_RETRY * 2 ** (failures - 1))
    if isinstance(error, engine.Busy):
        delay = BUSY_RETRY
    change = emit.Change()
    change.ops += [
        SetVar("__SSOENV_RETRY_AT", str(int((now + delay).timestamp()))),
        SetVar("__SSOENV_FAILURES", str(failures)),
    ]
    if error.transient:
        change.ops.append(SetVar(emit.RETRYING_VARIABLE, "1"))
    else:
        change.ops += [
            SetVar("SSOENV_SESSION_EXPIRES", str(int(now.timestamp()))),
            UnsetVar(emit.RETRYING_VARIABLE),
        ]
    if shell.ssoenv_warned != name and not isinstance(error, engine.Busy):
        change.ops.append(SetVar("__SSOENV_WARNED", name))
        hint = f" ({error.hint})" if error.hint else ""
        later = "; retrying by itself" if error.transient else ""
        change.notes.append(f"cannot refresh '{name}': {error.message}{hint}{later}")
    return change


def run(shell: str) -> None:
    from ssoenv.http import HOOK
    from ssoenv.shells import get_shell

    fmt = get_shell(shell)
    # The prompt waits for all of this: every lock wait and HTTP call together
    # ends within the hook policy's worst case for one call (docs/security.md).
    ctx = rt.context(
        policy=HOOK,
        deadline=time.monotonic() + HOOK.worst_case_seconds,
        max_lock_wait=LOCK_WAIT,
    )
    change = refresh(ctx, rt.load_target)
    for note in change.notes:
        rt.say(note)
    sys.stdout.write(fmt.render(change.ops))
