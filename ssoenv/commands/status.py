"""`ssoenv status`: this shell's active profile, when its credentials expire and
when its session does, from the environment and the token cache (no network).
Exit code 4 when no credentials are valid."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

from ssoenv import paths
from ssoenv import runtime as rt
from ssoenv.cache import TokenCache, parse_timestamp
from ssoenv.config import ConfigFile, resolve_profile
from ssoenv.errors import ConfigError, ExitCode, SsoenvError
from ssoenv.model import ChainedProfile, SsoProfile
from ssoenv.roleconfig import assumes_role, resolve
from ssoenv.sessions import (
    EXPIRED,
    NOT_LOGGED_IN,
    REJECTED,
    SessionState,
    clock,
    iso,
    remaining,
    session_state,
)
from ssoenv.settings import Settings
from ssoenv.text import format_columns
from ssoenv.values import frozen


def run(*, as_json: bool) -> int:
    now = datetime.now(timezone.utc)
    settings = rt.settings()
    try:
        config = rt.load_config() if settings.shell_state.ssoenv_profile else None
    except ConfigError:
        config = None  # the environment alone still answers the question
    found = shell_status(settings, config, now)
    if as_json:
        sys.stdout.write(json.dumps(found.as_json(), indent=2) + "\n")
    else:
        sys.stdout.write(format_columns([(f"{k}:", v) for k, v in found.lines(now)]))
    if found.valid:
        return ExitCode.OK
    target = f" {found.profile}" if found.profile else " PROFILE"
    rt.say(f"{found.problem}; run `ssoenv use{target}`")
    return ExitCode.LOGIN_REQUIRED


@frozen
class ShellStatus:
    profile: str | None
    valid: bool
    credentials_expire: datetime | None = None
    # When a new login will be needed, where that is known: a session that cannot be
    # refreshed ends with its token; a refreshable one when the portal says so.
    session_expires: datetime | None = None
    session: SessionState | None = None  # the token cache, now
    region: str | None = None
    problem: str | None = None  # why the credentials are not valid

    def as_json(self) -> dict[str, object]:
        return {
            "profile": self.profile,
            "valid": self.valid,
            "credentials_expire": iso(self.credentials_expire),
            "session_expires": iso(self.session_expires),
            "session_state": self.session.state if self.session else None,
            "token_expires": iso(self.session.expires_at) if self.session else None,
            "refreshable": self.session.refreshable if self.session else None,
            "rejected_at": iso(self.session.rejected_at) if self.session else None,
            "refresh_failed_at": iso(self.session.refresh_failed_at) if self.session else None,
            "region": self.region,
            "problem": self.problem,
        }

    def lines(self, now: datetime) -> list[tuple[str, str]]:
        creds = self.credentials_expire
        if creds is None:
            shown = "unknown"
        elif self.valid:
            shown = f"valid until {clock(creds, now)} ({remaining(creds, now)} left)"
        else:
            shown = f"expired at {clock(creds, now)}"
        rows = [("profile", self.profile or "-"), ("credentials", shown)]
        if self.session is not None:
            rows.append(("session", self.session.describe(now)))
        if self.session is not None:
            rows.append(("login needed", self._login_needed(now)))
        rows.append(("region", self.region or "-"))
        return rows

    def _login_needed(self, now: datetime) -> str:
        session = self.session
        if session is None or session.state in (REJECTED, EXPIRED, NOT_LOGGED_IN):
            return "now"
        if session.refreshable:
            # Not the registration's expiry: the portal may end the session any
            # day before (its length is an administrator's setting, not published).
            return "when the portal ends the session (not known in advance)"
        return f"after {clock(session.expires_at, now)}" if session.expires_at else "unknown"


def shell_status(settings: Settings, cfg: ConfigFile | None, now: datetime) -> ShellStatus:
    """What `ssoenv use` exported into this shell, checked against the clock and the cache."""
    shell = settings.shell_state
    name = shell.ssoenv_profile or None
    if name is None:
        return ShellStatus(None, False, problem="no ssoenv profile is active in this shell")
    expires = _epoch(shell.ssoenv_expires) or parse_timestamp(shell.aws_credential_expiration)
    session = _cached_state(cfg, name, settings, now)
    problem = None
    if not (shell.aws_access_key_id and shell.aws_secret_access_key):
        problem = "the shell has no AWS credentials (cleared by hand?)"
    elif expires is None:
        problem = "the credentials' expiry is unknown"
    elif expires <= now:
        problem = f"the credentials of '{name}' expired at {clock(expires, now)}"
    return ShellStatus(
        profile=name,
        valid=problem is None,
        credentials_expire=expires,
        session_expires=_known_login_time(session, now),
        session=session,
        region=shell.aws_region or shell.aws_default_region or None,
        problem=problem,
    )


def _known_login_time(session: SessionState | None, now: datetime) -> datetime | None:
    """SSOENV_SESSION_EXPIRES is not it: for a refreshable session `use` sets it to
    the client registration's expiry, months away, which says nothing of the session."""
    if session is None:
        return None
    if session.state == REJECTED:
        return session.rejected_at
    if session.state == NOT_LOGGED_IN:
        return None
    return None if session.refreshable else session.expires_at


def _cached_state(
    cfg: ConfigFile | None, name: str, settings: Settings, now: datetime
) -> SessionState | None:
    if cfg is None:
        return None
    try:
        section = cfg.profiles.get(name)
        if section is not None and assumes_role(section):
            # A role chain: the SSO session it starts from, when it starts from one.
            chained = resolve(cfg, rt.credentials_sections(), name, settings)
            base = chained.base if isinstance(chained, ChainedProfile) else chained
            if not isinstance(base, SsoProfile):
                return None
            profile = base
        else:
            profile = resolve_profile(cfg, name, settings)
    except SsoenvError:
        return None  # renamed or removed since `use`: the environment still tells a lot
    return session_state(
        TokenCache(paths.aws_sso_cache_dir(settings)), profile.session, now, settings
    )


def _epoch(text: str | None) -> datetime | None:
    if not text or not text.isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(text), timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
