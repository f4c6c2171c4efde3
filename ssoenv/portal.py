"""Client of the SSO portal API: role credentials, the accounts and roles
assigned to the user, and logout. The bearer token travels in
`x-amz-sso_bearer_token`, never in a URL or a log line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

from ssoenv.envvar import exportable
from ssoenv.errors import AccessDenied, AwsApiError, LoginRequired
from ssoenv.http import HttpClient
from ssoenv.model import RoleCredentials

TYPE_CHECKING = False  # True for type checkers; `typing` costs every `ssoenv use` ~5 ms
if TYPE_CHECKING:
    from typing import Any

BEARER_HEADER = "x-amz-sso_bearer_token"
PAGE_SIZE = "100"  # the model's maximum; fewer round trips for large organisations


def get_role_credentials(
    http: HttpClient, base_url: str, access_token: str, account_id: str, role_name: str
) -> RoleCredentials:
    try:
        answer = http.call(
            "GET",
            f"{base_url}/federation/credentials",
            params={"role_name": role_name, "account_id": account_id},
            headers={BEARER_HEADER: access_token},
            operation="GetRoleCredentials",
        )
    except AwsApiError as error:
        if error.code == "ForbiddenException" or _aws_status(error) == 403:
            raise AccessDenied(
                f"role '{role_name}' in account {account_id} is not assigned to you",
                hint="check sso_account_id and sso_role_name, or list yours with `ssoenv accounts`",
            ) from error
        raise _session_error(error) from error
    credentials = answer.get("roleCredentials")
    if not isinstance(credentials, dict):
        raise AwsApiError("UnexpectedResponse", "IAM Identity Center sent no role credentials")
    return RoleCredentials(
        access_key_id=_text(credentials, "accessKeyId"),
        secret_access_key=_text(credentials, "secretAccessKey"),
        session_token=_text(credentials, "sessionToken"),
        # The portal sends epoch MILLISECONDS (botocore divides by 1000 too).
        expiration=_epoch_ms(credentials.get("expiration")),
        account_id=account_id,
    )


def list_accounts(http: HttpClient, base_url: str, access_token: str) -> Iterator[dict[str, str]]:
    """Every account assigned to the user, following every page."""
    url = f"{base_url}/assignment/accounts"
    for page in _pages(http, url, access_token, {}, "ListAccounts"):
        for item in page.get("accountList") or []:
            if isinstance(item, dict) and isinstance(item.get("accountId"), str):
                yield {k: str(v) for k, v in item.items() if isinstance(v, str)}


def list_account_roles(
    http: HttpClient, base_url: str, access_token: str, account_id: str
) -> Iterator[str]:
    params = {"account_id": account_id}
    url = f"{base_url}/assignment/roles"
    for page in _pages(http, url, access_token, params, "ListAccountRoles"):
        for item in page.get("roleList") or []:
            if isinstance(item, dict) and isinstance(item.get("roleName"), str):
                yield item["roleName"]


def logout(http: HttpClient, base_url: str, access_token: str) -> None:
    http.call(
        "POST", f"{base_url}/logout", headers={BEARER_HEADER: access_token}, operation="Logout"
    )


def _pages(
    http: HttpClient, url: str, access_token: str, params: dict[str, str], operation: str
) -> Iterator[dict[str, Any]]:
    next_token: str | None = None
    while True:
        query = dict(params, max_result=PAGE_SIZE)
        if next_token:
            query["next_token"] = next_token
        try:
            page = http.call(
                "GET",
                url,
                params=query,
                headers={BEARER_HEADER: access_token},
                operation=operation,
            )
        except AwsApiError as error:
            raise _session_error(error) from error
        yield page
        token = page.get("nextToken")
        # The end is an absent, null or empty nextToken.
        if not isinstance(token, str) or not token:
            return
        next_token = token


def _session_error(error: AwsApiError) -> Exception:
    if error.code == "UnauthorizedException" or _aws_status(error) == 401:
        return LoginRequired("the SSO session is no longer valid (expired or logged out)")
    return error


def _aws_status(error: AwsApiError) -> int:
    """The status of an answer in AWS's error format; a proxy's HTML page with the
    same status says nothing about the role or the session."""
    return 0 if error.code == "UnexpectedResponse" else error.status


def _text(answer: dict[str, Any], key: str) -> str:
    value = answer.get(key)
    # These go into environment variables, which cannot hold NUL or lone surrogates.
    if not isinstance(value, str) or not value or not exportable(value):
        raise AwsApiError("UnexpectedResponse", f"role credentials without a valid '{key}'")
    return value


def _epoch_ms(value: object) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise AwsApiError("UnexpectedResponse", "role credentials without a valid expiration")
    try:
        # Whole seconds (rounded down), as every cache and export format keeps them.
        return datetime.fromtimestamp(int(value // 1000), timezone.utc)
    except (OverflowError, OSError, ValueError) as error:
        raise AwsApiError(
            "UnexpectedResponse", "role credentials with an impossible expiration"
        ) from error
