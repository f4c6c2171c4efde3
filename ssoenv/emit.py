"""What `use` and `logout` change in a shell, as an ordered list of operations,
independent of any shell's syntax.
Must not import the engine, HTTP or the CLI framework."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from ssoenv.model import RoleCredentials, rfc3339
from ssoenv.shells import EnvOp, SetVar, UnsetVar

TYPE_CHECKING = False  # True for type checkers; `typing` costs every `ssoenv use` ~5 ms
if TYPE_CHECKING:
    from ssoenv.settings import Settings, ShellState

CREDENTIAL_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
)
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
# Public state for prompts, then private state for the hook.
STATE_VARIABLES = ("SSOENV_PROFILE", "SSOENV_EXPIRES", "SSOENV_SESSION_EXPIRES", "SSOENV_RETRYING")
# Set while the prompt hook's last refresh failed for a reason that may pass
# (network, server, another shell busy): the badge shows `~`, not `!`.
RETRYING_VARIABLE = "SSOENV_RETRYING"
# The access key id `use` exported: the credential variables are ssoenv's only
# while AWS_ACCESS_KEY_ID still holds it (see `credentials_are_ours`). A key id
# is an identifier, not a secret, and the same value is in AWS_ACCESS_KEY_ID.
KEY_ID_VARIABLE = "__SSOENV_KEY_ID"
# hook.MARKER_VARIABLE is not among these: it names this shell's own marker
# file, which outlives a logout (zsh and fish remove it when the shell exits).
PRIVATE_VARIABLES = (
    "__SSOENV_REFRESH_AT",
    "__SSOENV_RETRY_AT",
    "__SSOENV_FAILURES",
    "__SSOENV_WARNED",
    "__SSOENV_REGION",
    "__SSOENV_REGION_CHOSEN",
    KEY_ID_VARIABLE,
    "__SSOENV_CRED_FILE",
)
# Never schedule the hook's refresh sooner than this, whatever the lifetimes,
# so a short-lived credential cannot make every prompt call the network.
MIN_REFRESH_DELAY = timedelta(seconds=60)


class Change:
    """What to do to the user's shell, and what to tell the person."""

    def __init__(self) -> None:
        self.ops: list[EnvOp] = []
        self.notes: list[str] = []  # for stderr, for the person


def use(
    profile: str,
    region: str | None,
    role: RoleCredentials,
    session_expires: datetime,
    *,
    settings: Settings,
    now: datetime,
    refresh_window: timedelta,
    credential_file: Path | None = None,
    region_chosen: bool = False,
) -> Change:
    """Export a role's credentials and ssoenv's state; clear what no longer applies
    (`settings`: what the shell holds now, the profile selectors included).

    `credential_file` is the cache file the credentials came from: the shell hook
    watches it to pick up a refresh or a logout made in another terminal.
    `region_chosen`: the region was given with --region, not read from the
    profile; the shell remembers it, so the hook's refreshes keep it."""
    change = Change()
    ops = change.ops
    ops += [
        SetVar("AWS_ACCESS_KEY_ID", role.access_key_id),
        SetVar("AWS_SECRET_ACCESS_KEY", role.secret_access_key),
        SetVar("AWS_SESSION_TOKEN", role.session_token),
        SetVar("AWS_CREDENTIAL_EXPIRATION", rfc3339(role.expiration)),
        SetVar(KEY_ID_VARIABLE, role.access_key_id),
    ]
    ops += _region_ops(region, settings.shell_state)
    if region_chosen and region:
        ops.append(SetVar("__SSOENV_REGION_CHOSEN", region))
    else:
        ops.append(UnsetVar("__SSOENV_REGION_CHOSEN"))
    selectors = (settings.aws_profile, settings.aws_default_profile)
    for name, value in zip(PROFILE_VARIABLES, selectors, strict=True):
        if value is not None and value != profile:
            ops.append(UnsetVar(name))
            change.notes.append(
                f"cleared {name} (it named profile '{value}'), so tools use the keys of '{profile}'"
            )
    refresh_at = max(role.expiration - refresh_window, now + MIN_REFRESH_DELAY)
    ops += [
        SetVar("SSOENV_PROFILE", profile),
        SetVar("SSOENV_EXPIRES", _epoch(role.expiration)),
        SetVar("SSOENV_SESSION_EXPIRES", _epoch(session_expires)),
        SetVar("__SSOENV_REFRESH_AT", _epoch(min(refresh_at, role.expiration))),
        UnsetVar(RETRYING_VARIABLE),
        UnsetVar("__SSOENV_RETRY_AT"),
        UnsetVar("__SSOENV_FAILURES"),
        UnsetVar("__SSOENV_WARNED"),
    ]
    ops += _watch_ops(credential_file)
    return change


