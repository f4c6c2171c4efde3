"""Client of AWS STS (the Query API, SigV4-signed): AssumeRole, for profiles with
`role_arn` (role chaining). The source credentials sign each attempt and never
leave the Authorization and X-Amz-Security-Token headers.

Error answers become the documented exit codes, each with the server's message
cut to one printable line:
- `AccessDenied` (the role's trust policy does not let the source in, a wrong
  external ID or MFA code): AccessDenied, exit 6, as a role not assigned by IAM
  Identity Center.
- `ExpiredToken`, `InvalidClientTokenId`: the source credentials are expired or
  unknown to AWS. LoginRequired, exit 4 ("no valid session"): only new source
  credentials help (a login for an IAM Identity Center source, new keys or a new
  session token otherwise), retrying does not; the prompt hook shows the session
  as ended, which it is.
- `Throttling` (HTTP 400), 429 and 5xx: retried by ssoenv.http, then exit 7,
  transient.
- Anything else (`ValidationError`, `RegionDisabledException`, ...): AwsApiError,
  exit 7, with a hint where one helps.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from ssoenv import sigv4
from ssoenv.envvar import exportable
from ssoenv.errors import AccessDenied, AwsApiError, LoginRequired
from ssoenv.http import HttpClient, xml_find, xml_text
from ssoenv.model import RoleCredentials
from ssoenv.text import printable

TYPE_CHECKING = False  # True for type checkers; `typing` costs every `ssoenv use` ~5 ms
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from xml.etree.ElementTree import Element

API_VERSION = "2011-06-15"
SERVICE = "sts"  # the SigV4 signing name
SERVICE_LABEL = "AWS STS"  # the server, as messages name it
# STS's Expiration: ISO 8601 in UTC, fractions of a second optional.
_TIMESTAMP = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(?:Z|\+00:?00)")
# arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION: the account the credentials are of.
_ASSUMED_ROLE_ARN = re.compile(r"arn:[\w-]+:sts::(\d{12}):assumed-role/.+")


def assume_role(
    http: HttpClient,
    endpoint: str,
    region: str,
    credentials: sigv4.Credentials,
    role_arn: str,
    role_session_name: str,
    external_id: str | None = None,
    duration_seconds: int | None = None,
    serial_number: str | None = None,
    token_code: str | None = None,
    *,
    now: Callable[[], datetime] | None = None,
) -> RoleCredentials:
    """The credentials of `role_arn`, assumed with `credentials`.

    `endpoint` is the URL to POST to and `region` the region to sign for, both
    as ssoenv.endpoints.resolve_sts_endpoint chooses them; `now` is the clock the
    signature reads (the system's UTC time by default)."""
    form = [
        ("Action", "AssumeRole"),
        ("Version", API_VERSION),
        ("RoleArn", role_arn),
        ("RoleSessionName", role_session_name),
    ]
    # The optional members, in the order of STS's model (any order would do).
    for name, value in (
        ("DurationSeconds", None if duration_seconds is None else str(duration_seconds)),
        ("ExternalId", external_id),
        ("SerialNumber", serial_number),
        ("TokenCode", token_code),
    ):
        if value is not None:
            form.append((name, value))
    clock = now or _utc_now

    def sign(method: str, url: str, headers: Mapping[str, str], body: bytes) -> dict[str, str]:
        return sigv4.sign(method, url, headers, body, credentials, region, SERVICE, clock())

    try:
        answer = http.call_query(
            endpoint, form, sign=sign, operation="AssumeRole", service=SERVICE_LABEL
        )
    except AwsApiError as error:
        raise _assume_role_error(error, role_arn) from error
    return _role_credentials(answer)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _assume_role_error(error: AwsApiError, role_arn: str) -> Exception:
    role = printable(role_arn)
    said = f": {error.message}" if error.message else ""
    if error.code == "AccessDenied":
        return AccessDenied(
            f"cannot assume role {role}{said}",
            hint="check role_arn, external_id and mfa_serial, and that the role's trust "
            "policy lets the source profile's identity assume it",
        )
    if error.code == "ExpiredToken":
        return LoginRequired(
            f"the source credentials for role {role} have expired{said}",
            hint="renew them: `ssoenv login` for an IAM Identity Center source, a new "
            "session token for keys",
        )
    if error.code == "InvalidClientTokenId":
        return LoginRequired(
            f"AWS does not know the source credentials for role {role}{said}",
            hint="the access key may be deleted or mistyped, or its session token not "
            "valid in this region (see sts_regional_endpoints)",
        )
    if error.code == "RegionDisabledException":
        return AwsApiError(
            error.code,
            f"STS is not enabled for role {role}'s account in this region{said}",
            status=error.status,
            hint="activate the region in the account's IAM settings, or use another region",
        )
    if error.code in ("ValidationError", "InvalidParameterValue"):
        return AwsApiError(
            error.code,
            f"STS refused to assume role {role}{said}",
            status=error.status,
            hint="check role_arn, role_session_name, duration_seconds and external_id",
        )
    return error


def _role_credentials(answer: Element) -> RoleCredentials:
    credentials = xml_find(answer, "Credentials")
    if credentials is None:
        raise AwsApiError("UnexpectedResponse", "AWS STS sent no credentials")
    user = xml_find(answer, "AssumedRoleUser")
    arn = xml_text(user, "Arn") if user is not None else ""
    account = _ASSUMED_ROLE_ARN.fullmatch(arn)
    return RoleCredentials(
        access_key_id=_value(credentials, "AccessKeyId"),
        secret_access_key=_value(credentials, "SecretAccessKey"),
        session_token=_value(credentials, "SessionToken"),
        expiration=_expiration(xml_text(credentials, "Expiration")),
        account_id=account.group(1) if account else None,
    )


def _value(credentials: Element, name: str) -> str:
    value = xml_text(credentials, name)
    # These go into environment variables, which cannot hold NUL or lone surrogates.
    if not value or not exportable(value):
        raise AwsApiError("UnexpectedResponse", f"AWS STS sent credentials without a valid {name}")
    return value


def _expiration(text: str) -> datetime:
    match = _TIMESTAMP.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        # Whole seconds (rounded down), as every cache and export format keeps them.
        return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except ValueError as error:
        raise AwsApiError(
            "UnexpectedResponse", "AWS STS sent credentials without a valid Expiration"
        ) from error
