"""The use cases: log in, get a usable SSO token (reusing or refreshing it),
get role credentials, log out. Decides reuse vs refresh vs login and holds the
locks that keep concurrent processes from racing. Never prints, never exits."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path

from ssoenv import files, oidc, paths, portal, verdicts
from ssoenv.cache import CredentialCache, RegistrationCache, TokenCache
from ssoenv.errors import AwsApiError, LoginFailed, LoginRequired, NetworkError, SsoenvError
from ssoenv.http import INTERACTIVE, HttpClient, HttpPolicy, policy_for
from ssoenv.log import Logger
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
from ssoenv.settings import LOGIN_WAIT_SECONDS, REFRESH_WINDOW_SECONDS, Settings
from ssoenv.values import frozen

TYPE_CHECKING = False  # True for type checkers; `typing` costs every `ssoenv use` ~5 ms
if TYPE_CHECKING:
    from typing import Literal

    LoginFlow = Literal["device", "pkce"]

log = Logger("ssoenv.engine")

# botocore refreshes an SSO token when less than 15 minutes remain
# (docs/protocol.md#token-reuse-and-refresh).
TOKEN_REFRESH_WINDOW = timedelta(minutes=15)
# Below this a token is not worth using for a call: it could expire in flight.
TOKEN_MIN_VALID = timedelta(minutes=1)
# The AWS CLI reuses a registration only while 15 minutes remain
# (docs/protocol.md#registration-reuse).
REGISTRATION_MIN_VALID = timedelta(minutes=15)
# How long a caller waits for another process's refresh of the same session (or
# its fetch of the same role's credentials) before giving up with one line.
LOCK_WAIT = 30.0
ROLE_LOCK_WAIT = 60.0
# How long the browser login waits for the browser: the AWS CLI's 10 minutes.
DEFAULT_LOGIN_TIMEOUT = 600.0


def _no_device_code(authorization: DeviceAuthorization, session: SsoSession) -> None:
    raise LoginRequired(f"a login is needed for {session.label}")


def _no_browser_login(url: str, session: SsoSession) -> None:
    raise LoginRequired(f"a login is needed for {session.label}")


def _device_flow(session: SsoSession) -> LoginFlow:
    return "device"


def _say_nothing(message: str) -> None:
    pass


@frozen
class Context:
    """The outside world, injected: settings, clocks, HTTP and the login prompt.
    Immutable: a command that needs other values builds its Context with them
    (runtime.context's arguments; values.replace in tests)."""

    settings: Settings  # the environment, read once; may hold credentials (never shown)
    now: Callable[[], datetime]
    monotonic: Callable[[], float]
    sleep: Callable[[float], None]
    on_device_code: Callable[[DeviceAuthorization, SsoSession], None] = _no_device_code
    # Shows (and opens) the /authorize URL of the PKCE login; must not block.
    on_authorize_url: Callable[[str, SsoSession], None] = _no_browser_login
    on_wait: Callable[[str], None] = _say_nothing
    # Asked only when a login starts. The CLI answers "pkce" where a browser on
    # this machine can finish the login; without one only the device flow works.
    choose_flow: Callable[[SsoSession], LoginFlow] = _device_flow
    login_timeout: float = DEFAULT_LOGIN_TIMEOUT  # seconds for the browser
    login_wait: float = LOGIN_WAIT_SECONDS  # seconds for another process's login
    policy: HttpPolicy = INTERACTIVE
    # Role credentials with less than this left are renewed.
    refresh_window: timedelta = timedelta(seconds=REFRESH_WINDOW_SECONDS)
    # A `monotonic()` time by which everything must be over, lock waits and
    # HTTP calls alike (the prompt hook's bound); None: each has its own.
    deadline: float | None = None
    # The longest wait for another process's refresh or fetch; None: the
    # defaults above. The prompt hook would rather retry than keep a prompt.
    max_lock_wait: float | None = None

    @cached_property
    def http(self) -> HttpClient:
        """One client for the whole command (made at the first call: `requests` is
        imported only then). Cached beside the fields, not a field: nothing changes."""
        return HttpClient(
            policy_for(self.policy, self.settings), sleep=self.sleep, deadline=self.deadline
        )

    @property
    def tokens(self) -> TokenCache:
        return TokenCache(paths.aws_sso_cache_dir(self.settings))

    @property
    def registrations(self) -> RegistrationCache:
        return RegistrationCache(paths.aws_sso_cache_dir(self.settings))

    @property
    def credential_cache(self) -> CredentialCache:
        return CredentialCache(paths.credentials_dir(self.settings))

    def lock_path(self, name: str) -> Path:
        return paths.locks_dir(self.settings) / f"{name}.lock"


@frozen
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
    with lock(ctx, ctx.tokens.path(session).name, LOCK_WAIT, f"the session {session.label}"):
        # Re-read under the lock: another process may have refreshed meanwhile.
        token = ctx.tokens.load(session)
        now = ctx.now()
        if token is None:
            return None
        if verdicts.load(ctx.settings, ctx.tokens.path(session), token).rejected_at is not None:
            # The portal refused this access token: its expiry no longer tells
            # anything. A refresh may still get a new one (when only the access
            # token was ended); otherwise only a login helps.
            return _refresh_rejected(ctx, session, endpoints, token, now)
        if token.expires_at - now > TOKEN_REFRESH_WINDOW:
            return token
        if session.refreshable and token.can_refresh(now):
            refreshed = _refresh(ctx, session, endpoints, token)
            if refreshed is not None:
                return refreshed
        return token if token.expires_at - now > TOKEN_MIN_VALID else None


def _refresh_rejected(
    ctx: Context, session: SsoSession, endpoints: Endpoints, token: Token, now: datetime
) -> Token | None:
    if not (session.refreshable and token.can_refresh(now)):
        return None
    if verdicts.load(ctx.settings, ctx.tokens.path(session), token).refresh_failed_at is not None:
        return None  # refused before: asking again would only cost a round trip
    try:
        return _refresh(ctx, session, endpoints, token)
    except NetworkError:
        return None  # the rejected token is of no use meanwhile


def reject(ctx: Context, session: SsoSession, token: Token) -> None:
    """Remember that the portal refused `token`: until a new token is cached, the
    session counts as ended (for `login`, `list` and `status` too)."""
    log.debug("the portal rejected the SSO token of %s", session.label)
    verdicts.reject(ctx.settings, ctx.tokens.path(session), token, ctx.now())


def _refresh(ctx: Context, session: SsoSession, endpoints: Endpoints, token: Token) -> Token | None:
    client_id, client_secret = token.client_id or "", token.client_secret or ""
    try:
        grant = oidc.refresh_token(
            ctx.http, endpoints.oidc, client_id, client_secret, token.refresh_token or ""
        )
    except AwsApiError as error:
        # invalid_grant: the refresh token is spent or revoked (botocore keeps the
        # file untouched in this case, and so do we: the failure goes to ssoenv's
        # own record, so that `status` stops calling the session refreshable).
        log.debug("refreshing the token of %s failed: %s", session.label, error.code)
        verdicts.refresh_failed(
            ctx.settings, ctx.tokens.path(session), token, ctx.now(), error.code
        )
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
    verdicts.clear(ctx.settings, ctx.tokens.path(session))
    log.debug("refreshed the SSO token of %s", session.label)
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


def login_required(
    session: SsoSession, profile: str | None = None, *, rejected: bool = False
) -> LoginRequired:
    target = profile or (f"--sso-session {session.name}" if session.name else None)
    command = f"ssoenv login {target}" if target else "ssoenv login"
    reason = (
        "the portal no longer accepts the SSO session of {} (ended on the server)"
        if rejected
        else "no valid SSO session for {} (not logged in, or expired)"
    )
    return LoginRequired(reason.format(session.label), hint=f"run `{command}`")


def login(
    ctx: Context,
    session: SsoSession,
    endpoints: Endpoints,
    *,
    force: bool,
    replacing: Token | None = None,
) -> Token:
    """Log in, one process at a time per session: a caller that finds another
    login under way waits for it (at most `ctx.login_wait` seconds), then uses
    the token it obtained. With `replacing` (a token the portal rejected), log in
    unless another process has already replaced that token meanwhile."""
    name = ctx.tokens.path(session).name
    with _login_lock(ctx, session, name):
        if not force or replacing is not None:
            token = usable_token(ctx, session, endpoints)
            if token is not None and (
                replacing is None or token.access_token != replacing.access_token
            ):
                return token
        # Legacy profiles always use the device flow, as `aws sso login` does.
        try:
            if session.refreshable and ctx.choose_flow(session) == "pkce":
                token = _browser_login(ctx, session, endpoints)
            else:
                token = _device_login(ctx, session, endpoints)
        except (AwsApiError, LoginRequired) as error:
            raise _forget_rejected_registration(ctx, session, error) from error
        with lock(ctx, name, LOCK_WAIT, f"the session {session.label}"):
            ctx.tokens.save(session, token)
            verdicts.clear(ctx.settings, ctx.tokens.path(session))
        return token


REJECTED_CLIENT = frozenset(
    {"InvalidClientException", "invalid_client", "UnauthorizedClientException"}
)


def _forget_rejected_registration(
    ctx: Context, session: SsoSession, error: AwsApiError | LoginRequired
) -> Exception:
    """A registration the service no longer accepts is deleted, so that the next
    login registers anew instead of failing the same way until it expires."""
    rejected = isinstance(error, oidc.RejectedClient) or (
        isinstance(error, AwsApiError) and error.code in REJECTED_CLIENT
    )
    if not rejected:
        return error
    files.remove(ctx.registrations.path(session))
    return oidc.RejectedClient(
        "IAM Identity Center no longer accepts this client registration",
        hint="run the login again; a new registration will be made",
    )


def _login_lock(ctx: Context, session: SsoSession, name: str) -> contextlib.ExitStack:
    """The per-session login lock, waited for at most `ctx.login_wait` seconds.

    Acquired here rather than in a `with` around the login, so that a
    TimeoutError raised by the login itself is never mistaken for this one.
    """
    wait = _span(ctx.login_wait)
    stack = contextlib.ExitStack()
    try:
        stack.enter_context(
            files.locked(
                ctx.lock_path(f"login-{name}"),
                timeout=ctx.login_wait,
                on_wait=lambda: ctx.on_wait(
                    f"another ssoenv is logging in to {session.label}; "
                    f"waiting for it (at most {wait})"
                ),
            )
        )
    except TimeoutError:
        raise LoginFailed(
            f"another ssoenv is still logging in to {session.label} after {wait}",
            hint="finish that login (its browser tab or code), "
            "or set SSOENV_LOGIN_WAIT to wait longer",
        ) from None
    return stack


class Busy(NetworkError):
    """Another ssoenv held a lock for longer than this process could wait: it is
    refreshing or fetching the same thing, and a later try will find the result."""


def lock(ctx: Context, name: str, timeout: float, what: str) -> contextlib.ExitStack:
    """A lock other ssoenv processes hold only for a refresh or a fetch, waited for
    at most `timeout` seconds (less when the context's deadline is nearer); then
    one clear line instead of a TimeoutError."""
    if ctx.max_lock_wait is not None:
        timeout = min(timeout, ctx.max_lock_wait)
    if ctx.deadline is not None:
        timeout = max(0.0, min(timeout, ctx.deadline - ctx.monotonic()))
    stack = contextlib.ExitStack()
    try:
        stack.enter_context(files.locked(ctx.lock_path(name), timeout=timeout))
    except TimeoutError:
        raise Busy(
            f"another ssoenv has been busy with {what} for {_span(timeout)}",
            hint="it may be waiting for a slow network; try again in a minute",
        ) from None
    return stack


def _span(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 120 else f"{seconds:g} s"


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
    return _issued_token(ctx, session, registration, grant)


def _browser_login(ctx: Context, session: SsoSession, endpoints: Endpoints) -> Token:
    """Authorization code with PKCE through a loopback listener
    (docs/protocol.md#browser-login-pkce-and-loopback)."""
    # Imported here: the prompt hook imports this module and never logs in.
    import shlex

    from ssoenv import loopback, pkce

    registration = _registration(ctx, session, endpoints, pkce_flow=True)
    request = pkce.new_request()
    # What the browser's page says to run if the login is refused or fails.
    retry = f"ssoenv login --sso-session {shlex.quote(session.name)}" if session.name else None
    with loopback.CallbackListener(request.state, retry=retry) as listener:
        redirect_uri = listener.redirect_uri
        url = pkce.authorize_url(
            endpoints.oidc,
            client_id=registration.client_id,
            redirect_uri=redirect_uri,
            state=request.state,
            challenge=request.challenge,
            scopes=session.scopes or DEFAULT_SCOPES,
        )
        ctx.on_authorize_url(url, session)
        code = listener.wait(ctx.login_timeout)
    grant = oidc.create_token_with_code(
        ctx.http,
        endpoints.oidc,
        registration,
        code=code,
        redirect_uri=redirect_uri,
        verifier=request.verifier,
    )
    return _issued_token(ctx, session, registration, grant)


def _issued_token(
    ctx: Context, session: SsoSession, registration: ClientRegistration, grant: oidc.TokenGrant
) -> Token:
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


def _registration(
    ctx: Context, session: SsoSession, endpoints: Endpoints, *, pkce_flow: bool = False
) -> ClientRegistration:
    """Reuse a cached registration that suits the flow, else register anew."""
    now = ctx.now()
    cached = ctx.registrations.load(session)
    if cached is not None and _reusable(cached, session, now, pkce_flow=pkce_flow):
        return cached
    suffix = session.name if session.name is not None else str(int(now.timestamp()))
    name = f"ssoenv-{suffix}"
    if pkce_flow:
        from ssoenv import pkce

        # As the AWS CLI registers for PKCE (docs/protocol.md#registerclient).
        registration = oidc.register_client(
            ctx.http,
            endpoints.oidc,
            client_name=name,
            now=now,
            scopes=session.scopes or DEFAULT_SCOPES,
            grant_types=pkce.PKCE_GRANT_TYPES,
            redirect_uris=(pkce.REGISTERED_REDIRECT_URI,),
            issuer_url=session.start_url,
        )
    else:
        registration = oidc.register_client(
            ctx.http, endpoints.oidc, client_name=name, now=now, scopes=_device_scopes(session)
        )
    ctx.registrations.save(session, registration)
    return registration


def _device_scopes(session: SsoSession) -> tuple[str, ...] | None:
    # sso-session logins ask for scopes so the service hands out refresh tokens.
    return (session.scopes or DEFAULT_SCOPES) if session.refreshable else None


def _reusable(
    cached: ClientRegistration, session: SsoSession, now: datetime, *, pkce_flow: bool
) -> bool:
    """The AWS CLI's reuse rule (docs/protocol.md#registration-reuse): at least 15 minutes left, and
    made for this flow (PKCE wants the authorization_code grant, the device flow not)."""
    if cached.expires_at - now < REGISTRATION_MIN_VALID:
        return False
    for_pkce = "authorization_code" in (cached.grant_types or ())
    if pkce_flow:
        return for_pkce
    return not for_pkce and (_device_scopes(session) is None or bool(cached.scopes))


# --- role credentials -----------------------------------------------------


def credentials(ctx: Context, profile: SsoProfile, *, allow_login: bool) -> Credentials:
    """Role credentials with at least `refresh_window` left: from the cache, or
    fetched with the session's token. One fetch at a time per role."""
    cache = ctx.credential_cache
    # The token first, outside the role lock: a login may take minutes in a browser,
    # and waiting for it is the login lock's job (bounded, with a message).
    token = session_token(
        ctx, profile.session, profile.endpoints, allow_login=allow_login, profile=profile.name
    )
    role_lock = f"role-{cache.path(profile).name}"
    with lock(ctx, role_lock, ROLE_LOCK_WAIT, f"the credentials of '{profile.name}'"):
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
        pass
    fresh = replacement(
        ctx,
        profile.session,
        profile.endpoints,
        token,
        allow_login=allow_login,
        profile=profile.name,
    )
    return fetch(fresh.access_token)


def replacement(
    ctx: Context,
    session: SsoSession,
    endpoints: Endpoints,
    rejected: Token,
    *,
    allow_login: bool,
    profile: str | None = None,
) -> Token:
    """A token to use instead of one the portal refused (a logout elsewhere, the
    session revoked or ended early). The refusal is remembered first, so that
    `login` logs in and `list`/`status` say so even if nothing below succeeds.
    A refresh is tried; then a login, where allowed; else one line naming it."""
    reject(ctx, session, rejected)
    token = usable_token(ctx, session, endpoints)
    if token is not None and token.access_token != rejected.access_token:
        return token  # refreshed, or another process logged in meanwhile
    if not allow_login:
        raise login_required(session, profile, rejected=True)
    return login(ctx, session, endpoints, force=True, replacing=rejected)


# --- logout ---------------------------------------------------------------


class LogoutReport:
    """What a logout did. `failures` are portal logouts that did not confirm (the
    local session ended anyway, as with `aws sso logout`); `problems` are items
    it could not finish, one line each: the logout was only partly done."""

    def __init__(self) -> None:
        self.sessions: list[str] = []
        self.credentials_removed = 0
        self.failures: list[str] = []
        self.problems: list[str] = []


def logout(
    ctx: Context,
    endpoints_for_region: Callable[[str], Endpoints],
    session: SsoSession | None = None,
) -> LogoutReport:
    """End the named session, or every cached session (as `aws sso logout` does):
    portal Logout, then the token file and the role credentials go.

    Every cache file is an item of its own: a damaged or foreign one is named in
    `report.problems` and the others are still logged out and removed."""
    report = LogoutReport()
    for path in _token_files(ctx, session, report):
        try:
            with lock(ctx, path.name, LOCK_WAIT, f"the session cached in {path.name}"):
                data = files.read_json(path)
                if data is not None:
                    _end_remote_session(ctx, path, data, endpoints_for_region, report)
                if files.remove(path):
                    start_url = data.get("startUrl") if data else None
                    label = session.label if session else str(start_url or path.name)
                    report.sessions.append(label)
        except (SsoenvError, OSError) as error:
            report.problems.append(_not_removed(path, error))
    cache_key = session.cache_key if session is not None else None
    report.credentials_removed = _remove_each(
        ctx.credential_cache.directory,
        lambda data: cache_key is None or (data is not None and data.get("Session") == cache_key),
        report,
    )
    if session is None:
        report.credentials_removed += _clear_cli_sso_credentials(ctx, report)
    return report


def _token_files(ctx: Context, session: SsoSession | None, report: LogoutReport) -> list[Path]:
    """The named session's token file, or every file of the cache holding a token
    (registrations are skipped); a file that cannot be read is a problem, not an end."""
    tokens = ctx.tokens
    if session is not None:
        return [tokens.path(session)]
    found: list[Path] = []
    for path in sorted(tokens.directory.glob("*.json")) if tokens.directory.is_dir() else []:
        try:
            data = files.read_json(path)
        except SsoenvError as error:  # e.g. a loose file of another user: left alone
            report.problems.append(_not_removed(path, error))
            continue
        if data is not None and isinstance(data.get("accessToken"), str):
            found.append(path)
    return found


def _end_remote_session(
    ctx: Context,
    path: Path,
    data: Mapping[str, object],
    endpoints_for_region: Callable[[str], Endpoints],
    report: LogoutReport,
) -> None:
    from ssoenv.endpoints import valid_region

    access, region = data.get("accessToken"), data.get("region")
    if not isinstance(access, str):
        return  # nothing the portal could end
    # The file is removed whatever happens here (its session ends on this machine);
    # a portal session that cannot be ended may live on until it expires, so the
    # logout is only partly done.
    if not isinstance(region, str) or not region or not valid_region(region):
        shown = (
            f"the invalid region '{region[:40]}'" if isinstance(region, str) else "no usable region"
        )
        report.problems.append(
            f"{path}: the cached token names {shown}, so its portal session was not ended "
            "(the file is removed)"
        )
        return
    try:
        endpoints = endpoints_for_region(region)
    except SsoenvError as error:
        report.problems.append(
            f"{path}: its portal session was not ended ({error.message}); the file is removed"
        )
        return
    try:
        portal.logout(ctx.http, endpoints.portal, access)
    except (AwsApiError, NetworkError, LoginRequired) as error:
        # As with `aws sso logout`: the local session ends whatever the portal says.
        report.failures.append(str(error))


def _clear_cli_sso_credentials(ctx: Context, report: LogoutReport) -> int:
    """The AWS CLI's own SSO role-credential cache, cleared as `aws sso logout` does."""
    return _remove_each(
        paths.aws_cli_cache_dir(ctx.settings),
        lambda data: data is not None and data.get("ProviderType") == "sso",
        report,
    )


def _remove_each(
    directory: Path, wanted: Callable[[dict[str, object] | None], bool], report: LogoutReport
) -> int:
    """Remove the JSON files of `directory` that `wanted` picks, file by file: one
    that cannot be read or removed is a problem, and the others still go."""
    removed = 0
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        try:
            if wanted(files.read_json(path)):
                removed += files.remove(path)
        except (SsoenvError, OSError) as error:
            report.problems.append(_not_removed(path, error))
    return removed


def _not_removed(path: Path, error: SsoenvError | OSError) -> str:
    reason = error.message if isinstance(error, SsoenvError) else error.strerror or "error"
    return f"{path} was not removed: {reason}"
