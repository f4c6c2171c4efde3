"""A local emulator of AWS IAM Identity Center, for tests, ``make demo`` and the benchmark.

One HTTP server speaks the real wire format of three APIs (see docs/protocol.md):

* SSO OIDC (botocore client ``sso-oidc``, rest-json): RegisterClient, StartDeviceAuthorization,
  CreateToken (device code, refresh token, and authorization code with PKCE), plus the browser's
  ``GET /authorize`` page of the PKCE login (docs/protocol.md#authorize-url), which redirects
  to the client's loopback listener (at once with ``auto_approve``, else after a click on its
  "Allow" link);
* the SSO portal (botocore client ``sso``, rest-json): GetRoleCredentials, ListAccounts,
  ListAccountRoles, Logout;
* STS (botocore client ``sts``, query protocol): AssumeRole and GetCallerIdentity, every call
  SigV4-verified against the secret of credentials the emulator issued (GetRoleCredentials,
  AssumeRole, or an IAM user's keys from add_user()); which roles a caller may assume is the
  explicit ``trust`` mapping (role ARN -> Trust: principals, ExternalId, MFA, maximum session);
* the console federation endpoint (``signin.aws.amazon.com/federation`` in reality, reached in
  tests through ``AWS_ENDPOINT_URL_SIGNIN``): ``Action=getSigninToken`` for credentials the
  emulator issued, and ``Action=login``, which redirects to the destination for a sign-in token
  it issued.

botocore's own clients work against it unchanged (``endpoint_url=emu.url``); that is how
tests/test_emulator.py proves the wire format. Where the real service's behaviour is
UNCONFIRMED the emulator is deliberately strict
(docs/protocol.md#what-the-emulator-is-strict-about): OAuth ``error`` codes on every OIDC
error, strict refresh-token rotation, refresh tokens only for scoped registrations, 403 "No
access" for unassigned roles, 404 for roles of an unknown account, small pages; STS and the
federation endpoint mark their own guesses UNCONFIRMED where they are made.

Standard library only. In-process::

    with Emulator() as emu:
        boto3.client("sso-oidc", region_name="us-east-1", endpoint_url=emu.url)

Standalone: ``python -m tests.emulator --port 0`` prints the URL on one line, then serves until
SIGTERM or SIGINT (``--role ARN`` and ``--trust JSON`` make roles assumable).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import collections
import contextlib
import datetime
import hashlib
import hmac
import html
import json
import re
import signal
import socket
import socketserver
import string
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import Message
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from secrets import choice, token_urlsafe
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, parse_qsl, quote, urlencode, urlsplit
from xml.sax.saxutils import escape

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
BEARER_HEADER = "x-amz-sso_bearer_token"
OIDC_ERROR_NAMESPACE = "http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"
PORTAL_ERROR_NAMESPACE = "http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"
PORTAL_TYPE_PREFIX = "com.amazonaws.switchboard.portal#"
STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"
SESSION_USER = "user@example.com"
STS_VERSION = "2011-06-15"
# In Trust.principals: any credentials the emulator issued (SSO, AssumeRole, IAM user keys).
ANY_ISSUED = "*"
# The one-time code every MFA device shows, unless Emulator.mfa_token_code says otherwise.
DEFAULT_MFA_TOKEN_CODE = "123456"
# AWS caps a session assumed by role chaining (a role session assuming a role; SSO permission
# set sessions are role sessions) at one hour, whatever the role's maximum.
CHAINED_SESSION_LIMIT = 3600
# SigV4: STS refuses a request signed more than 5 minutes before or after its own clock.
SIGNATURE_SKEW = 300
# A sign-in token is good for 15 minutes (IAM User Guide, "custom identity broker").
SIGNIN_TOKEN_TTL = 900
# The suffix IAM Identity Center gives the roles it creates for permission sets.
SSO_ROLE_SUFFIX = "0123456789abcdef"

# OIDC exception name -> (HTTP status, OAuth ``error`` code); docs/protocol.md#oidc-errors.
OIDC_ERRORS: dict[str, tuple[int, str]] = {
    "AuthorizationPendingException": (400, "authorization_pending"),
    "SlowDownException": (400, "slow_down"),
    "ExpiredTokenException": (400, "expired_token"),
    "AccessDeniedException": (400, "access_denied"),
    "InvalidGrantException": (400, "invalid_grant"),
    "InvalidClientException": (401, "invalid_client"),
    "UnauthorizedClientException": (400, "unauthorized_client"),
    "UnsupportedGrantTypeException": (400, "unsupported_grant_type"),
    "InvalidScopeException": (400, "invalid_scope"),
    "InvalidRequestException": (400, "invalid_request"),
    "InvalidClientMetadataException": (400, "invalid_client_metadata"),
    "InvalidRedirectUriException": (400, "invalid_redirect_uri"),
    "InternalServerException": (500, "server_error"),
}
_OIDC_NAME_BY_CODE = {code: name for name, (_, code) in OIDC_ERRORS.items()}

# Portal exception used by inject() when it is given a status but no code.
_PORTAL_NAME_BY_STATUS = {
    400: "InvalidRequestException",
    401: "UnauthorizedException",
    403: "ForbiddenException",
    404: "ResourceNotFoundException",
    429: "TooManyRequestsException",
}

# Every operation name that `calls` counts and inject() accepts.
OPERATIONS = frozenset(
    {
        "RegisterClient",
        "StartDeviceAuthorization",
        "CreateToken",
        "CreateToken:device_code",
        "CreateToken:refresh_token",
        "CreateToken:authorization_code",
        "Authorize",
        "AuthorizeDecision",
        "GetRoleCredentials",
        "ListAccounts",
        "ListAccountRoles",
        "Logout",
        "GetCallerIdentity",
        "AssumeRole",
        "GetSigninToken",
        "ConsoleLogin",
    }
)

# User codes avoid vowels and look-alike characters, so they never spell words or confuse.
_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
_KEY_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_KEY_ALPHABET = string.ascii_letters + string.digits + "+/"
_ROLE_NAMES = ("ReadOnly", "Admin", "PowerUser", "Billing", "Developer", "SecurityAudit")


@dataclass
class Account:
    """An AWS account assigned to the emulated user, with the permission sets (roles) in it."""

    account_id: str
    name: str
    email: str
    roles: list[str]


def default_accounts() -> list[Account]:
    """Two accounts, enough for every "pick an account" path and one forbidden role."""
    return [
        Account("111111111111", "dev", "dev@example.com", ["ReadOnly", "Admin"]),
        Account("222222222222", "prod", "prod@example.com", ["ReadOnly"]),
    ]


def make_org(n_accounts: int, roles_per_account: int) -> list[Account]:
    """A larger organisation: accounts "acct-0001"... each with the same roles.

    Ids are zero-padded ("000000000001"): real account ids may start with 0, so a client that
    handles them as integers breaks here instead of in production.
    """
    roles = [
        _ROLE_NAMES[i] if i < len(_ROLE_NAMES) else f"Role{i + 1:02d}"
        for i in range(roles_per_account)
    ]
    return [
        Account(f"{i:012d}", f"acct-{i:04d}", f"acct-{i:04d}@example.com", list(roles))
        for i in range(1, n_accounts + 1)
    ]


@dataclass(frozen=True)
class Trust:
    """Who may assume one role, and on what conditions: its trust policy, reduced to what
    clients can get wrong.

    ``principals`` are matched against the caller: the IAM ARN of its role
    (``sso_role_arn(...)`` for SSO credentials, the role ARN for AssumeRole credentials), the
    ARN of its session (``arn:aws:sts::…:assumed-role/ROLE/SESSION``), an IAM user's ARN,
    ``arn:aws:iam::ACCOUNT:root`` for any caller of that account, or ``ANY_ISSUED``.
    """

    principals: tuple[str, ...] = (ANY_ISSUED,)
    external_id: str | None = None  # the sts:ExternalId condition, when the role has one
    mfa: bool = False  # the aws:MultiFactorAuthPresent condition
    max_session_duration: int = 3600  # the role's MaxSessionDuration (3600..43200)


def sso_role_arn(account_id: str, role_name: str) -> str:
    """The IAM role behind a permission set, as a trust policy names it."""
    return (
        f"arn:aws:iam::{account_id}:role/aws-reserved/sso.amazonaws.com/"
        f"AWSReservedSSO_{role_name}_{SSO_ROLE_SUFFIX}"
    )


# --------------------------------------------------------------------------- state records


@dataclass
class _Client:
    """A RegisterClient registration."""

    client_id: str
    secret: str
    name: str
    scopes: list[str]
    grant_types: list[str]
    redirect_uris: list[str]
    issuer_url: str | None
    expires_at: float

    @property
    def gets_refresh_tokens(self) -> bool:
        # Only scoped (sso-session / PKCE) registrations get refresh tokens
        # (docs/protocol.md#what-the-emulator-is-strict-about).
        return bool(self.scopes) or "refresh_token" in self.grant_types


@dataclass
class _DeviceAuthorization:
    """A StartDeviceAuthorization and where the (emulated) user is with it."""

    device_code: str
    user_code: str
    client_id: str
    start_url: str
    expires_at: float
    interval: float
    state: str  # "pending", "approved", "denied" or "redeemed"
    pending_left: int = 0  # authorization_pending answers still owed before an approval shows
    polls: int = 0
    last_poll: float | None = None

    @property
    def is_pending(self) -> bool:
        return self.state == "pending" or (self.state == "approved" and self.pending_left > 0)


@dataclass
class _AuthorizeRequest:
    """A valid GET /authorize, waiting for the (emulated) user's decision."""

    client_id: str
    redirect_uri: str
    state: str
    challenge: str
    start_url: str


