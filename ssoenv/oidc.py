"""Client of the SSO OIDC API: client registration, the device authorization
grant (RFC 8628), the authorization-code grant with PKCE (RFC 7636) and the
refresh-token grant. Time and sleep are injected so polling is tested without
sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from ssoenv.errors import AwsApiError, LoginFailed, LoginRequired
from ssoenv.http import HttpClient
from ssoenv.model import ClientRegistration, DeviceAuthorization
from ssoenv.values import frozen, secret

TYPE_CHECKING = False  # True for type checkers; `typing` costs every `ssoenv use` ~5 ms
if TYPE_CHECKING:
    from typing import Any

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"
CODE_GRANT = "authorization_code"
DEFAULT_INTERVAL = 5  # RFC 8628 §3.2: when the server gives no interval
SLOW_DOWN_STEP = 5  # RFC 8628 §3.5: every slow_down adds 5 seconds, for good
# Longer than any real token lives; a larger expiresIn is capped (a date must hold it).
MAX_EXPIRES_IN = 366 * 86400
# A person is waiting: polling less often than this makes no sense (and time.sleep
# cannot take just any number).
MAX_INTERVAL = 60


class RejectedClient(LoginRequired):
    """The service no longer accepts the client registration: register anew."""


@frozen
class TokenGrant:
    """What CreateToken answered."""

    access_token: str = secret()
    expires_in: int
    refresh_token: str | None = secret(default=None)


def register_client(
    http: HttpClient,
    base_url: str,
    *,
    client_name: str,
    now: datetime,
    scopes: tuple[str, ...] | None = None,
    grant_types: tuple[str, ...] | None = None,
    redirect_uris: tuple[str, ...] | None = None,
    issuer_url: str | None = None,
) -> ClientRegistration:
    body: dict[str, Any] = {"clientName": client_name, "clientType": "public"}
    if scopes:
        body["scopes"] = list(scopes)
    if grant_types:
        body["grantTypes"] = list(grant_types)
    if redirect_uris:
        body["redirectUris"] = list(redirect_uris)
    if issuer_url:
        body["issuerUrl"] = issuer_url
    answer = http.call("POST", f"{base_url}/client/register", body=body, operation="RegisterClient")
    return ClientRegistration(
        client_id=_text(answer, "clientId"),
        client_secret=_text(answer, "clientSecret"),
        expires_at=_epoch(answer.get("clientSecretExpiresAt")) or now + timedelta(days=1),
        scopes=scopes,
        grant_types=grant_types,
    )


def _epoch(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    try:
        return datetime.fromtimestamp(value, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None  # beyond what a date can hold: not a real answer


def start_device_authorization(
    http: HttpClient, base_url: str, registration: ClientRegistration, start_url: str
) -> DeviceAuthorization:
    answer = http.call(
        "POST",
        f"{base_url}/device_authorization",
        body={
            "clientId": registration.client_id,
            "clientSecret": registration.client_secret,
            "startUrl": start_url,
        },
        operation="StartDeviceAuthorization",
    )
    uri = _web_page(answer, "verificationUri")
    return DeviceAuthorization(
        device_code=_text(answer, "deviceCode"),
        user_code=_shown(answer, "userCode"),
        verification_uri=uri,
        verification_uri_complete=(
            _web_page(answer, "verificationUriComplete")
            if answer.get("verificationUriComplete")
            else uri
        ),
        expires_in=min(_int(answer, "expiresIn", 600), MAX_EXPIRES_IN),
        interval=min(_int(answer, "interval", DEFAULT_INTERVAL), MAX_INTERVAL),
    )


def create_token_with_device_code(
    http: HttpClient, base_url: str, registration: ClientRegistration, device_code: str
) -> TokenGrant:
    return _create_token(
        http,
        base_url,
        {
            "clientId": registration.client_id,
            "clientSecret": registration.client_secret,
            "grantType": DEVICE_GRANT,
            "deviceCode": device_code,
        },
    )


def poll_for_token(
    http: HttpClient,
    base_url: str,
    registration: ClientRegistration,
    authorization: DeviceAuthorization,
    *,
    monotonic: Callable[[], float],
    sleep: Callable[[float], None],
) -> TokenGrant:
    """Poll CreateToken until the user approves, honouring interval and slow_down.

    Stops on expired_token or access_denied from the service, and also at the
    authorization's own `expiresIn`, which the AWS CLI does not check.
    """
    interval = max(1, authorization.interval)
    deadline = monotonic() + authorization.expires_in
    while True:
        try:
            return create_token_with_device_code(
                http, base_url, registration, authorization.device_code
            )
        except AwsApiError as error:
            if error.code in ("AuthorizationPendingException", "authorization_pending"):
                pass
            elif error.code in ("SlowDownException", "slow_down"):
                interval += SLOW_DOWN_STEP
            else:
                raise _login_error(error) from error
        if monotonic() + interval > deadline:
            raise LoginFailed(
                "the login was not approved in time (the code expired)",
                hint="run the login again and approve it in the browser",
            )
        sleep(interval)


def create_token_with_code(
    http: HttpClient,
    base_url: str,
    registration: ClientRegistration,
    *,
    code: str,
    redirect_uri: str,
    verifier: str,
) -> TokenGrant:
    """The authorization-code grant: `redirectUri` exactly as sent to /authorize
    (with the port), and the PKCE verifier that proves this process asked."""
    try:
        return _create_token(
            http,
            base_url,
            {
                "clientId": registration.client_id,
                "clientSecret": registration.client_secret,
                "grantType": CODE_GRANT,
                "code": code,
                "redirectUri": redirect_uri,
                "codeVerifier": verifier,
            },
        )
    except AwsApiError as error:
        if error.code in ("InvalidGrantException", "invalid_grant"):
            raise LoginFailed(
                "IAM Identity Center did not accept the code from the browser",
                hint="run the login again",
            ) from error
        mapped = _login_error(error)
        if mapped is error:
            raise
        raise mapped from error


def refresh_token(
    http: HttpClient, base_url: str, client_id: str, client_secret: str, refresh: str
) -> TokenGrant:
    """The refresh-token grant, sent exactly as botocore sends it (no scope)."""
    return _create_token(
        http,
        base_url,
        {
            "clientId": client_id,
            "clientSecret": client_secret,
            "grantType": REFRESH_GRANT,
            "refreshToken": refresh,
        },
    )


def _create_token(http: HttpClient, base_url: str, body: dict[str, Any]) -> TokenGrant:
    answer = http.call("POST", f"{base_url}/token", body=body, operation="CreateToken")
    refresh = answer.get("refreshToken")
    return TokenGrant(
        access_token=_shown(answer, "accessToken"),  # travels in a header: visible ASCII
        expires_in=min(_int(answer, "expiresIn", 3600), MAX_EXPIRES_IN),
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
    )


def _login_error(error: AwsApiError) -> Exception:
    code = error.code
    if code in ("ExpiredTokenException", "expired_token"):
        return LoginFailed(
            "the login code expired before it was approved",
            hint="run the login again and approve it within the time shown",
        )
    if code in ("AccessDeniedException", "access_denied"):
        return LoginFailed("the login was denied in the browser", hint="run the login again")
    if code in ("InvalidClientException", "invalid_client", "UnauthorizedClientException"):
        return RejectedClient(
            "IAM Identity Center no longer accepts this client registration",
            hint="run the login again; a new registration will be made",
        )
    return error


def _text(answer: dict[str, Any], key: str) -> str:
    value = answer.get(key)
    if not isinstance(value, str) or not value:
        raise AwsApiError(
            "UnexpectedResponse", f"IAM Identity Center answered without a valid '{key}'"
        )
    return value


def _shown(answer: dict[str, Any], key: str) -> str:
    """A value shown to the user or sent in a header: visible ASCII, no spaces."""
    value = _text(answer, key)
    if not (value.isascii() and value.isprintable()) or " " in value:
        raise AwsApiError("UnexpectedResponse", f"IAM Identity Center sent an unusable '{key}'")
    return value


def _web_page(answer: dict[str, Any], key: str) -> str:
    """A URL a browser is sent to: http(s) only, never `file:`, `javascript:` and the like."""
    value = _shown(answer, key)
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("https", "http") or not parts.netloc:
        raise AwsApiError(
            "UnexpectedResponse", f"IAM Identity Center sent a '{key}' that is not a web page"
        )
    return value


def _int(answer: dict[str, Any], key: str, default: int) -> int:
    value = answer.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return default
    return value
