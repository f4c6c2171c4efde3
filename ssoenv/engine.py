"""The use cases: log in, get a usable SSO token (reusing or refreshing it),
get role credentials, log out. Decides reuse vs refresh vs login and holds the
locks that keep concurrent processes from racing. Never prints, never exits."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ssoenv import files, oidc, paths, portal
from ssoenv.cache import CredentialCache, RegistrationCache, TokenCache
from ssoenv.errors import AwsApiError, LoginRequired, NetworkError
from ssoenv.http import INTERACTIVE, HttpClient, HttpPolicy
from ssoenv.model import (
    DEFAULT_SCOPES,
    ClientRegistration,
    DeviceAuthorization,
    Endpoints,
    RoleCredentials,
    SsoProfile,
    SsoSession,
    Token,
)

log = logging.getLogger("ssoenv.engine")

# botocore refreshes an SSO token when less than 15 minutes remain (protocol doc §8).
TOKEN_REFRESH_WINDOW = timedelta(minutes=15)
# Below this a token is not worth using for a call: it could expire in flight.
TOKEN_MIN_VALID = timedelta(minutes=1)
# The AWS CLI reuses a registration only while 15 minutes remain (protocol doc §7).
REGISTRATION_MIN_VALID = timedelta(minutes=15)
DEFAULT_REFRESH_WINDOW = timedelta(minutes=10)


def _no_device_code(authorization: DeviceAuthorization, session: SsoSession) -> None:
    raise LoginRequired(f"a login is needed for {session.label}")


@dataclass
class Context:
    """The outside world, injected: environment, clocks, HTTP and the login prompt."""

    environ: Mapping[str, str]
    now: Callable[[], datetime]
    monotonic: Callable[[], float]
    sleep: Callable[[float], None]
    on_device_code: Callable[[DeviceAuthorization, SsoSession], None] = _no_device_code
    on_wait: Callable[[str], None] = lambda message: None
    policy: HttpPolicy = INTERACTIVE
    refresh_window: timedelta = DEFAULT_REFRESH_WINDOW
    _http: HttpClient | None = field(default=None, repr=False)

    @property
    def http(self) -> HttpClient:
        if self._http is None:
            self._http = HttpClient(self.policy, sleep=self.sleep)
        return self._http

    @property
    def tokens(self) -> TokenCache:
        return TokenCache(paths.aws_sso_cache_dir(self.environ))

    @property
    def registrations(self) -> RegistrationCache:
        return RegistrationCache(paths.aws_sso_cache_dir(self.environ))

    @property
    def credential_cache(self) -> CredentialCache:
        return CredentialCache(paths.credentials_dir(self.environ))

    def lock_path(self, name: str) -> Path:
        return paths.locks_dir(self.environ) / f"{name}.lock"


@dataclass(frozen=True)
class Credentials:
    """Role credentials plus what a prompt needs to know about the session behind them."""

    role: RoleCredentials
    session_expires: datetime  # when the session can no longer give new credentials
    refreshable: bool


def session_horizon(session: SsoSession, token: Token, now: datetime) -> datetime:
    """When a new login becomes necessary (as far as the cache can tell).

    A refreshable token lives on until its client registration expires; the
    portal may end the session earlier (its length is set by an administrator
    and not published), which the next refresh then discovers.
    """
    if session.refreshable and token.can_refresh(now) and token.registration_expires_at:
        return max(token.expires_at, token.registration_expires_at)
    return token.expires_at


# --- tokens ---------------------------------------------------------------


def usable_token(ctx: Context, session: SsoSession, endpoints: Endpoints) -> Token | None:
    """A token good for a call now: the cached one, refreshed first when it is
    inside the refresh window. None when only a login can help."""
    lock = ctx.lock_path(ctx.tokens.path(session).name)
    with files.locked(lock, timeout=30):
        # Re-read under the lock: another process may have refreshed meanwhile.
        token = ctx.tokens.load(session)
        now = ctx.now()
        if token is None:
            return None
        if token.expires_at - now > TOKEN_REFRESH_WINDOW:
            return token
        if session.refreshable and token.can_refresh(now):
            refreshed = _refresh(ctx, session, endpoints, token)
            if refreshed is not None:
                return refreshed
        return token if token.expires_at - now > TOKEN_MIN_VALID else None


def _refresh(ctx: Context, session: SsoSession, endpoints: Endpoints, token: Token) -> Token | None:
    client_id, client_secret = token.client_id or "", token.client_secret or ""
    try:
        grant = oidc.refresh_token(
            ctx.http, endpoints.oidc, client_id, client_secret, token.refresh_token or ""
        )
    except AwsApiError as error:
        # invalid_grant: the refresh token is spent or revoked (botocore keeps the
        # file untouched in this case, and so do we).
        log.info("refreshing the token of %s failed: %s", session.label, error.code)
        return None
    except NetworkError:
        if token.expires_at - ctx.now() > TOKEN_MIN_VALID:
            return None  # keep using the still-valid token, as botocore does
        raise
    refreshed = Token(
        access_token=grant.access_token,
        expires_at=ctx.now() + timedelta(seconds=grant.expires_in),
        start_url=session.start_url,
        region=session.region,
        # Persist exactly what came back: a rotated token replaces the spent one.
        refresh_token=grant.refresh_token,
        client_id=token.client_id,
        client_secret=token.client_secret,
        registration_expires_at=token.registration_expires_at,
    )
    ctx.tokens.save(session, refreshed)
    log.info("refreshed the SSO token of %s", session.label)
    return refreshed


def session_token(
    ctx: Context,
    session: SsoSession,
    endpoints: Endpoints,
    *,
    allow_login: bool,
    profile: str | None = None,
) -> Token:
    token = usable_token(ctx, session, endpoints)
    if token is not None:
        return token
    if not allow_login:
        raise login_required(session, profile)
    return login(ctx, session, endpoints, force=False)


def login_required(session: SsoSession, profile: str | None = None) -> LoginRequired:
    target = profile or (f"--sso-session {session.name}" if session.name else None)
    command = f"ssoenv login {target}" if target else "ssoenv login"
    return LoginRequired(
        f"no valid SSO session for {session.label} (not logged in, or expired)",
        hint=f"run `{command}`",
    )


def login(ctx: Context, session: SsoSession, endpoints: Endpoints, *, force: bool) -> Token:
    """Run the device login, one process at a time per session: a second caller
    waits, then uses the token the first one obtained."""
    name = ctx.tokens.path(session).name
    with files.locked(
        ctx.lock_path(f"login-{name}"),
        on_wait=lambda: ctx.on_wait(f"another ssoenv is logging in to {session.label}; waiting"),
    ):
        if not force:
            token = usable_token(ctx, session, endpoints)
            if token is not None:
                return token
        token = _device_login(ctx, session, endpoints)
        with files.locked(ctx.lock_path(name), timeout=30):
            ctx.tokens.save(session, token)
        return token


def _device_login(ctx: Context, session: SsoSession, endpoints: Endpoints) -> Token:
    registration = _registration(ctx, session, endpoints)
    authorization = oidc.start_device_authorization(
        ctx.http, endpoints.oidc, registration, session.start_url
    )
    ctx.on_device_code(authorization, session)
    grant = oidc.poll_for_token(
        ctx.http,
        endpoints.oidc,
        registration,
        authorization,
        monotonic=ctx.monotonic,
        sleep=ctx.sleep,
    )
    return Token(
        access_token=grant.access_token,
        expires_at=ctx.now() + timedelta(seconds=grant.expires_in),
        start_url=session.start_url,
        region=session.region,
        refresh_token=grant.refresh_token,
        client_id=registration.client_id,
        client_secret=registration.client_secret,
        registration_expires_at=registration.expires_at,
    )


def _registration(ctx: Context, session: SsoSession, endpoints: Endpoints) -> ClientRegistration:
    """Reuse a cached registration that suits the device flow, else register anew."""
    now = ctx.now()
    # sso-session logins ask for scopes so the service hands out refresh tokens.
    wanted = (session.scopes or DEFAULT_SCOPES) if session.refreshable else None
    cached = ctx.registrations.load(session)
    if (
        cached is not None
        and cached.expires_at - now >= REGISTRATION_MIN_VALID
        and "authorization_code" not in (cached.grant_types or ())
        and (wanted is None or bool(cached.scopes))
    ):
        return cached
    suffix = session.name if session.name is not None else str(int(now.timestamp()))
    registration = oidc.register_client(
        ctx.http, endpoints.oidc, client_name=f"ssoenv-{suffix}", now=now, scopes=wanted
    )
    ctx.registrations.save(session, registration)
    return registration


# --- role credentials -----------------------------------------------------


def credentials(ctx: Context, profile: SsoProfile, *, allow_login: bool) -> Credentials:
    """Role credentials with at least `refresh_window` left: from the cache, or
    fetched with the session's token. One fetch at a time per role."""
    cache = ctx.credential_cache
    with files.locked(ctx.lock_path(f"role-{cache.path(profile).name}"), timeout=60):
        token = session_token(
            ctx, profile.session, profile.endpoints, allow_login=allow_login, profile=profile.name
        )
        role = cache.load(profile)
        if role is None or role.expiration - ctx.now() <= ctx.refresh_window:
            role = _fetch_role(ctx, profile, token, allow_login=allow_login)
            cache.save(profile, role)
        return Credentials(
            role=role,
            session_expires=session_horizon(profile.session, token, ctx.now()),
            refreshable=profile.session.refreshable,
        )