@dataclass
class _AuthCode:
    """An authorization code: single use, bound to its client, redirect URI and challenge."""

    client_id: str
    redirect_uri: str
    challenge: str
    start_url: str
    expires_at: float
    redeemed: bool = False


@dataclass
class _Session:
    """One login: every token issued from one device code and its refreshes.

    Logout ends the session, which invalidates all of its access and refresh tokens.
    """

    client_id: str
    start_url: str
    active: bool = True


@dataclass
class _AccessToken:
    session: _Session
    expires_at: float
    valid: bool = True


@dataclass
class _RefreshToken:
    session: _Session
    valid: bool = True


@dataclass
class _Credentials:
    """Credentials the emulator knows the secret of, and whose they are."""

    account_id: str
    secret_access_key: str
    session_token: str | None  # None: an IAM user's long-term key
    expires_at: float | None  # None: never
    arn: str  # what GetCallerIdentity answers
    user_id: str
    principal: str  # the IAM ARN a trust policy names: the role's, or the user's
    # Issued by AssumeRole to a role session: role chaining, which the federation endpoint
    # refuses a SessionDuration for.
    chained: bool = False

    @property
    def is_role_session(self) -> bool:
        return self.session_token is not None


@dataclass
class _SigninToken:
    """A getSigninToken answer and the credentials it was issued for."""

    access_key_id: str
    session_duration: int | None
    expires_at: float


@dataclass
class _Fault:
    """An error that inject() queued for the next requests of one operation."""

    status: int
    code: str
    message: str
    remaining: int


# --------------------------------------------------------------------------- HTTP plumbing


@dataclass
class _Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes
    request_id: str
    raw_query: str = ""  # as sent: SigV4 signs every parameter, repeated ones too


@dataclass
class _Response:
    status: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


class _Drop(Enum):
    """Injected faults that send no HTTP answer at all."""

    HANG = "hang"  # keep the connection open without answering until stop()
    CLOSE = "close"  # close the connection without answering
    TRICKLE = "trickle"  # answer 200 headers, then one body byte every 0.2 s until stop()


class _Fail(Exception):
    """Raised by handlers to answer an error; carries the ready-made response."""

    def __init__(self, response: _Response) -> None:
        super().__init__(response.status)
        self.response = response


def _json_response(payload: dict[str, Any], status: int = 200) -> _Response:
    return _Response(status, json.dumps(payload).encode())


def _oauth_code(name: str) -> str:
    """OAuth-style code for a name the table lacks: FooBarException -> foo_bar."""
    stem = name.removesuffix("Exception")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", stem).lower()


def _oidc_error(name: str, description: str, status: int = 0) -> _Response:
    """The OIDC error format: OAuth body plus the coral exception header
    (docs/protocol.md#oidc-errors)."""
    default_status, code = OIDC_ERRORS.get(name, (400, _oauth_code(name)))
    body = {"error": code, "error_description": description}
    response = _json_response(body, status or default_status)
    response.headers["x-amzn-ErrorType"] = f"{name}:{OIDC_ERROR_NAMESPACE}"
    return response


def _portal_error(status: int, name: str, message: str) -> _Response:
    """The portal error format: {"message", "__type"} plus the exception header
    (docs/protocol.md#portal-errors)."""
    response = _json_response({"message": message, "__type": PORTAL_TYPE_PREFIX + name}, status)
    response.headers["x-amzn-ErrorType"] = f"{name}:{PORTAL_ERROR_NAMESPACE}"
    return response


def _sts_error(status: int, code: str, message: str, request_id: str) -> _Response:
    """The STS (query protocol) XML error document."""
    kind = "Receiver" if status >= 500 else "Sender"
    body = (
        f'<ErrorResponse xmlns="{STS_XMLNS}">\n'
        f"  <Error>\n    <Type>{kind}</Type>\n    <Code>{escape(code)}</Code>\n"
        f"    <Message>{escape(message)}</Message>\n  </Error>\n"
        f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n"
    )
    return _Response(status, body.encode(), content_type="text/xml")


def _sts_fail(status: int, code: str, message: str, request: _Request) -> _Fail:
    return _Fail(_sts_error(status, code, message, request.request_id))


def _signin_error(title: str, text: str) -> _Response:
    """The federation endpoint's refusal: an HTML "HTTP Status 400" page, as AWS's knowledge
    center article "invalid-credentials-parameter" shows it for bad or role-chained
    credentials. UNCONFIRMED: the page for other mistakes (a bad SessionDuration or sign-in
    token, an unknown Action); the emulator answers them the same way."""
    return _html_page(400, f"HTTP Status 400 - {title}", text)


def _invalid_request(message: str) -> _Fail:
    return _Fail(_oidc_error("InvalidRequestException", message))


def _portal_unauthorized() -> _Fail:
    return _Fail(_portal_error(401, "UnauthorizedException", "Session token not found or invalid"))


