"""`ssoenv list` and `ssoenv status`: what the config holds and what the current
shell uses, read from the config, the token cache and the environment only.
Never touches the network (and so never imports the engine or requests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone

from ssoenv import paths
from ssoenv.cache import TokenCache, parse_timestamp
from ssoenv.config import ConfigFile, is_sso_profile, resolve_profile
from ssoenv.errors import SsoenvError
from ssoenv.model import SsoSession
from ssoenv.text import printable
from ssoenv.values import frozen

# Session states, as `list --json` spells them.
LOGGED_IN, REFRESHABLE, EXPIRED, NOT_LOGGED_IN = "logged-in", "refreshable", "expired", "none"


@frozen
class SessionState:
    state: str
    expires_at: datetime | None = None  # of the cached access token

    def describe(self, now: datetime) -> str:
        if self.state == LOGGED_IN and self.expires_at is not None:
            return f"logged in until {clock(self.expires_at, now)}"
        return {REFRESHABLE: "refreshable", EXPIRED: "expired"}.get(self.state, "not logged in")


def session_state(tokens: TokenCache, session: SsoSession, now: datetime) -> SessionState:
    token = tokens.load(session)
    if token is None:
        return SessionState(NOT_LOGGED_IN)
    if token.expires_at > now:
        return SessionState(LOGGED_IN, token.expires_at)
    if session.refreshable and token.can_refresh(now):
        return SessionState(REFRESHABLE, token.expires_at)
    return SessionState(EXPIRED, token.expires_at)


def clock(moment: datetime, now: datetime) -> str:
    """HH:MM in local time; with the date when it is not today."""
    local, today = moment.astimezone(), now.astimezone()
    return f"{local:%H:%M}" if local.date() == today.date() else f"{local:%Y-%m-%d %H:%M}"


def iso(moment: datetime | None) -> str | None:
    return (
        None if moment is None else moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    )


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
            "active": self.active,
            "error": self.error,
        }


def profile_rows(cfg: ConfigFile, environ: Mapping[str, str], now: datetime) -> list[Row]:
    """Every profile of the file, in file order, with the state of its SSO session."""
    tokens = TokenCache(paths.aws_sso_cache_dir(environ))
    active = environ.get("SSOENV_PROFILE")
    rows = []
    states: dict[str, SessionState] = {}  # profiles share sessions: read each token once
    for name, section in cfg.profiles.items():
        region = section.get("region")
        plain = Row(name, region=region if isinstance(region, str) else None, active=name == active)
        if not is_sso_profile(section):
            rows.append(plain)
            continue
        try:
            profile = resolve_profile(cfg, name, environ)
        except SsoenvError as error:
            rows.append(Row(name, region=plain.region, error=error.message, active=plain.active))
            continue
        rows.append(
            Row(
                name,
                sso_session=profile.session.name,
                start_url=profile.session.start_url,
                account_id=profile.account_id,
                role_name=profile.role_name,
                region=profile.region,
                state=_memo(states, tokens, profile.session, now),
                active=plain.active,
            )
        )
    return rows


def _memo(
    states: dict[str, SessionState], tokens: TokenCache, session: SsoSession, now: datetime
) -> SessionState:
    if session.cache_key not in states:
        states[session.cache_key] = session_state(tokens, session, now)
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


def format_columns(lines: Sequence[Sequence[str]]) -> str:
    """Aligned columns for a person. Cells hold names from the config and the server:
    their escapes are made visible first, and the widths measured on what is shown."""
    shown = [[printable(cell) for cell in cells] for cells in lines]
    widths = [max(len(cells[i]) for cells in shown) for i in range(len(shown[0]))]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
        + "\n"
        for cells in shown
    )


# --- the current shell ----------------------------------------------------------------


@frozen
class ShellStatus:
    profile: str | None
    valid: bool
    credentials_expire: datetime | None = None
    session_expires: datetime | None = None  # when `use` expected a new login to be needed
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
            "region": self.region,
            "problem": self.problem,
        }

    def lines(self, now: datetime) -> list[tuple[str, str]]:
        creds = self.credentials_expire
        if creds is None:
            shown = "unknown"
        elif self.valid:
            shown = f"valid until {clock(creds, now)} ({span(creds - now)} left)"
        else:
            shown = f"expired at {clock(creds, now)}"
        rows = [("profile", self.profile or "-"), ("credentials", shown)]
        if self.session is not None:
            rows.append(("session", self.session.describe(now)))
        if self.session_expires is not None:
            rows.append(("login needed", f"after {clock(self.session_expires, now)}"))
        rows.append(("region", self.region or "-"))
        return rows


def span(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    return f"{minutes}m" if minutes < 120 else f"{minutes // 60}h{minutes % 60:02d}m"


def shell_status(environ: Mapping[str, str], cfg: ConfigFile | None, now: datetime) -> ShellStatus:
    """What `ssoenv use` exported into this shell, checked against the clock and the cache."""
    name = environ.get("SSOENV_PROFILE") or None
    if name is None:
        return ShellStatus(None, False, problem="no ssoenv profile is active in this shell")
    expires = _epoch(environ.get("SSOENV_EXPIRES")) or parse_timestamp(
        environ.get("AWS_CREDENTIAL_EXPIRATION")
    )
    problem = None
    if not (environ.get("AWS_ACCESS_KEY_ID") and environ.get("AWS_SECRET_ACCESS_KEY")):
        problem = "the shell has no AWS credentials (cleared by hand?)"
    elif expires is None:
        problem = "the credentials' expiry is unknown"
    elif expires <= now:
        problem = f"the credentials of '{name}' expired at {clock(expires, now)}"
    return ShellStatus(
        profile=name,
        valid=problem is None,
        credentials_expire=expires,
        session_expires=_epoch(environ.get("SSOENV_SESSION_EXPIRES")),
        session=_cached_state(cfg, name, environ, now),
        region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None,
        problem=problem,
    )


def _cached_state(
    cfg: ConfigFile | None, name: str, environ: Mapping[str, str], now: datetime
) -> SessionState | None:
    if cfg is None:
        return None
    try:
        profile = resolve_profile(cfg, name, environ)
    except SsoenvError:
        return None  # renamed or removed since `use`: the environment still tells a lot
    return session_state(TokenCache(paths.aws_sso_cache_dir(environ)), profile.session, now)


def _epoch(text: str | None) -> datetime | None:
    if not text or not text.isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(text), timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
