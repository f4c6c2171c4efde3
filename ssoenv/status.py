"""`ssoenv list` and `ssoenv status`: what the config holds and what the current
shell uses, read from the config, the token cache and the environment only.
Never touches the network (and so never imports the engine or requests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone

from ssoenv import paths, verdicts
from ssoenv.cache import TokenCache, parse_timestamp
from ssoenv.config import ConfigFile, is_sso_profile, resolve_profile
from ssoenv.errors import SsoenvError
from ssoenv.model import SsoSession
from ssoenv.text import printable
from ssoenv.values import frozen

# Session states, as `list --json` spells them. "rejected": the portal refused the
# cached token (the session was ended on the server); only a login helps.
LOGGED_IN, REFRESHABLE, EXPIRED, NOT_LOGGED_IN = "logged-in", "refreshable", "expired", "none"
REJECTED = "rejected"


@frozen
class SessionState:
    """What the cache knows of a session: the token's expiry, whether a refresh
    can renew it, and what the server said (a rejection, a refused refresh).
    Nothing more: how long the portal keeps the session is not published."""

    state: str
    expires_at: datetime | None = None  # of the cached access token
    refreshable: bool = False  # a refresh token that was not refused (yet)
    rejected_at: datetime | None = None
    refresh_failed_at: datetime | None = None
    refresh_error: str | None = None

    def describe(self, now: datetime) -> str:
        if self.state == REJECTED and self.rejected_at is not None:
            return f"ended on the server (rejected at {clock(self.rejected_at, now)}): login needed"
        if self.state == LOGGED_IN and self.expires_at is not None:
            text = f"logged in until {clock(self.expires_at, now)}"
            if self.refreshable:
                text += ", refreshable"
        elif self.state == REFRESHABLE and self.expires_at is not None:
            text = f"token expired at {clock(self.expires_at, now)}, refreshable"
        elif self.state == EXPIRED and self.expires_at is not None:
            text = f"expired at {clock(self.expires_at, now)}: login needed"
        else:
            return "not logged in"
        if self.refresh_failed_at is not None:
            failed = clock(self.refresh_failed_at, now)
            text += f" (refresh refused at {failed}: {self.refresh_error})"
        return text


def session_state(
    tokens: TokenCache, session: SsoSession, now: datetime, environ: Mapping[str, str]
) -> SessionState:
    token = tokens.load(session)
    if token is None:
        return SessionState(NOT_LOGGED_IN)
    verdict = verdicts.load(environ, tokens.path(session), token)
    if verdict.rejected_at is not None:
        return SessionState(REJECTED, token.expires_at, rejected_at=verdict.rejected_at)
    refreshable = (
        session.refreshable and token.can_refresh(now) and verdict.refresh_failed_at is None
    )
    if token.expires_at > now:
        state = LOGGED_IN
    elif refreshable:
        state = REFRESHABLE
    else:
        state = EXPIRED
    return SessionState(
        state,
        token.expires_at,
        refreshable=refreshable,
        refresh_failed_at=verdict.refresh_failed_at,
        refresh_error=verdict.refresh_error,
    )


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
            "refreshable": state.refreshable if state else None,
            "rejected_at": iso(state.rejected_at) if state else None,
            "refresh_failed_at": iso(state.refresh_failed_at) if state else None,
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
                state=_memo(states, tokens, profile.session, now, environ),
                active=plain.active,
            )
        )
    return rows


def _memo(
    states: dict[str, SessionState],
    tokens: TokenCache,
    session: SsoSession,
    now: datetime,
    environ: Mapping[str, str],
) -> SessionState:
    if session.cache_key not in states:
        states[session.cache_key] = session_state(tokens, session, now, environ)
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


def remaining(moment: datetime, now: datetime) -> str:
    """ "42m", "1h05m" until `moment`: the prompt badge's rule, so that both show the
    same. The badge knows whole seconds only (SSOENV_EXPIRES, the shell's clock):
    both ends are rounded down to the second first, then the minutes."""
    seconds = int(moment.timestamp()) - int(now.timestamp())
    minutes = max(0, seconds // 60)
    return f"{minutes}m" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"


def shell_status(environ: Mapping[str, str], cfg: ConfigFile | None, now: datetime) -> ShellStatus:
    """What `ssoenv use` exported into this shell, checked against the clock and the cache."""
    name = environ.get("SSOENV_PROFILE") or None
    if name is None:
        return ShellStatus(None, False, problem="no ssoenv profile is active in this shell")
    expires = _epoch(environ.get("SSOENV_EXPIRES")) or parse_timestamp(
        environ.get("AWS_CREDENTIAL_EXPIRATION")
    )
    session = _cached_state(cfg, name, environ, now)
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
        session_expires=_known_login_time(session, now),
        session=session,
        region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None,
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
    cfg: ConfigFile | None, name: str, environ: Mapping[str, str], now: datetime
) -> SessionState | None:
    if cfg is None:
        return None
    try:
        profile = resolve_profile(cfg, name, environ)
    except SsoenvError:
        return None  # renamed or removed since `use`: the environment still tells a lot
    return session_state(
        TokenCache(paths.aws_sso_cache_dir(environ)), profile.session, now, environ
    )


def _epoch(text: str | None) -> datetime | None:
    if not text or not text.isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(text), timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