def _json_body(request: _Request) -> dict[str, Any]:
    """The JSON object of an OIDC POST; anything else is an invalid request."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise _invalid_request("Request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _invalid_request("Request body must be a JSON object")
    return body


def _optional_str_list(body: dict[str, Any], key: str) -> list[str]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _invalid_request(f"{key} must be a list of strings")
    return list(value)


def _required_str(body: dict[str, Any], key: str) -> str:
    value = _str_field(body, key)
    if not value:
        raise _invalid_request(f"{key} is required")
    return value


def _str_field(body: dict[str, Any], key: str) -> str:
    """A string field of a JSON body, "" when absent or of another type (never a crash)."""
    value = body.get(key)
    return value if isinstance(value, str) else ""


def _random_key(prefix: str, length: int, alphabet: str) -> str:
    return prefix + "".join(choice(alphabet) for _ in range(length))


# --------------------------------------------------------------------------- the emulator


class Emulator:
    """IAM Identity Center on a loopback port. All public attributes can be changed at runtime."""

    def __init__(
        self,
        accounts: list[Account] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token_ttl: int = 3600,
        credential_ttl: int = 3600,
        registration_ttl: int = 90 * 86400,
        device_code_ttl: int = 600,
        interval: int = 1,
        auto_approve: bool = True,
        pending_polls: int = 0,
        page_size: int = 20,
        enforce_interval: bool = False,
        authorization_code_ttl: int = 300,
        trust: dict[str, Trust] | None = None,
        mfa_token_code: str = DEFAULT_MFA_TOKEN_CODE,
        signin_token_ttl: int = SIGNIN_TOKEN_TTL,
    ) -> None:
        self.accounts = list(accounts) if accounts is not None else default_accounts()
        self.host = host
        self.port = port
        self.token_ttl = token_ttl
        self.credential_ttl = credential_ttl
        self.registration_ttl = registration_ttl
        self.device_code_ttl = device_code_ttl
        self.interval = interval
        self.auto_approve = auto_approve
        self.pending_polls = pending_polls
        self.page_size = page_size
        # Off by default so that tests can poll back to back without sleeping.
        self.enforce_interval = enforce_interval
        self.authorization_code_ttl = authorization_code_ttl
        # Hostile-server tests: fields that GetRoleCredentials answers instead of the values
        # it issues (e.g. {"secretAccessKey": "$(id)"}). None: the normal answer.
        self.role_credentials_override: dict[str, Any] | None = None
        # Role ARN -> who may assume it; a role that is not here does not exist (AccessDenied,
        # as AWS answers for a role one may not assume).
        self.trust: dict[str, Trust] = dict(trust or {})
        for role_arn in self.trust:
            _role_arn_parts(role_arn)  # a mistyped ARN fails here, not as a puzzling AccessDenied
        self.mfa_token_code = mfa_token_code
        self.signin_token_ttl = signin_token_ttl
        self.url = ""
        self.calls: collections.Counter[str] = collections.Counter()
        # One lock around all state: handlers run on one thread per connection.
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._clients: dict[str, _Client] = {}
        self._device_authorizations: dict[str, _DeviceAuthorization] = {}
        self._device_codes_by_user_code: dict[str, str] = {}
        self._access_tokens: dict[str, _AccessToken] = {}
        self._refresh_tokens: dict[str, _RefreshToken] = {}
        self._credentials: dict[str, _Credentials] = {}  # by access key id
        self._assume_role_calls: list[dict[str, str | None]] = []
        self._signin_tokens: dict[str, _SigninToken] = {}
        self._console_logins: list[dict[str, str]] = []
        self._faults: dict[str, collections.deque[_Fault]] = collections.defaultdict(
            collections.deque
        )
        self._issued_secrets: set[str] = set()
        self._authorize_requests: dict[str, _AuthorizeRequest] = {}
        self._authorization_codes: dict[str, _AuthCode] = {}

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> Emulator:
        if self._server is not None:
            raise RuntimeError("emulator already started")
        self._stopping = threading.Event()
        server = _Server((self.host, self.port), self)
        self._server = server
        # Keep the port: a stop() then start() comes back at the same URL with the same state.
        self.port = server.server_address[1]
        shown_host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{shown_host}:{self.port}"
        # shutdown() waits for the serve loop's next wake-up: a short poll interval makes
        # stop() quick (tests start hundreds of emulators) for ~100 idle wake-ups a second.
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"sso-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        self._stopping.set()  # releases "hang" faults
        server.shutdown()
        server.close_connections()  # idle keep-alive connections must not outlive the server
        server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # ----------------------------------------------------------------- test controls

    def approve(self, user_code: str) -> None:
        """The user approves the device authorization showing `user_code`."""
        with self._lock:
            authorization = self._authorization_by_user_code(user_code)
            if authorization.state in ("pending", "approved"):
                authorization.state = "approved"
                authorization.pending_left = 0

    def deny(self, user_code: str) -> None:
        """The user denies it: the next CreateToken for it answers access_denied."""
        with self._lock:
            authorization = self._authorization_by_user_code(user_code)
            if authorization.state != "redeemed":
                authorization.state = "denied"

    def inject(
        self, operation: str, status: int, code: str, message: str = "", times: int = 1
    ) -> None:
        """Make the next `times` requests of `operation` fail.

        `code` is an exception name ("InternalServerException"; for OIDC an OAuth code such as
        "slow_down" works too), or one of the transport faults: "hang" (read the request, never
        answer until stop()), "close" (drop the connection unanswered), "trickle" (200 headers
        for a 1 MiB body, then one byte every 0.2 s until stop()), "html" (a text/html
        body, 502 unless `status` says otherwise). "CreateToken" matches every grant,
        "CreateToken:refresh_token" only that one.
        """
        if operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}; one of {sorted(OPERATIONS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults[operation].append(_Fault(status, code, message, times))

    def expire_access_tokens(self) -> None:
        """Every access token issued so far becomes invalid (401 at the portal)."""
        with self._lock:
            for token in self._access_tokens.values():
                token.valid = False

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token issued so far answers invalid_grant from now on."""
        with self._lock:
            for token in self._refresh_tokens.values():
                token.valid = False

    def secrets(self) -> set[str]:
        """Every secret value ever issued, for scanning output and files for leaks."""
        with self._lock:
            return set(self._issued_secrets)

    def registrations(self) -> list[dict[str, Any]]:
        """What each RegisterClient asked for (no secrets), oldest first."""
        with self._lock:
            return [
                {
                    "clientName": c.name,
                    "scopes": list(c.scopes),
                    "grantTypes": list(c.grant_types),
                    "redirectUris": list(c.redirect_uris),
                    "issuerUrl": c.issuer_url,
                }
                for c in self._clients.values()
            ]

    def add_user(self, account_id: str, name: str) -> tuple[str, str]:
        """An IAM user with a long-term key (a static-key profile's source): its
        (access key id, secret access key). Its AssumeRole calls are not role chaining."""
        with self._lock:
            access_key_id = _random_key("AKIA", 16, _KEY_ALPHABET)
            secret = self._issue(_random_key("", 40, _SECRET_KEY_ALPHABET))
            self._credentials[access_key_id] = _Credentials(
                account_id=account_id,
                secret_access_key=secret,
                session_token=None,
                expires_at=None,
                arn=f"arn:aws:iam::{account_id}:user/{name}",
                user_id=_unique_id("AIDA", f"{account_id}/user/{name}"),
                principal=f"arn:aws:iam::{account_id}:user/{name}",
            )
            return access_key_id, secret

    def assume_role_calls(self) -> list[dict[str, str | None]]:
        """What each AssumeRole asked for, oldest first, whatever its outcome (injected faults
        excepted): RoleArn, RoleSessionName, ExternalId, DurationSeconds, SerialNumber,
        TokenCode as sent (None when absent), the caller's AccessKeyId and the Region its
        signature is scoped to."""
        with self._lock:
            return [dict(call) for call in self._assume_role_calls]

    def signin_tokens(self) -> dict[str, dict[str, Any]]:
        """Every SigninToken issued -> AccessKeyId it was issued for, SessionDuration asked
        (None when absent), ExpiresAt (epoch seconds)."""
        with self._lock:
            return {
                token: {
                    "AccessKeyId": record.access_key_id,
                    "SessionDuration": record.session_duration,
                    "ExpiresAt": record.expires_at,
                }
                for token, record in self._signin_tokens.items()
            }

    def console_logins(self) -> list[dict[str, str]]:
        """Each Action=login that was redirected: its Issuer, Destination and SigninToken."""
        with self._lock:
            return [dict(login) for login in self._console_logins]

    def reset_counts(self) -> None:
        with self._lock:
            self.calls.clear()

    def _authorization_by_user_code(self, user_code: str) -> _DeviceAuthorization:
        device_code = self._device_codes_by_user_code.get(user_code)
        if device_code is None:
            raise KeyError(f"no device authorization with user code {user_code!r}")
        return self._device_authorizations[device_code]

    # ----------------------------------------------------------------- dispatch

    def _handle(self, request: _Request) -> _Response | _Drop:
        """Count the call, serve an injected fault if one is queued, else the operation."""
        route = _ROUTES.get((request.method, request.path))
        if route is None:
            message = f"No operation at {request.method} {request.path}"
            return _json_response({"message": message}, 404)
        with self._lock:
            operations = _operation_names(route.operation, request)
            self.calls.update(operations)
            fault = self._take_fault(operations)
            if fault is None:
                try:
                    return route.handler(self, request)
                except _Fail as failure:
                    return failure.response
        return _render_fault(fault, route.api, request.request_id)

    def _take_fault(self, operations: list[str]) -> _Fault | None:
        # The most specific name first: "CreateToken:refresh_token" before "CreateToken".
        for operation in reversed(operations):
            queue = self._faults.get(operation)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
                return fault
        return None

    def _issue(self, value: str) -> str:
        """Remember a secret value for secrets(), and return it."""
        self._issued_secrets.add(value)
        return value

    # ----------------------------------------------------------------- OIDC

    def _register_client(self, request: _Request) -> _Response:
        body = _json_body(request)
        name = _required_str(body, "clientName")
        if body.get("clientType") != "public":
            # The service only registers public clients (docs/protocol.md#registerclient).
            raise _Fail(_oidc_error("InvalidClientMetadataException", "Invalid client type"))
        issuer_url = body.get("issuerUrl")
        now = time.time()
        client = _Client(
            client_id=token_urlsafe(16),
            secret=self._issue(token_urlsafe(96)),
            name=name,
            scopes=_optional_str_list(body, "scopes"),
            grant_types=_optional_str_list(body, "grantTypes"),
            redirect_uris=_optional_str_list(body, "redirectUris"),
            issuer_url=issuer_url if isinstance(issuer_url, str) else None,
            expires_at=now + self.registration_ttl,
        )
        self._clients[client.client_id] = client
        return _json_response(
            {
                "clientId": client.client_id,
                "clientSecret": client.secret,
                "clientIdIssuedAt": int(now),
                "clientSecretExpiresAt": int(client.expires_at),
            }
        )

    def _authenticate_client(self, body: dict[str, Any]) -> _Client:
        """The registration named by clientId/clientSecret, if known, matching and unexpired."""
        client = self._clients.get(_str_field(body, "clientId"))
        if client is None or body.get("clientSecret") != client.secret:
            raise _Fail(_oidc_error("InvalidClientException", "Invalid client credentials"))
        if time.time() >= client.expires_at:
            raise _Fail(_oidc_error("InvalidClientException", "Client registration has expired"))
        return client

    def _start_device_authorization(self, request: _Request) -> _Response:
        body = _json_body(request)
        client = self._authenticate_client(body)
        start_url = _required_str(body, "startUrl")
        user_code = self._new_user_code()
        authorization = _DeviceAuthorization(
            device_code=self._issue(token_urlsafe(64)),
            user_code=user_code,
            client_id=client.client_id,
            start_url=start_url,
            expires_at=time.time() + self.device_code_ttl,
            interval=self.interval,
            # auto_approve: the user approves at once, but is seen only after pending_polls polls.
            state="approved" if self.auto_approve else "pending",
            pending_left=self.pending_polls if self.auto_approve else 0,
        )
        self._device_authorizations[authorization.device_code] = authorization
        self._device_codes_by_user_code[user_code] = authorization.device_code
        return _json_response(
            {
                "deviceCode": authorization.device_code,
                "userCode": user_code,
                "verificationUri": f"{self.url}/device",
                "verificationUriComplete": f"{self.url}/device?user_code={user_code}",
                "expiresIn": self.device_code_ttl,
                "interval": self.interval,
            }
        )

    def _new_user_code(self) -> str:
        while True:
            code = "-".join(
                "".join(choice(_USER_CODE_ALPHABET) for _ in range(4)) for _ in range(2)
            )
            if code not in self._device_codes_by_user_code:
                return code

    def _create_token(self, request: _Request) -> _Response:
        body = _json_body(request)
        grant_type = _required_str(body, "grantType")
        client = self._authenticate_client(body)
        grants: dict[str, Callable[[_Client, dict[str, Any]], _Response]] = {
            DEVICE_CODE_GRANT: self._grant_device_code,
            "refresh_token": self._grant_refresh_token,
            "authorization_code": self._grant_authorization_code,
        }
        grant = grants.get(grant_type)
        if grant is None:
            raise _Fail(_oidc_error("UnsupportedGrantTypeException", "Unsupported grant type"))
        return grant(client, body)

    def _grant_device_code(self, client: _Client, body: dict[str, Any]) -> _Response:
        authorization = self._device_authorizations.get(_str_field(body, "deviceCode"))
        if (
            authorization is None
            or authorization.client_id != client.client_id
            or authorization.state == "redeemed"  # a device code is single use
        ):
            raise _Fail(_oidc_error("InvalidGrantException", "Invalid device code provided"))
        now = time.time()
        if now >= authorization.expires_at:
            raise _Fail(_oidc_error("ExpiredTokenException", "Device code has expired"))
        if authorization.state == "denied":
            raise _Fail(_oidc_error("AccessDeniedException", "Access denied"))
        too_fast = self._record_poll(authorization, now)
        if authorization.is_pending:
            # RFC 8628: slow_down is a variant of authorization_pending, so only while pending.
            if too_fast:
                authorization.interval += 5  # RFC 8628 §3.5: the client must add 5 s for good
                raise _Fail(_oidc_error("SlowDownException", "Client is polling too fast"))
            authorization.pending_left = max(0, authorization.pending_left - 1)
            raise _Fail(
                _oidc_error("AuthorizationPendingException", "Authorization is still pending")
            )
        authorization.state = "redeemed"
        session = _Session(client.client_id, authorization.start_url)
        return self._issue_tokens(session, with_refresh_token=client.gets_refresh_tokens)

    def _record_poll(self, authorization: _DeviceAuthorization, now: float) -> bool:
        """Note a poll; say whether it came too fast (only when enforce_interval is on).

        The AWS CLI polls twice back to back at the start (docs/protocol.md#device-code-polling),
        so the first two polls are always fine, and "too fast" means under half the interval.
        """
        previous = authorization.last_poll
        authorization.polls += 1
        authorization.last_poll = now
        if not self.enforce_interval or previous is None or authorization.polls < 3:
            return False
        return now - previous < authorization.interval * 0.5

    def _grant_refresh_token(self, client: _Client, body: dict[str, Any]) -> _Response:
        record = self._refresh_tokens.get(_str_field(body, "refreshToken"))
        if (
            record is None
            or not record.valid
            or not record.session.active
            or record.session.client_id != client.client_id
        ):
            raise _Fail(_oidc_error("InvalidGrantException", "Invalid refresh token provided"))
        # Strict rotation (docs/protocol.md#what-the-emulator-is-strict-about): a refresh token
        # works once, so that two processes racing to refresh the same cached token are caught
        # by the tests.
        record.valid = False
        return self._issue_tokens(record.session, with_refresh_token=True)

    def _grant_authorization_code(self, client: _Client, body: dict[str, Any]) -> _Response:
        """The PKCE login's CreateToken (docs/protocol.md#createtoken): the code is single use and
        bound to its client and redirect URI, and the verifier must hash to the challenge sent to
        /authorize."""
        if "authorization_code" not in client.grant_types:
            # Device-flow registrations carry no grantTypes; they cannot use this grant.
            raise _Fail(
                _oidc_error(
                    "UnsupportedGrantTypeException",
                    "The client is not registered for the authorization_code grant",
                )
            )
        record = self._authorization_codes.get(_str_field(body, "code"))
        if record is None or record.client_id != client.client_id or record.redeemed:
            raise _Fail(_oidc_error("InvalidGrantException", "Invalid authorization code provided"))
        record.redeemed = True  # single use, even when the rest of the request is wrong
        if time.time() >= record.expires_at:
            raise _Fail(_oidc_error("ExpiredTokenException", "Authorization code has expired"))
        if _str_field(body, "redirectUri") != record.redirect_uri:
            raise _Fail(_oidc_error("InvalidGrantException", "Redirect URI does not match"))
        if not _verifier_matches(_str_field(body, "codeVerifier"), record.challenge):
            raise _Fail(_oidc_error("InvalidGrantException", "Code verifier does not match"))
        session = _Session(client.client_id, record.start_url)
        return self._issue_tokens(session, with_refresh_token=client.gets_refresh_tokens)

    # ----------------------------------------------------------------- the browser's pages

    def _authorize(self, request: _Request) -> _Response:
        """GET /authorize (docs/protocol.md#authorize-url). Errors that make the redirect URI
        untrustworthy are shown as a page; the others go back to the client's listener
        (RFC 6749 §4.1.2.1)."""
        query = request.query
        client = self._clients.get(query.get("client_id", ""))
        if client is None or time.time() >= client.expires_at:
            return _html_page(400, "Invalid client", "This client is unknown or has expired.")
        redirect_uri = query.get("redirect_uri", "")
        if not _redirect_uri_allowed(redirect_uri, client.redirect_uris):
            return _html_page(400, "Invalid redirect URI", "The redirect URI is not registered.")
        state = query.get("state", "")
        error = _authorize_error(client, query)
        if error is not None:
            return _redirect(redirect_uri, error=error, state=state)
        pending = _AuthorizeRequest(
            client.client_id,
            redirect_uri,
            state,
            query["code_challenge"],
            client.issuer_url or "",
        )
        if self.auto_approve:
            return self._approve(pending)
        request_id = token_urlsafe(12)
        self._authorize_requests[request_id] = pending
        links = "".join(
            f'<p><a id="{action}" href="/authorize/decision?request={request_id}'
            f'&amp;action={action}">{label}</a></p>'
            for action, label in (("approve", "Allow"), ("deny", "Deny"))
        )
        return _html_page(200, "Allow ssoenv to access your AWS accounts?", links, raw=True)

    def _authorize_decision(self, request: _Request) -> _Response:
        """The user clicked "Allow" or "Deny" on the /authorize page."""
        pending = self._authorize_requests.pop(request.query.get("request", ""), None)
        if pending is None:
            return _html_page(400, "Expired", "This sign-in request is unknown or was used.")
        if request.query.get("action") == "approve":
            return self._approve(pending)
        return _redirect(pending.redirect_uri, error="access_denied", state=pending.state)

    def _approve(self, pending: _AuthorizeRequest) -> _Response:
        code = self._issue(token_urlsafe(32))
        self._authorization_codes[code] = _AuthCode(
            client_id=pending.client_id,
            redirect_uri=pending.redirect_uri,
            challenge=pending.challenge,
            start_url=pending.start_url,
            expires_at=time.time() + self.authorization_code_ttl,
        )
        return _redirect(pending.redirect_uri, code=code, state=pending.state)

    def _issue_tokens(self, session: _Session, *, with_refresh_token: bool) -> _Response:
        access_token = self._issue("aoa" + token_urlsafe(96))
        self._access_tokens[access_token] = _AccessToken(session, time.time() + self.token_ttl)
        payload: dict[str, Any] = {
            "accessToken": access_token,
            "tokenType": "Bearer",
            "expiresIn": self.token_ttl,
        }
        if with_refresh_token:
            refresh_token = self._issue("aor" + token_urlsafe(96))
            self._refresh_tokens[refresh_token] = _RefreshToken(session)
            payload["refreshToken"] = refresh_token
        return _json_response(payload)

    # ----------------------------------------------------------------- portal

    def _authenticate_bearer(self, request: _Request) -> _AccessToken:
        token = self._access_tokens.get(request.headers.get(BEARER_HEADER) or "")
        if (
            token is None
            or not token.valid
            or not token.session.active
            or time.time() >= token.expires_at
        ):
            raise _portal_unauthorized()
        return token

    def _account(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.account_id == account_id), None)

    def _get_role_credentials(self, request: _Request) -> _Response:
        self._authenticate_bearer(request)
        role_name = request.query.get("role_name", "")
        account_id = request.query.get("account_id", "")
        if not role_name or not account_id:
            raise _Fail(
                _portal_error(400, "InvalidRequestException", "role_name and account_id required")
            )
        account = self._account(account_id)
        if account is None or role_name not in account.roles:
            raise _Fail(_portal_error(403, "ForbiddenException", "No access"))
        sso_role = f"AWSReservedSSO_{role_name}_{SSO_ROLE_SUFFIX}"
        expires_at = time.time() + self.credential_ttl
        access_key_id, credentials = self._issue_credentials(
            account_id=account_id,
            expires_at=expires_at,
            arn=f"arn:aws:sts::{account_id}:assumed-role/{sso_role}/{SESSION_USER}",
            user_id=f"{_role_unique_id(account_id, role_name)}:{SESSION_USER}",
            principal=sso_role_arn(account_id, role_name),
        )
        answer = {
            "accessKeyId": access_key_id,
            "secretAccessKey": credentials.secret_access_key,
            "sessionToken": credentials.session_token,
            # Epoch MILLISECONDS (docs/protocol.md#getrolecredentials); botocore divides by 1000.
            "expiration": int(expires_at * 1000),
        }
        answer.update(self.role_credentials_override or {})
        return _json_response({"roleCredentials": answer})

    def _page_bounds(self, request: _Request, scope: str, total: int) -> tuple[int, int]:
        """(start, end) of the page asked for; small pages so pagination is always exercised."""
        limit = max(1, self.page_size)
        raw_limit = request.query.get("max_result")
        if raw_limit is not None:
            if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 100:
                raise _Fail(
                    _portal_error(400, "InvalidRequestException", "max_result must be 1 to 100")
                )
            limit = min(limit, int(raw_limit))
        start = _decode_page_token(request.query.get("next_token"), scope)
        return start, min(start + limit, total)

    def _list_accounts(self, request: _Request) -> _Response:
        self._authenticate_bearer(request)
        start, end = self._page_bounds(request, "accounts", len(self.accounts))
        payload: dict[str, Any] = {
            "accountList": [
                {"accountId": a.account_id, "accountName": a.name, "emailAddress": a.email}
                for a in self.accounts[start:end]
            ]
        }
        if end < len(self.accounts):
            payload["nextToken"] = _encode_page_token("accounts", end)
        return _json_response(payload)

    def _list_account_roles(self, request: _Request) -> _Response:
        self._authenticate_bearer(request)
        account_id = request.query.get("account_id", "")
        account = self._account(account_id)
        if account is None:
            raise _Fail(_portal_error(404, "ResourceNotFoundException", "Account not found"))
        scope = f"roles:{account_id}"
        start, end = self._page_bounds(request, scope, len(account.roles))
        payload: dict[str, Any] = {
            "roleList": [
                {"roleName": role, "accountId": account_id} for role in account.roles[start:end]
            ]
        }
        if end < len(account.roles):
            payload["nextToken"] = _encode_page_token(scope, end)
        return _json_response(payload)

    def _logout(self, request: _Request) -> _Response:
        raw_token = request.headers.get(BEARER_HEADER)
        if not raw_token:
            raise _portal_unauthorized()
        # An unknown or already logged-out token still answers 200: logout is idempotent.
        token = self._access_tokens.get(raw_token)
        if token is not None:
            token.session.active = False  # ends every access and refresh token of the login
        return _Response(200, content_type=None)

    # ----------------------------------------------------------------- STS

    def _issue_credentials(
        self,
        *,
        account_id: str,
        expires_at: float,
        arn: str,
        user_id: str,
        principal: str,
        chained: bool = False,
    ) -> tuple[str, _Credentials]:
        """New temporary credentials, remembered with their secret so that what is signed with
        them can be verified."""
        access_key_id = _random_key("ASIA", 16, _KEY_ALPHABET)
        credentials = _Credentials(
            account_id=account_id,
            secret_access_key=self._issue(_random_key("", 40, _SECRET_KEY_ALPHABET)),
            session_token=self._issue("IQoJb3JpZ2luX2Vj" + token_urlsafe(240)),
            expires_at=expires_at,
            arn=arn,
            user_id=user_id,
            principal=principal,
            chained=chained,
        )
        self._credentials[access_key_id] = credentials
        return access_key_id, credentials

    def expire_credentials(self) -> None:
        """Every temporary credential issued so far expires now (ExpiredToken from STS)."""
        with self._lock:
            now = time.time()
            for credentials in self._credentials.values():
                if credentials.expires_at is not None:
                    credentials.expires_at = min(credentials.expires_at, now)

    def _sts(self, request: _Request) -> _Response:
        """POST / (query protocol): the caller is authenticated first, then the Action runs."""
        params = _form_params(request)
        action = params.get("Action", "")
        if action == "AssumeRole":
            self._record_assume_role(request, params)
        caller = self._authenticate_sigv4(request)
        handler = _STS_ACTIONS.get(action)
        version = params.get("Version")
        if handler is None or version != STS_VERSION:
            # STS's answer for an unknown operation or version; UNCONFIRMED for a missing one.
            message = (
                f"Could not find operation {action} for version {version or 'NO_VERSION_SPECIFIED'}"
            )
            raise _sts_fail(400, "InvalidAction", message, request)
        return handler(self, request, params, caller)

    def _record_assume_role(self, request: _Request, params: dict[str, str]) -> None:
        scope = _CREDENTIAL_SCOPE.search(request.headers.get("Authorization") or "")
        call: dict[str, str | None] = {name: params.get(name) for name in _ASSUME_ROLE_PARAMETERS}
        call["AccessKeyId"] = scope.group(1) if scope else None
        call["Region"] = scope.group(3) if scope else None
        self._assume_role_calls.append(call)

    def _authenticate_sigv4(self, request: _Request) -> _Credentials:
        """The credentials a request is signed with, once its signature verifies.

        The emulator knows the secret of every credential it issued: it recomputes the AWS
        Signature Version 4 of the request (canonical request, string to sign, signing key) and
        compares it with the one sent, in constant time. Checked in this order: a known key id
        with its own session token (InvalidClientTokenId), unexpired (ExpiredToken, 403 as STS
        answers it), then the signature (SignatureDoesNotMatch).
        """
        authorization = request.headers.get("Authorization") or ""
        if not authorization:
            message = "Request is missing Authentication Token"
            raise _sts_fail(403, "MissingAuthenticationToken", message, request)
        fields = _authorization_fields(authorization)
        scope = fields["Credential"].split("/") if fields else []
        if fields is None or len(scope) != 5 or scope[4] != "aws4_request":
            # UNCONFIRMED wording; the code and status are AWS's for a malformed Authorization.
            message = (
                "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
                "parameters, and a Credential of the form KEY/DATE/REGION/SERVICE/aws4_request."
            )
            raise _sts_fail(400, "IncompleteSignature", message, request)
        key_id, date, _, service, _ = scope
        credentials = self._credentials.get(key_id)
        if (
            credentials is None
            or request.headers.get("X-Amz-Security-Token") != credentials.session_token
        ):
            message = "The security token included in the request is invalid."
            raise _sts_fail(403, "InvalidClientTokenId", message, request)
        now = time.time()
        if credentials.expires_at is not None and now >= credentials.expires_at:
            message = "The security token included in the request is expired"
            raise _sts_fail(403, "ExpiredToken", message, request)
        amz_date = request.headers.get("X-Amz-Date") or ""
        signed_at = _parse_amz_date(amz_date)
        if signed_at is None:
            message = "Authorization header requires existence of a valid 'X-Amz-Date' header."
            raise _sts_fail(400, "IncompleteSignature", message, request)
        problem = _signature_scope_problem(date, service, amz_date, signed_at, now)
        if problem is None:
            expected = _sigv4_signature(
                request, fields["SignedHeaders"], amz_date, scope, credentials.secret_access_key
            )
            if not hmac.compare_digest(expected.encode(), fields["Signature"].encode()):
                problem = (
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your AWS Secret Access Key and signing method. Consult the "
                    "service documentation for details."
                )
        if problem is not None:
            raise _sts_fail(403, "SignatureDoesNotMatch", problem, request)
        return credentials

    def _get_caller_identity(
        self, request: _Request, params: dict[str, str], caller: _Credentials
    ) -> _Response:
        body = (
            f'<GetCallerIdentityResponse xmlns="{STS_XMLNS}">\n'
            f"  <GetCallerIdentityResult>\n"
            f"    <Arn>{escape(caller.arn)}</Arn>\n"
            f"    <UserId>{escape(caller.user_id)}</UserId>\n"
            f"    <Account>{escape(caller.account_id)}</Account>\n"
            f"  </GetCallerIdentityResult>\n"
            f"  <ResponseMetadata>\n    <RequestId>{request.request_id}</RequestId>\n"
            f"  </ResponseMetadata>\n</GetCallerIdentityResponse>\n"
        )
        return _Response(200, body.encode(), content_type="text/xml")

    def _assume_role(
        self, request: _Request, params: dict[str, str], caller: _Credentials
    ) -> _Response:
        errors = _assume_role_validation_errors(params)
        if errors:
            count = f"{len(errors)} validation error{'s' if len(errors) > 1 else ''}"
            message = f"{count} detected: {'; '.join(errors)}"
            raise _sts_fail(400, "ValidationError", message, request)
        role_arn, session_name = params["RoleArn"], params["RoleSessionName"]
        self._authorize_assume_role(request, params, caller)
        trust = self.trust[role_arn]
        duration = int(params.get("DurationSeconds") or 3600)
        # A role session (SSO or AssumeRole credentials) assuming a role is role chaining.
        chained = caller.is_role_session
        if chained and duration > CHAINED_SESSION_LIMIT:
            message = (
                "The requested DurationSeconds exceeds the 1 hour session limit for roles "
                "assumed by role chaining."
            )
            raise _sts_fail(400, "ValidationError", message, request)
        if duration > trust.max_session_duration:
            message = (
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
            )
            raise _sts_fail(400, "ValidationError", message, request)
        partition, account_id, role_name = _role_arn_parts(role_arn)
        # Whole seconds: the Expiration answered is exactly when the emulator expires them.
        expires_at = float(int(time.time()) + duration)
        access_key_id, credentials = self._issue_credentials(
            account_id=account_id,
            expires_at=expires_at,
            arn=f"arn:{partition}:sts::{account_id}:assumed-role/{role_name}/{session_name}",
            user_id=f"{_unique_id('AROA', role_arn)}:{session_name}",
            principal=role_arn,
            chained=chained,
        )
        expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires_at))
        body = (
            f'<AssumeRoleResponse xmlns="{STS_XMLNS}">\n'
            "  <AssumeRoleResult>\n"
            "    <AssumedRoleUser>\n"
            f"      <AssumedRoleId>{escape(credentials.user_id)}</AssumedRoleId>\n"
            f"      <Arn>{escape(credentials.arn)}</Arn>\n"
            "    </AssumedRoleUser>\n"
            "    <Credentials>\n"
            f"      <AccessKeyId>{access_key_id}</AccessKeyId>\n"
            f"      <SecretAccessKey>{escape(credentials.secret_access_key)}</SecretAccessKey>\n"
            f"      <SessionToken>{escape(credentials.session_token or '')}</SessionToken>\n"
            f"      <Expiration>{expiration}</Expiration>\n"
            "    </Credentials>\n"
            "  </AssumeRoleResult>\n"
            f"  <ResponseMetadata>\n    <RequestId>{request.request_id}</RequestId>\n"
            "  </ResponseMetadata>\n</AssumeRoleResponse>\n"
        )
        return _Response(200, body.encode(), content_type="text/xml")

    def _authorize_assume_role(
        self, request: _Request, params: dict[str, str], caller: _Credentials
    ) -> None:
        """The role's trust policy: AccessDenied, with AWS's message, unless it lets the caller
        in. A role that does not exist is refused the same way, as AWS does."""
        role_arn = params["RoleArn"]
        trust = self.trust.get(role_arn)
        denied = (
            f"User: {caller.arn} is not authorized to perform: sts:AssumeRole "
            f"on resource: {role_arn}"
        )
        if (
            trust is None
            or not _trusts(trust, caller)
            or (trust.external_id is not None and params.get("ExternalId") != trust.external_id)
        ):
            raise _sts_fail(403, "AccessDenied", denied, request)
        if params.get("SerialNumber") is not None:
            # A code is checked whenever a device is named, whether or not the role needs MFA.
            if params.get("TokenCode") != self.mfa_token_code:
                message = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
                raise _sts_fail(403, "AccessDenied", message, request)
        elif trust.mfa:
            raise _sts_fail(403, "AccessDenied", denied, request)

    # ----------------------------------------------------------------- console federation

    def _federation(self, request: _Request) -> _Response:
        """GET (or POST) /federation: the Action decides."""
        params = _form_params(request)
        action = params.get("Action", "")
        if action == "getSigninToken":
            return self._get_signin_token(params)
        if action == "login":
            return self._console_login(params)
        return _signin_error("Invalid Action parameter", f"Unknown Action {action!r}.")

    def _get_signin_token(self, params: dict[str, str]) -> _Response:
        """A SigninToken for temporary credentials the emulator issued and that have not
        expired. SessionDuration (900..43200) is refused for role-chained credentials, as AWS
        refuses it (knowledge center "invalid-credentials-parameter")."""
        bad_credentials = _signin_error(
            "Invalid credentials parameter",
            "The request sent by the client was syntactically incorrect.",
        )
        found = self._signin_credentials(params.get("Session", ""))
        if found is None:
            return bad_credentials
        access_key_id, credentials = found
        raw_duration = params.get("SessionDuration")
        duration: int | None = None
        if raw_duration is not None:
            if not raw_duration.isdigit() or not 900 <= int(raw_duration) <= 43200:
                # UNCONFIRMED: AWS's answer for an out-of-range SessionDuration.
                return _signin_error(
                    "Invalid SessionDuration parameter",
                    "SessionDuration must be a number of seconds from 900 to 43200.",
                )
            if credentials.chained:
                return bad_credentials
            duration = int(raw_duration)
        token = self._issue(token_urlsafe(384))
        self._signin_tokens[token] = _SigninToken(
            access_key_id, duration, time.time() + self.signin_token_ttl
        )
        return _json_response({"SigninToken": token})

    def _signin_credentials(self, session: str) -> tuple[str, _Credentials] | None:
        """The credentials named by a getSigninToken Session parameter, if every part matches
        temporary credentials the emulator issued that have not expired. UNCONFIRMED: that
        expired credentials get the same answer as wrong ones."""
        try:
            fields = json.loads(session)
        except ValueError:
            return None
        if not isinstance(fields, dict):
            return None
        key_id, secret, token = (
            fields.get(name) for name in ("sessionId", "sessionKey", "sessionToken")
        )
        if not (isinstance(key_id, str) and isinstance(secret, str) and isinstance(token, str)):
            return None
        credentials = self._credentials.get(key_id)
        if (
            credentials is None
            or credentials.session_token is None  # long-term keys need GetFederationToken first
            or credentials.expires_at is None
            or time.time() >= credentials.expires_at
            or not hmac.compare_digest(secret.encode(), credentials.secret_access_key.encode())
            or not hmac.compare_digest(token.encode(), credentials.session_token.encode())
        ):
            return None
        return key_id, credentials

    def _console_login(self, params: dict[str, str]) -> _Response:
        """The sign-in URL: a 302 to Destination for an unexpired SigninToken the emulator
        issued. UNCONFIRMED: AWS's page for a bad token or destination (the emulator answers
        its 400 page)."""
        token = params.get("SigninToken", "")
        record = self._signin_tokens.get(token)
        if record is None or time.time() >= record.expires_at:
            return _signin_error("Invalid SigninToken parameter", "The sign-in token is invalid.")
        destination = params.get("Destination", "")
        parts = urlsplit(destination)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            return _signin_error("Invalid Destination parameter", "Destination is not a URL.")
        self._console_logins.append(
            {"Issuer": params.get("Issuer", ""), "Destination": destination, "SigninToken": token}
        )
        return _Response(302, b"", content_type=None, headers={"Location": destination})


