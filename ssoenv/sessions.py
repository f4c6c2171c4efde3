"""What the caches say of an SSO session, without the network: logged in,
refreshable, expired, ended on the server (rejected) or not logged in; and how
ssoenv writes times for people (the prompt badge's minute rule included).
`ssoenv list` and `ssoenv status` show these; never imports the engine or requests."""

from __future__ import annotations

from datetime import datetime, timezone

from ssoenv import verdicts
from ssoenv.cache import TokenCache
from ssoenv.model import SsoSession
from ssoenv.values import frozen

TYPE_CHECKING = False  # True for type checkers; `typing` costs every `ssoenv use` ~5 ms
if TYPE_CHECKING:
    from ssoenv.settings import Settings

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
    tokens: TokenCache, session: SsoSession, now: datetime, settings: Settings
) -> SessionState:
    token = tokens.load(session)
    if token is None:
        return SessionState(NOT_LOGGED_IN)
    verdict = verdicts.load(settings, tokens.path(session), token)
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


def remaining(moment: datetime, now: datetime) -> str:
    """ "42m", "1h05m" until `moment`: the prompt badge's rule, so that both show the
    same. The badge knows whole seconds only (SSOENV_EXPIRES, the shell's clock):
    both ends are rounded down to the second first, then the minutes."""
    seconds = int(moment.timestamp()) - int(now.timestamp())
    minutes = max(0, seconds // 60)
    return f"{minutes}m" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"
