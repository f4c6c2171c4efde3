"""`ssoenv list`: every profile of the config with its SSO session's state,
read from the config and the token cache only (no network)."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from ssoenv import files, paths
from ssoenv import runtime as rt
from ssoenv.cache import TokenCache
from ssoenv.config import ConfigFile, is_sso_profile, resolve_profile
from ssoenv.errors import SsoenvError
from ssoenv.model import ChainedProfile, SsoProfile, SsoSession
from ssoenv.roleconfig import assumes_role
from ssoenv.sessions import SessionState, iso, session_state
from ssoenv.settings import Settings
from ssoenv.text import format_columns


def run(*, as_json: bool) -> None:
    now = datetime.now(timezone.utc)
    cfg = rt.load_config()
    rows = profile_rows(cfg, rt.settings(), now)
    if as_json:
        sys.stdout.write(json.dumps([row.as_json() for row in rows], indent=2) + "\n")
        return
    if not rows:
        rt.say(f"{cfg.display_path()} has no profiles yet; start with `ssoenv configure`")
        return
    sys.stdout.write(table(rows, now))


class Row:
    """One line of `list`. A plain class, not @frozen: `list` makes one per
    profile, ten thousand on a large config, and nothing else holds them."""

    __slots__ = (
        "account_id",
        "active",
        "chain",
        "error",
        "profile",
        "region",
        "role_name",
        "session",
        "sso_session",
        "start_url",
        "state",
    )

    def __init__(
        self,
        profile: str,
        sso_session: str | None = None,
        start_url: str | None = None,
        account_id: str | None = None,
        role_name: str | None = None,
        region: str | None = None,
        state: SessionState | None = None,  # None: not an SSO profile, or a broken one
        error: str | None = None,
        active: bool = False,
        chain: tuple[str, ...] | None = None,  # a role chain: this profile down to its source
        session: SsoSession | None = None,  # the SSO session whose state `state` is
    ) -> None:
        self.profile, self.sso_session, self.start_url = profile, sso_session, start_url
        self.account_id, self.role_name, self.region = account_id, role_name, region
        self.state, self.error, self.active, self.chain = state, error, active, chain
        self.session = session

    def as_json(self) -> dict[str, object]:
        state = self.state
        return {
            "profile": self.profile,
            "sso_session": self.sso_session,
            "start_url": self.start_url,
            "account_id": self.account_id,
            "role_name": self.role_name,
            "region": self.region,
            "state": state.state if state else ("invalid" if self.error else "not-sso"),
            "session_expires": iso(state.expires_at) if state else None,
            "refreshable": state.refreshable if state else None,
            "rejected_at": iso(state.rejected_at) if state else None,
            "refresh_failed_at": iso(state.refresh_failed_at) if state else None,
            "active": self.active,
            "error": self.error,
            "chain": list(self.chain) if self.chain else None,
        }


def profile_rows(cfg: ConfigFile, settings: Settings, now: datetime) -> list[Row]:
    """Every profile of the file, in file order, with the state of its SSO session.

    What a row says besides the state depends on the config, the credentials file
    and the settings only: kept beside the config index under a key of all three
    (and ssoenv's version), it spares a large config's `list` resolving every
    profile again; the states are read from the token cache each time."""
    key = _rows_key(cfg, settings)
    kept = _kept_rows(cfg, settings, key, now) if key is not None else None
    if kept is not None:
        return kept
    rows = _resolved_rows(cfg, settings, now)
    if key is not None:
        _keep_rows(cfg, settings, key, rows)
    return rows


def _resolved_rows(cfg: ConfigFile, settings: Settings, now: datetime) -> list[Row]:
    tokens = TokenCache(paths.aws_sso_cache_dir(settings))
    active = settings.shell_state.ssoenv_profile
    rows = []
    states: dict[str, SessionState] = {}  # profiles share sessions: read each token once
    memo: dict[object, object] = {}  # ... and resolve each session once
    for name, section in cfg.profiles.items():
        region = section.get("region")
        own_region = region if isinstance(region, str) else None
        if assumes_role(section):
            rows.append(_chain_row(cfg, name, settings, now, states, name == active))
            continue
        if not is_sso_profile(section):
            rows.append(Row(name, region=own_region, active=name == active))
            continue
        try:
            profile = resolve_profile(cfg, name, settings, memo=memo)
        except SsoenvError as error:
            rows.append(Row(name, region=own_region, error=error.message, active=name == active))
            continue
        rows.append(
            Row(
                name,
                sso_session=profile.session.name,
                start_url=profile.session.start_url,
                account_id=profile.account_id,
                role_name=profile.role_name,
                region=profile.region,
                state=_memo(states, tokens, profile.session, now, settings),
                active=name == active,
                session=profile.session,
            )
        )
    return rows


# --- rows kept beside the config index ------------------------------------------------

ROWS_FORMAT = "ssoenv-list-rows 1"


def _rows_key(cfg: ConfigFile, settings: Settings) -> str | None:
    """A digest of everything a row's text depends on but the token cache: the
    config's bytes, the credentials file's (role chains start there), every
    setting (the environment's endpoints, regions, HOME in messages...) and
    ssoenv's version. None without a config digest (no index)."""
    if cfg.digest is None:
        return None
    from ssoenv import __version__
    from ssoenv.configindex import digest
    from ssoenv.values import fields

    try:
        with open(settings.credentials_file, "rb") as handle:
            credentials = digest(handle.read())
    except OSError:
        credentials = "-"
    shell = settings.shell_state
    parts = [ROWS_FORMAT, __version__, cfg.digest, credentials, cfg.shown_path]
    # The code that decides a row, as installed (an edited checkout between releases).
    parts += [str(_code_stamp(name)) for name in ("config", "roleconfig", "endpoints")]
    parts.append(str(_code_stamp(__name__)))
    parts += [
        repr(getattr(settings, name))
        for name in fields(settings)
        if name not in ("shell_state", "environ_for_child")
    ]
    parts += [repr(shell.aws_region), repr(shell.aws_default_region)]
    return digest("\n".join(parts).encode("utf-8", "surrogateescape"))


def _code_stamp(module: str) -> int:
    import sys

    found = sys.modules.get(module if "." in module else f"ssoenv.{module}")
    try:
        return os.stat(str(getattr(found, "__file__", ""))).st_mtime_ns
    except OSError:
        return 0


def _rows_path(cfg: ConfigFile, settings: Settings) -> Path:
    from ssoenv.configindex import index_path

    return index_path(paths.config_index_dir(settings), cfg.path).with_suffix(".rows")


def _keep_rows(cfg: ConfigFile, settings: Settings, key: str, rows: list[Row]) -> None:
    """Write the rows' text (not their states) under `key`; a failure costs speed only."""
    sessions: dict[SsoSession, int] = {}
    kept = []
    for row in rows:
        session = row.session
        number = None if session is None else sessions.setdefault(session, len(sessions))
        kept.append(
            [
                row.profile,
                number,
                row.account_id,
                row.role_name,
                row.region,
                row.error,
                list(row.chain) if row.chain else None,
            ]
        )
    table = [
        [s.name, s.start_url, s.region, None if s.scopes is None else list(s.scopes), s.source]
        for s in sessions
    ]
    with contextlib.suppress(OSError, SsoenvError):
        files.write_json(_rows_path(cfg, settings), {"key": key, "sessions": table, "rows": kept})


def _kept_rows(cfg: ConfigFile, settings: Settings, key: str, now: datetime) -> list[Row] | None:
    # ~60 bytes a profile: a config of 100,000 profiles still fits.
    data = files.read_json(_rows_path(cfg, settings), limit=64 * 1024 * 1024)
    if data is None or data.get("key") != key:
        return None
    try:
        sessions = [
            SsoSession(name, url, region, None if scopes is None else tuple(scopes), source)
            for name, url, region, scopes, source in data["sessions"]
        ]
        tokens = TokenCache(paths.aws_sso_cache_dir(settings))
        active = settings.shell_state.ssoenv_profile
        states: dict[str, SessionState] = {}
        rows = []
        for name, number, account, role, region, error, chain in data["rows"]:
            session = None if number is None else sessions[number]
            rows.append(
                Row(
                    name,
                    sso_session=session.name if session else None,
                    start_url=session.start_url if session else None,
                    account_id=account,
                    role_name=role,
                    region=region,
                    state=_memo(states, tokens, session, now, settings) if session else None,
                    error=error,
                    active=name == active,
                    chain=tuple(chain) if chain else None,
                    session=session,
                )
            )
    except (KeyError, TypeError, ValueError, IndexError):
        return None  # not what ssoenv wrote: resolve instead
    return rows


def _memo(
    states: dict[str, SessionState],
    tokens: TokenCache,
    session: SsoSession,
    now: datetime,
    settings: Settings,
) -> SessionState:
    if session.cache_key not in states:
        states[session.cache_key] = session_state(tokens, session, now, settings)
    return states[session.cache_key]


def _chain_row(
    cfg: ConfigFile,
    name: str,
    settings: Settings,
    now: datetime,
    states: dict[str, SessionState],
    active: bool,
) -> Row:
    """A profile that assumes a role: its role, its chain, and the state of the SSO
    session the chain starts from (when it starts from one)."""
    from ssoenv import roleconfig

    section = cfg.profiles[name]  # botocore's rule: role_arn, and no web identity
    region = section.get("region")
    own_region = region if isinstance(region, str) else None
    try:
        chained = roleconfig.resolve(cfg, rt.credentials_sections(), name, settings)
    except SsoenvError as error:
        return Row(name, region=own_region, error=error.message, active=active)
    if not isinstance(chained, ChainedProfile):
        return Row(name, region=own_region, active=active)
    account, role = _role_of(chained.steps[-1].role_arn)
    base = chained.base if isinstance(chained.base, SsoProfile) else None
    tokens = TokenCache(paths.aws_sso_cache_dir(settings))
    return Row(
        name,
        sso_session=base.session.name if base else None,
        start_url=base.session.start_url if base else None,
        account_id=account,
        role_name=role,
        region=chained.region,
        state=_memo(states, tokens, base.session, now, settings) if base else None,
        active=active,
        chain=chained.chain,
        session=base.session if base else None,
    )


def _role_of(arn: str) -> tuple[str | None, str | None]:
    """(account, role name) of `arn:aws:iam::ACCOUNT:role/PATH/NAME`."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("role/"):
        return None, None
    return parts[4] or None, parts[5].rsplit("/", 1)[-1] or None


def table(rows: list[Row], now: datetime) -> str:
    """Aligned columns; '*' marks the profile active in this shell. A VIA column
    shows role chains (`deploy ← dev ← corp`) when the config has any."""
    head = ("", "PROFILE", "SSO SESSION", "ACCOUNT", "ROLE", "REGION", "SESSION STATE")
    chains = any(row.chain for row in rows)
    lines: list[tuple[str, ...]] = [(*head, "VIA") if chains else head]
    # The profiles of one SSO session share its state object: describing it once
    # spares a config of 10,000 profiles 10,000 local-time conversions (~40 ms).
    described: dict[int, str] = {}
    for row in rows:
        session = row.sso_session or (f"(legacy) {row.start_url}" if row.start_url else "-")
        if row.state is not None:
            state = described.get(id(row.state)) or described.setdefault(
                id(row.state), row.state.describe(now)
            )
        else:
            state = (
                "invalid config"
                if row.error
                else "no SSO session (keys)"
                if row.chain
                else "not an SSO profile"
            )
        lines.append(
            (
                "*" if row.active else "",
                row.profile,
                session,
                row.account_id or "-",
                row.role_name or "-",
                row.region or "-",
                state,
                *((" \u2190 ".join(row.chain) if row.chain else "-",) if chains else ()),
            )
        )
    return format_columns(lines)