def _unique_id(prefix: str, name: str) -> str:
    """A stable IAM unique id (prefix + 17 characters: "AROA…" for roles, "AIDA…" for users)."""
    digest = hashlib.sha256(name.encode()).digest()
    return prefix + base64.b32encode(digest).decode()[:17]


def _role_unique_id(account_id: str, role_name: str) -> str:
    """The stable id of an SSO permission set's role."""
    return _unique_id("AROA", f"{account_id}/{role_name}")


_StsHandler = Callable[[Emulator, _Request, dict[str, str], _Credentials], _Response]
_STS_ACTIONS: dict[str, _StsHandler] = {
    "GetCallerIdentity": Emulator._get_caller_identity,
    "AssumeRole": Emulator._assume_role,
}
# Federation Action -> the operation name `calls` counts and inject() takes.
_SIGNIN_OPERATIONS = {"getSigninToken": "GetSigninToken", "login": "ConsoleLogin"}
_ASSUME_ROLE_PARAMETERS = (
    "RoleArn",
    "RoleSessionName",
    "ExternalId",
    "DurationSeconds",
    "SerialNumber",
    "TokenCode",
)
_CREDENTIAL_SCOPE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/")
_ROLE_ARN = re.compile(r"^arn:(aws[\w-]*):iam::(\d{12}):role/(?:[^/]+/)*([\w+=,.@-]+)$", re.ASCII)
# AssumeRole's string members: (parameter, name in messages, required, min, max length, pattern),
# from the STS API reference. Patterns use Java's ASCII \w.
_ASSUME_ROLE_STRINGS: tuple[tuple[str, str, bool, int, int, str | None], ...] = (
    ("RoleArn", "roleArn", True, 20, 2048, None),
    ("RoleSessionName", "roleSessionName", True, 2, 64, r"[\w+=,.@-]*"),
    ("ExternalId", "externalId", False, 2, 1224, r"[\w+=,.@:\/-]*"),
    ("SerialNumber", "serialNumber", False, 9, 256, r"[\w+=/:,.@-]*"),
    ("TokenCode", "tokenCode", False, 6, 6, r"[\d]*"),
)


