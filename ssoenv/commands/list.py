"""`ssoenv list`: every profile of the config with its SSO session's state,
read from the config and the token cache only (no network)."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

from ssoenv import paths
from ssoenv import runtime as rt
from ssoenv.cache import TokenCache
from ssoenv.config import ConfigFile, is_sso_profile, resolve_profile
from ssoenv.errors import SsoenvError
from ssoenv.model import SsoSession
from ssoenv.sessions import SessionState, iso, session_state
from ssoenv.settings import Settings
from ssoenv.text import format_columns
from ssoenv.values import frozen


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


@frozen
class Row:
    profile: str
    sso_session: str | None = None
    start_url: str | None = None
    account_id: str | None = None
    role_name: str | None = None
    region: str | None = None
    state: SessionState | None = None  # None: not an SSO profile, or a broken one
    error: str | None = None
    active: bool = False

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
        }


def profile_rows(cfg: ConfigFile, settings: Settings, now: datetime) -> list[Row]:
    """Every profile of the file, in file order, with the state of its SSO session."""
    tokens = TokenCache(paths.aws_sso_cache_dir(settings))
    active = settings.shell_state.ssoenv_profile
    rows = []
    states: dict[str, SessionState] = {}  # profiles share sessions: read each token once
    memo: dict[object, object] = {}  # ... and resolve each session once
    for name, section in cfg.profiles.items():
        region = section.get("region")
        own_region = region if isinstance(region, str) else None
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
            )
        )
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


def table(rows: list[Row], now: datetime) -> str:
    """Aligned columns; '*' marks the profile active in this shell."""
    head = ("", "PROFILE", "SSO SESSION", "ACCOUNT", "ROLE", "REGION", "SESSION STATE")
    lines = [head]
    for row in rows:
        session = row.sso_session or (f"(legacy) {row.start_url}" if row.start_url else "-")
        if row.state is not None:
            state = row.state.describe(now)
        else:
            state = "invalid config" if row.error else "not an SSO profile"
        lines.append(
            (
                "*" if row.active else "",
                row.profile,
                session,
                row.account_id or "-",
                row.role_name or "-",
                row.region or "-",
                state,
            )
        )
    return format_columns(lines)