def _watch_ops(credential_file: Path | None) -> list[EnvOp]:
    # os.path.exists: any error reading the file means nothing to watch.
    if credential_file is None or not os.path.exists(credential_file):
        return [UnsetVar("__SSOENV_CRED_FILE")]
    return [SetVar("__SSOENV_CRED_FILE", str(credential_file))]


def _region_ops(region: str | None, shell: ShellState) -> list[EnvOp]:
    if region:
        return [
            *(SetVar(name, region) for name in REGION_VARIABLES),
            SetVar("__SSOENV_REGION", region),
        ]
    # Clear only a region that an earlier `use` set, never one the user chose.
    previous = shell.ssoenv_region
    ops: list[EnvOp] = [UnsetVar(name) for name in _regions_set_by_use(shell)]
    if previous is not None:
        ops.append(UnsetVar("__SSOENV_REGION"))
    return ops


def _regions_set_by_use(shell: ShellState) -> list[str]:
    """The region variables that still hold the region an earlier `use` exported."""
    previous = shell.ssoenv_region
    held = (shell.aws_region, shell.aws_default_region)
    return [n for n, v in zip(REGION_VARIABLES, held, strict=True) if previous and v == previous]


def clear(shell: ShellState) -> Change:
    """Unset what a `use` set and nothing else: ssoenv's own state always, the
    credentials while they are still the ones it exported, the region while it
    is the one it exported. Credentials left in place are named in a note."""
    change = Change()
    names: list[str] = []
    if credentials_are_ours(shell):
        names += CREDENTIAL_VARIABLES
    else:
        held = (
            shell.aws_access_key_id,
            shell.aws_secret_access_key,
            shell.aws_session_token,
            shell.aws_credential_expiration,
        )
        left = [n for n, v in zip(CREDENTIAL_VARIABLES, held, strict=True) if v is not None]
        if left:
            why = (
                "AWS_ACCESS_KEY_ID is no longer the key ssoenv set"
                if shell.ssoenv_key_id
                else "ssoenv did not set them"
            )
            change.notes.append(f"left {', '.join(left)} as they are: {why}")
    names += STATE_VARIABLES
    names += _regions_set_by_use(shell)
    names += PRIVATE_VARIABLES
    change.ops = [UnsetVar(name) for name in names]
    return change


def credentials_are_ours(shell: ShellState) -> bool:
    """Whether the four credential variables are the ones a `use` exported.

    Decided for the set, by the key id alone: the secret, token and expiry
    belong to the key they came with. Once AWS_ACCESS_KEY_ID holds another key
    (the user's static keys, another tool's export), whatever of the set is
    left may be part of those credentials, and telling a leftover token of ours
    from theirs would mean keeping a copy of a secret: none of it is touched.
    With AWS_ACCESS_KEY_ID unset, nothing replaced the set: what remains is the
    rest of ours, and a secret of ours must not outlive a logout. No record (a
    shell where `use` never ran): nothing here is ours."""
    recorded = shell.ssoenv_key_id
    current = shell.aws_access_key_id
    return bool(recorded) and current in (None, recorded)


def _epoch(moment: datetime) -> str:
    return str(int(moment.timestamp()))