def _form_params(request: _Request) -> dict[str, str]:
    """Query API parameters: the URL's, then the form body's (the last of a repeated one wins)."""
    params = dict(request.query)
    params.update(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    return params


def _assume_role_validation_errors(params: dict[str, str]) -> list[str]:
    """STS's "Value … at '…' failed to satisfy constraint: …" for each broken constraint."""
    errors: list[str] = []
    for name, member, required, shortest, longest, pattern in _ASSUME_ROLE_STRINGS:
        value = params.get(name)
        if value is None:
            if required:
                errors.append(
                    f"Value null at '{member}' failed to satisfy constraint: "
                    "Member must not be null"
                )
            continue
        errors.extend(
            f"Value '{value}' at '{member}' failed to satisfy constraint: {rule}"
            for rule in _broken_string_rules(value, shortest, longest, pattern)
        )
    duration = params.get("DurationSeconds")
    if duration is not None:
        prefix = f"Value '{duration}' at 'durationSeconds' failed to satisfy constraint:"
        if not duration.isdigit():
            errors.append(f"{prefix} Member must be a number")  # UNCONFIRMED wording
        elif int(duration) < 900:
            errors.append(f"{prefix} Member must have value greater than or equal to 900")
        elif int(duration) > 43200:
            errors.append(f"{prefix} Member must have value less than or equal to 43200")
    return errors


def _broken_string_rules(value: str, shortest: int, longest: int, pattern: str | None) -> list[str]:
    broken = []
    if len(value) < shortest:
        broken.append(f"Member must have length greater than or equal to {shortest}")
    if len(value) > longest:
        broken.append(f"Member must have length less than or equal to {longest}")
    if pattern is not None and not re.fullmatch(pattern, value, re.ASCII):
        broken.append(f"Member must satisfy regular expression pattern: {pattern}")
    return broken


def _role_arn_parts(role_arn: str) -> tuple[str, str, str]:
    """(partition, account id, role name without its path) of a role ARN in the trust mapping."""
    match = _ROLE_ARN.match(role_arn)
    if match is None:
        raise ValueError(f"not a role ARN: {role_arn!r} (arn:aws:iam::ACCOUNT:role/NAME)")
    return match.group(1), match.group(2), match.group(3)


def _trusts(trust: Trust, caller: _Credentials) -> bool:
    if ANY_ISSUED in trust.principals:
        return True
    partition = caller.principal.split(":")[1]
    names = {caller.principal, caller.arn, f"arn:{partition}:iam::{caller.account_id}:root"}
    return any(principal in names for principal in trust.principals)


def _authorization_fields(authorization: str) -> dict[str, str] | None:
    """Credential, SignedHeaders and Signature of an AWS4-HMAC-SHA256 Authorization header."""
    algorithm, _, rest = authorization.partition(" ")
    if algorithm != "AWS4-HMAC-SHA256":
        return None
    fields: dict[str, str] = {}
    for item in rest.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            return None
        fields[name] = value
    if set(fields) != {"Credential", "SignedHeaders", "Signature"}:
        return None
    return fields


def _parse_amz_date(value: str) -> float | None:
    try:
        parsed = datetime.datetime.strptime(value, "%Y%m%dT%H%M%SZ")
    except ValueError:
        return None
    return parsed.replace(tzinfo=datetime.timezone.utc).timestamp()


def _amz_date(epoch: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


def _signature_scope_problem(
    date: str, service: str, amz_date: str, signed_at: float, now: float
) -> str | None:
    """STS's SignatureDoesNotMatch message for a scope or time that cannot verify, or None."""
    if service != "sts":
        return "Credential should be scoped to correct service: 'sts'. "
    if date != amz_date[:8]:
        return (
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{date}' != '{amz_date[:8]}', from '{amz_date}'."
        )
    if signed_at < now - SIGNATURE_SKEW:
        return (
            f"Signature expired: {amz_date} is now earlier than "
            f"{_amz_date(now - SIGNATURE_SKEW)} ({_amz_date(now)} - 5 min.)"
        )
    if signed_at > now + SIGNATURE_SKEW:
        return (
            f"Signature not yet current: {amz_date} is still later than "
            f"{_amz_date(now + SIGNATURE_SKEW)} ({_amz_date(now)} + 5 min.)"
        )
    return None


def _sigv4_signature(
    request: _Request, signed_headers: str, amz_date: str, scope: list[str], secret: str
) -> str:
    """The AWS Signature Version 4 of a request as received (the AWS General Reference's
    algorithm; tests check it against what botocore signs)."""
    names = signed_headers.split(";")
    canonical_headers = "".join(f"{name}:{_canonical_header(request, name)}\n" for name in names)
    canonical_request = "\n".join(
        [
            request.method,
            quote(request.path or "/", safe="/~"),
            _canonical_query(request.raw_query),
            canonical_headers,
            signed_headers,
            hashlib.sha256(request.body).hexdigest(),
        ]
    )
    credential_scope = "/".join(scope[1:])  # DATE/REGION/SERVICE/aws4_request
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            amz_date,
            credential_scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = ("AWS4" + secret).encode()
    for part in scope[1:]:
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _canonical_header(request: _Request, name: str) -> str:
    """A header's values, spaces collapsed, joined by commas (an absent one is empty)."""
    values = request.headers.get_all(name) or []
    return ",".join(" ".join(str(value).split()) for value in values)


def _canonical_query(raw_query: str) -> str:
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def _encode_page_token(scope: str, offset: int) -> str:
    raw = json.dumps({"scope": scope, "offset": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_page_token(token: str | None, scope: str) -> int:
    """Offset of a nextToken; rejects tokens of another listing so mix-ups are caught."""
    if not token:
        return 0
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = decoded["offset"]
        valid = decoded["scope"] == scope and isinstance(offset, int) and offset >= 0
    except (ValueError, KeyError, TypeError, binascii.Error):
        valid = False
    if not valid:
        raise _Fail(_portal_error(400, "InvalidRequestException", "Invalid next token"))
    return int(offset)


_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # base64url of a SHA-256, unpadded
_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")  # RFC 7636 §4.1
_LOOPBACK_HOSTS = {"127.0.0.1": "127.0.0.1", "::1": "[::1]"}


def _redirect_uri_allowed(uri: str, registered: list[str]) -> bool:
    """A loopback http URI with any port whose port-less form was registered (RFC 8252 §7.3)."""
    parts = urlsplit(uri)
    try:
        port = parts.port
    except ValueError:
        return False
    host = _LOOPBACK_HOSTS.get(parts.hostname or "")
    if parts.scheme != "http" or host is None or port is None or parts.query or parts.fragment:
        return False
    return parts.path == "/oauth/callback" and f"http://{host}{parts.path}" in registered


def _authorize_error(client: _Client, query: dict[str, str]) -> str | None:
    """The OAuth error code for a bad /authorize request, or None when it is fine."""
    if query.get("response_type") != "code":
        return "unsupported_response_type"
    if "authorization_code" not in client.grant_types:
        return "unauthorized_client"
    if query.get("code_challenge_method") != "S256":
        return "invalid_request"  # PKCE is mandatory, and only S256
    if not _CHALLENGE.match(query.get("code_challenge", "")):
        return "invalid_request"
    scopes = query.get("scopes", "").split()
    if not scopes or (client.scopes and not set(scopes) <= set(client.scopes)):
        return "invalid_scope"
    return None


def _verifier_matches(verifier: str, challenge: str) -> bool:
    if not _VERIFIER.match(verifier):
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(computed, challenge)


def _redirect(uri: str, **params: str) -> _Response:
    location = f"{uri}?{urlencode(params)}"
    return _Response(302, b"", content_type=None, headers={"Location": location})


def _html_page(status: int, title: str, text: str, *, raw: bool = False) -> _Response:
    body = text if raw else f"<p>{html.escape(text)}</p>"
    page = f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>{body}"
    return _Response(status, page.encode(), content_type="text/html; charset=utf-8")


def _operation_names(operation: str, request: _Request) -> list[str]:
    """What `calls` counts: CreateToken is also counted per grant ("CreateToken:device_code");
    STS and the federation endpoint by their Action ("AssumeRole", "GetSigninToken")."""
    if operation in ("STS", "Federation"):
        action = _form_params(request).get("Action", "")
        if operation == "STS":
            return [action] if action in _STS_ACTIONS else [operation]
        return [_SIGNIN_OPERATIONS.get(action, operation)]
    if operation != "CreateToken":
        return [operation]
    try:
        grant_type = json.loads(request.body or b"{}").get("grantType")
    except (ValueError, AttributeError):
        grant_type = None
    if not isinstance(grant_type, str) or not grant_type:
        return [operation]
    return [operation, f"{operation}:{grant_type.rsplit(':', 1)[-1]}"]


def _render_fault(fault: _Fault, api: str, request_id: str) -> _Response | _Drop:
    """An injected fault, in the error format of the API it was injected into."""
    if fault.code in ("hang", "close", "trickle"):
        return _Drop(fault.code)
    if fault.code == "html":
        body = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
        return _Response(fault.status or 502, body, content_type="text/html")
    status = fault.status or 500
    if api == "oidc":
        name = _OIDC_NAME_BY_CODE.get(fault.code, fault.code or "InternalServerException")
        return _oidc_error(name, fault.message or f"Injected {name}", status)
    if api == "sts":
        code = fault.code or "InternalFailure"
        return _sts_error(status, code, fault.message or f"Injected {code}", request_id)
    if api == "signin":
        text = fault.message or f"Injected {fault.code}"
        return _html_page(status, f"HTTP Status {status}", text)
    default_name = _PORTAL_NAME_BY_STATUS.get(status, "InternalServerException")
    name = fault.code or default_name
    return _portal_error(status, name, fault.message or f"Injected {name}")


@dataclass(frozen=True)
class _Route:
    api: str  # "oidc", "portal", "sts" or "signin": decides the error format of injected faults
    operation: str
    handler: Callable[[Emulator, _Request], _Response]


_ROUTES: dict[tuple[str, str], _Route] = {
    ("POST", "/client/register"): _Route("oidc", "RegisterClient", Emulator._register_client),
    ("POST", "/device_authorization"): _Route(
        "oidc", "StartDeviceAuthorization", Emulator._start_device_authorization
    ),
    ("POST", "/token"): _Route("oidc", "CreateToken", Emulator._create_token),
    ("GET", "/authorize"): _Route("oidc", "Authorize", Emulator._authorize),
    ("GET", "/authorize/decision"): _Route(
        "oidc", "AuthorizeDecision", Emulator._authorize_decision
    ),
    ("GET", "/federation/credentials"): _Route(
        "portal", "GetRoleCredentials", Emulator._get_role_credentials
    ),
    ("GET", "/assignment/accounts"): _Route("portal", "ListAccounts", Emulator._list_accounts),
    ("GET", "/assignment/roles"): _Route(
        "portal", "ListAccountRoles", Emulator._list_account_roles
    ),
    ("POST", "/logout"): _Route("portal", "Logout", Emulator._logout),
    ("POST", "/"): _Route("sts", "STS", Emulator._sts),
    # The sign-in host's endpoint; getSigninToken is also accepted as a form POST.
    ("GET", "/federation"): _Route("signin", "Federation", Emulator._federation),
    ("POST", "/federation"): _Route("signin", "Federation", Emulator._federation),
}


# --------------------------------------------------------------------------- HTTP server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # stop() must not wait for idle keep-alive connections or hung ("hang") requests.
    block_on_close = False

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a DNS lookup we neither need nor want.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        """Cut every open connection, so that a stopped emulator really stops answering."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the peer
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-answer is normal (timeouts, stop()); anything else is an
        # emulator bug and deserves its traceback on stderr.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keep-alive like the real endpoints; every answer carries a Content-Length.
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle plus delayed ACK
        # cost ~40 ms per keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the command line prints exactly one line, and tests want clean output."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def _serve(self, method: str) -> None:
        request = self._read_request(method)
        outcome = self.server.emulator._handle(request)
        if outcome is _Drop.HANG:
            self.server.emulator._stopping.wait()
        if outcome is _Drop.TRICKLE:
            self._trickle()
        if isinstance(outcome, _Drop):
            self.close_connection = True  # ends the connection with no answer at all
            return
        self._write(outcome, request.request_id)

    def _trickle(self) -> None:
        """Headers at once, then a body so slow that no single read ever times out."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(1024 * 1024))
        self.end_headers()
        self.wfile.write(b"{")
        self.wfile.flush()
        while not self.server.emulator._stopping.wait(0.2):
            self.wfile.write(b" ")
            self.wfile.flush()

    def _read_request(self, method: str) -> _Request:
        parts = urlsplit(self.path)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = self.rfile.read(length) if length > 0 else b""
        query = {
            key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()
        }
        return _Request(
            method, parts.path, query, self.headers, body, str(uuid.uuid4()), parts.query
        )

    def _write(self, response: _Response, request_id: str) -> None:
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("x-amzn-RequestId", request_id)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)


# --------------------------------------------------------------------------- command line


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.emulator",
        description="Serve an emulated IAM Identity Center; print its URL, then serve until "
        "SIGTERM or SIGINT.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--accounts", type=int, help="serve make_org(N, M) accounts")
    parser.add_argument("--roles-per-account", type=int, default=2, metavar="M")
    parser.add_argument("--token-ttl", type=int, default=3600, metavar="S")
    parser.add_argument("--credential-ttl", type=int, default=3600, metavar="S")
    parser.add_argument(
        "--role",
        action="append",
        default=[],
        type=_role_arn_argument,
        metavar="ARN",
        help="a role that any credentials the emulator issued may assume (repeatable)",
    )
    parser.add_argument(
        "--trust",
        type=_trust_argument,
        default={},
        metavar="JSON",
        help='roles with conditions: {"ARN": {"principals": ["*" or caller ARNs], '
        '"external_id": "…", "mfa": true, "max_session_duration": 3600}}',
    )
    parser.add_argument("--mfa-token-code", default=DEFAULT_MFA_TOKEN_CODE, metavar="CODE")
    return parser.parse_args(argv)


def _role_arn_argument(text: str) -> str:
    try:
        _role_arn_parts(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


_TRUST_KEYS = {"principals", "external_id", "mfa", "max_session_duration"}


def _trust_argument(text: str) -> dict[str, Trust]:
    """--trust's JSON: role ARN -> its Trust fields (all optional)."""
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not JSON: {error}") from None
    if not isinstance(raw, dict):
        raise argparse.ArgumentTypeError("a JSON object of role ARN -> conditions")
    mapping: dict[str, Trust] = {}
    for role_arn, fields in raw.items():
        _role_arn_argument(role_arn)
        if not isinstance(fields, dict) or not set(fields) <= _TRUST_KEYS:
            raise argparse.ArgumentTypeError(f"{role_arn}: keys among {sorted(_TRUST_KEYS)}")
        principals = fields.get("principals", [ANY_ISSUED])
        if not isinstance(principals, list) or not all(isinstance(p, str) for p in principals):
            raise argparse.ArgumentTypeError(f"{role_arn}: principals is a list of strings")
        mapping[role_arn] = Trust(
            principals=tuple(principals),
            external_id=fields.get("external_id"),
            mfa=bool(fields.get("mfa", False)),
            max_session_duration=int(fields.get("max_session_duration", 3600)),
        )
    return mapping


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    accounts = (
        make_org(args.accounts, args.roles_per_account) if args.accounts is not None else None
    )
    # Block the stop signals before any thread starts (threads inherit the mask), then wait
    # for them with sigwait: no handler runs, so nothing can interrupt the server mid-request
    # and no traceback is printed.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    emulator = Emulator(
        accounts,
        host=args.host,
        port=args.port,
        token_ttl=args.token_ttl,
        credential_ttl=args.credential_ttl,
        trust={**{arn: Trust() for arn in args.role}, **args.trust},
        mfa_token_code=args.mfa_token_code,
    )
    with emulator:
        print(emulator.url, flush=True)
        signal.sigwait(stop_signals)
    return 0


if __name__ == "__main__":
    sys.exit(main())