def _fetch_role(
    ctx: Context, profile: SsoProfile, token: Token, *, allow_login: bool
) -> RoleCredentials:
    def fetch(access_token: str) -> RoleCredentials:
        return portal.get_role_credentials(
            ctx.http, profile.endpoints.portal, access_token, profile.account_id, profile.role_name
        )

    try:
        return fetch(token.access_token)
    except LoginRequired:
        # The portal no longer honours a token the cache thinks valid (a logout
        # elsewhere, or the session ended early): only a new login helps.
        if not allow_login:
            raise login_required(profile.session, profile.name) from None
    fresh = login(ctx, profile.session, profile.endpoints, force=True)
    return fetch(fresh.access_token)


# --- logout ---------------------------------------------------------------


@dataclass
class LogoutReport:
    sessions: list[str] = field(default_factory=list)
    credentials_removed: int = 0
    failures: list[str] = field(default_factory=list)


def logout(
    ctx: Context,
    endpoints_for_region: Callable[[str], Endpoints],
    session: SsoSession | None = None,
) -> LogoutReport:
    """End the named session, or every cached session (as `aws sso logout` does):
    portal Logout, then the token file and the role credentials go."""
    report = LogoutReport()
    tokens = ctx.tokens
    if session is not None:
        targets = [tokens.path(session)]
    else:
        targets = [path for path, _ in tokens.all_tokens()]
    for path in targets:
        with files.locked(ctx.lock_path(path.name), timeout=30):
            data = files.read_json(path)
            if data is not None:
                _end_remote_session(ctx, data, endpoints_for_region, report)
            if files.remove(path):
                start_url = data.get("startUrl") if data else None
                label = session.label if session else str(start_url or path.name)
                report.sessions.append(label)
    cache_key = session.cache_key if session is not None else None
    report.credentials_removed = ctx.credential_cache.delete_for_session(cache_key)
    if session is None:
        report.credentials_removed += _clear_cli_sso_credentials(ctx)
    return report


def _end_remote_session(
    ctx: Context,
    data: Mapping[str, object],
    endpoints_for_region: Callable[[str], Endpoints],
    report: LogoutReport,
) -> None:
    access, region = data.get("accessToken"), data.get("region")
    if not isinstance(access, str) or not isinstance(region, str):
        return
    try:
        portal.logout(ctx.http, endpoints_for_region(region).portal, access)
    except (AwsApiError, NetworkError, LoginRequired) as error:
        # As with `aws sso logout`: the local session ends whatever the portal says.
        report.failures.append(str(error))


def _clear_cli_sso_credentials(ctx: Context) -> int:
    """The AWS CLI's own SSO role-credential cache, cleared as `aws sso logout` does."""
    directory = paths.aws_cli_cache_dir(ctx.environ)
    removed = 0
    if directory.is_dir():
        for path in directory.glob("*.json"):
            data = files.read_json(path)
            if data is not None and data.get("ProviderType") == "sso":
                removed += files.remove(path)
    return removed
