"""The emulator speaks the real wire format: botocore's own clients are the oracle.

Every behaviour is checked through boto3's ``sso-oidc``, ``sso`` and ``sts`` clients, which
parse the answers exactly as they parse the real service's. Raw HTTP (urllib / http.client) is
used only where botocore cannot send the request (a missing header) or hides the detail under
test (headers, bodies, dropped connections).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from tests.emulator import (
    BEARER_HEADER,
    DEVICE_CODE_GRANT,
    Account,
    Emulator,
    default_accounts,
    make_org,
)

START_URL = "https://d-1234567890.awsapps.com/start"
REPO_ROOT = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------------------- helpers


def _config(**extra: Any) -> Config:
    # Unsigned like botocore's own SSO clients; one attempt so injected faults are seen as is.
    # Note: retries={"max_attempts": 1} would still allow one retry ("max_attempts" counts
    # retries, not attempts); "total_max_attempts" counts attempts.
    return Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}, **extra)


def oidc_client(emu: Emulator, **extra: Any) -> Any:
    return boto3.client(
        "sso-oidc", region_name="us-east-1", endpoint_url=emu.url, config=_config(**extra)
    )


def portal_client(emu: Emulator, **extra: Any) -> Any:
    return boto3.client(
        "sso", region_name="us-east-1", endpoint_url=emu.url, config=_config(**extra)
    )


def sts_client(emu: Emulator, access_key: str, secret_key: str, session_token: str) -> Any:
    return boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=emu.url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=session_token,
        config=Config(retries={"total_max_attempts": 1}),
    )


def register(oidc: Any, *, scoped: bool = True) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"clientName": "botocore-client-test", "clientType": "public"}
    if scoped:
        kwargs["scopes"] = ["sso:account:access"]
    result: dict[str, Any] = oidc.register_client(**kwargs)
    return result


def start(oidc: Any, client: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = oidc.start_device_authorization(
        clientId=client["clientId"], clientSecret=client["clientSecret"], startUrl=START_URL
    )
    return result


def poll(oidc: Any, client: dict[str, Any], device: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType=DEVICE_CODE_GRANT,
        deviceCode=device["deviceCode"],
    )
    return result


def refresh(oidc: Any, client: dict[str, Any], refresh_token: str) -> dict[str, Any]:
    result: dict[str, Any] = oidc.create_token(
        clientId=client["clientId"],
        clientSecret=client["clientSecret"],
        grantType="refresh_token",
        refreshToken=refresh_token,
    )
    return result


def login(emu: Emulator, *, scoped: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    """A full device-code login; returns (registration, CreateToken answer)."""
    oidc = oidc_client(emu)
    client = register(oidc, scoped=scoped)
    return client, poll(oidc, client, start(oidc, client))


def raw(
    emu: Emulator,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP exchange: (status, lower-cased headers, body)."""
    url = emu.url + path  # always http://127.0.0.1: the S310 scheme audit does not apply
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, _lower(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        with error:  # an HTTPError holds the open response
            return error.code, _lower(error.headers.items()), error.read()


def _lower(items: list[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in items}


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def http_status(excinfo: pytest.ExceptionInfo[ClientError]) -> int:
    return int(excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"])


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


# ----------------------------------------------------------------------------- accounts


def test_default_accounts_and_make_org() -> None:
    assert [a.account_id for a in default_accounts()] == ["111111111111", "222222222222"]
    org = make_org(3, 8)
    assert [a.name for a in org] == ["acct-0001", "acct-0002", "acct-0003"]
    assert all(len(a.account_id) == 12 and a.account_id.isdigit() for a in org)
    assert len({a.account_id for a in org}) == 3
    assert org[0].roles[:2] == ["ReadOnly", "Admin"]
    assert len(set(org[0].roles)) == 8


def test_url_and_context_manager() -> None:
    emulator = Emulator()
    with emulator as running:
        assert running is emulator
        assert emulator.url == f"http://127.0.0.1:{emulator.port}"
        assert not emulator.url.endswith("/")
        assert raw(emulator, "GET", "/nowhere")[0] == 404
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(emulator.url + "/nowhere", timeout=5)  # noqa: S310


# ----------------------------------------------------------------------------- OIDC


def test_register_client(emu: Emulator) -> None:
    before = int(time.time())
    client = register(oidc_client(emu))
    assert client["clientId"]
    assert client["clientSecret"] in emu.secrets()
    assert before <= client["clientIdIssuedAt"] <= int(time.time())
    assert client["clientSecretExpiresAt"] - client["clientIdIssuedAt"] == 90 * 86400


def test_register_client_rejects_confidential_clients(emu: Emulator) -> None:
    oidc = oidc_client(emu)
    with pytest.raises(oidc.exceptions.InvalidClientMetadataException):
        oidc.register_client(clientName="x", clientType="confidential")


def test_device_flow_pending_then_success(emu: Emulator) -> None:
    emu.pending_polls = 2
    oidc = oidc_client(emu)
    client = register(oidc)
    device = start(oidc, client)
    assert device["verificationUri"] == f"{emu.url}/device"
    assert device["verificationUriComplete"] == f"{emu.url}/device?user_code={device['userCode']}"
    assert device["expiresIn"] == 600
    assert device["interval"] == 1
    assert device["userCode"][4] == "-"
    assert len(device["userCode"]) == 9
    for _ in range(2):
        with pytest.raises(oidc.exceptions.AuthorizationPendingException) as excinfo:
            poll(oidc, client, device)
        # botocore maps the OAuth error_description to the message, and keeps the body fields.
        assert excinfo.value.response["error"] == "authorization_pending"
        assert "pending" in excinfo.value.response["Error"]["Message"]
    token = poll(oidc, client, device)
    assert token["tokenType"] == "Bearer"
    assert token["expiresIn"] == 3600
    assert {token["accessToken"], token["refreshToken"]} <= emu.secrets()
    assert emu.calls["CreateToken"] == 3
    assert emu.calls["CreateToken:device_code"] == 3
    assert emu.calls["StartDeviceAuthorization"] == 1


def test_refresh_token_only_for_scoped_registrations(emu: Emulator) -> None:
    _, token = login(emu, scoped=False)
    assert "refreshToken" not in token
    oidc = oidc_client(emu)
    client = oidc.register_client(
        clientName="pkce", clientType="public", grantTypes=["authorization_code", "refresh_token"]
    )
    assert "refreshToken" in poll(oidc, client, start(oidc, client))


def test_device_code_is_single_use(emu: Emulator) -> None:
    oidc = oidc_client(emu)
    client = register(oidc)
    device = start(oidc, client)
    poll(oidc, client, device)
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        poll(oidc, client, device)


def test_manual_approval(emu: Emulator) -> None:
    emu.auto_approve = False
    oidc = oidc_client(emu)
    client = register(oidc)
    device = start(oidc, client)
    with pytest.raises(oidc.exceptions.AuthorizationPendingException):
        poll(oidc, client, device)
    emu.approve(device["userCode"])
    assert poll(oidc, client, device)["accessToken"]
    with pytest.raises(KeyError):
        emu.approve("NOPE-NOPE")


def test_denied_authorization(emu: Emulator) -> None:
    oidc = oidc_client(emu)
    client = register(oidc)
    device = start(oidc, client)
    emu.deny(device["userCode"])
    with pytest.raises(oidc.exceptions.AccessDeniedException) as excinfo:
        poll(oidc, client, device)
    assert excinfo.value.response["error"] == "access_denied"


def test_expired_device_code(emu: Emulator) -> None:
    emu.device_code_ttl = 0  # expired as soon as issued: no sleeping
    oidc = oidc_client(emu)
    client = register(oidc)
    device = start(oidc, client)
    assert device["expiresIn"] == 0
    with pytest.raises(oidc.exceptions.ExpiredTokenException) as excinfo:
        poll(oidc, client, device)
    assert excinfo.value.response["error"] == "expired_token"


def test_unknown_client_is_401_invalid_client(emu: Emulator) -> None:
    oidc = oidc_client(emu)
    with pytest.raises(oidc.exceptions.InvalidClientException) as excinfo:
        start(oidc, {"clientId": "nobody", "clientSecret": "nothing"})
    assert http_status(excinfo) == 401
    assert excinfo.value.response["error"] == "invalid_client"


def test_expired_registration_is_invalid_client(emu: Emulator) -> None:
    emu.registration_ttl = 0
    oidc = oidc_client(emu)
    client = register(oidc)
    with pytest.raises(oidc.exceptions.InvalidClientException):
        start(oidc, client)


def test_slow_down_from_the_third_fast_poll(emu: Emulator) -> None:
    emu.enforce_interval = True
    emu.auto_approve = False
    oidc = oidc_client(emu)
    client = register(oidc)
    device = start(oidc, client)
    # The AWS CLI polls twice back to back at the start: both are tolerated.
    for _ in range(2):
        with pytest.raises(oidc.exceptions.AuthorizationPendingException):
            poll(oidc, client, device)
    with pytest.raises(oidc.exceptions.SlowDownException) as excinfo:
        poll(oidc, client, device)
    assert excinfo.value.response["error"] == "slow_down"
    # The required interval grew by 5 s, so the next immediate poll is still too fast.
    with pytest.raises(oidc.exceptions.SlowDownException):
        poll(oidc, client, device)


def test_no_slow_down_by_default(emu: Emulator) -> None:
    emu.auto_approve = False
    oidc = oidc_client(emu)
    client = register(oidc)
    device = start(oidc, client)
    for _ in range(5):
        with pytest.raises(oidc.exceptions.AuthorizationPendingException):
            poll(oidc, client, device)


def test_refresh_rotates_strictly(emu: Emulator) -> None:
    client, token = login(emu)
    oidc = oidc_client(emu)
    first = refresh(oidc, client, token["refreshToken"])
    assert first["accessToken"] != token["accessToken"]
    assert first["refreshToken"] != token["refreshToken"]
    with pytest.raises(oidc.exceptions.InvalidGrantException) as excinfo:
        refresh(oidc, client, token["refreshToken"])
    assert excinfo.value.response["error"] == "invalid_grant"
    assert excinfo.value.response["error_description"] == "Invalid refresh token provided"
    second = refresh(oidc, client, first["refreshToken"])
    assert second["expiresIn"] == 3600
    assert emu.calls["CreateToken:refresh_token"] == 3


def test_refresh_token_belongs_to_its_client(emu: Emulator) -> None:
    _, token = login(emu)
    oidc = oidc_client(emu)
    other = register(oidc)
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        refresh(oidc, other, token["refreshToken"])


def test_revoke_refresh_tokens(emu: Emulator) -> None:
    client, token = login(emu)
    emu.revoke_refresh_tokens()
    oidc = oidc_client(emu)
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        refresh(oidc, client, token["refreshToken"])


def test_authorization_code_grant_is_unsupported(emu: Emulator) -> None:
    oidc = oidc_client(emu)
    client = register(oidc)
    with pytest.raises(oidc.exceptions.UnsupportedGrantTypeException):
        oidc.create_token(
            clientId=client["clientId"],
            clientSecret=client["clientSecret"],
            grantType="authorization_code",
            code="abc",
            redirectUri="http://127.0.0.1:5000/oauth/callback",
            codeVerifier="v" * 64,
        )
    assert emu.calls["CreateToken:authorization_code"] == 1


def test_oidc_error_wire_format(emu: Emulator) -> None:
    body = json.dumps({"clientId": "x", "clientSecret": "y", "startUrl": START_URL}).encode()
    status, headers, payload = raw(
        emu, "POST", "/device_authorization", body, {"Content-Type": "application/json"}
    )
    assert status == 401
    assert headers["x-amzn-errortype"] == (
        "InvalidClientException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"
    )
    assert headers["x-amzn-requestid"]
    decoded = json.loads(payload)
    assert decoded["error"] == "invalid_client"
    assert decoded["error_description"]


# ----------------------------------------------------------------------------- portal


def test_get_role_credentials(emu: Emulator) -> None:
    emu.credential_ttl = 120
    _, token = login(emu)
    before = time.time()
    answer = portal_client(emu).get_role_credentials(
        accessToken=token["accessToken"], accountId="111111111111", roleName="Admin"
    )
    credentials = answer["roleCredentials"]
    assert credentials["accessKeyId"].startswith("ASIA")
    assert len(credentials["accessKeyId"]) == 20
    # botocore hands back the wire value: an int of epoch milliseconds.
    assert isinstance(credentials["expiration"], int)
    assert (before + 119) * 1000 <= credentials["expiration"] <= (time.time() + 121) * 1000
    assert {credentials["secretAccessKey"], credentials["sessionToken"]} <= emu.secrets()


def test_portal_rejects_unknown_and_expired_tokens(emu: Emulator) -> None:
    sso = portal_client(emu)
    with pytest.raises(sso.exceptions.UnauthorizedException) as excinfo:
        sso.list_accounts(accessToken="made-up")
    assert http_status(excinfo) == 401
    assert excinfo.value.response["Error"]["Message"] == "Session token not found or invalid"
    _, token = login(emu)
    sso.list_accounts(accessToken=token["accessToken"])
    emu.expire_access_tokens()
    with pytest.raises(sso.exceptions.UnauthorizedException):
        sso.list_accounts(accessToken=token["accessToken"])


def test_access_token_ttl(emu: Emulator) -> None:
    emu.token_ttl = 0  # expired as soon as issued
    _, token = login(emu)
    assert token["expiresIn"] == 0
    sso = portal_client(emu)
    with pytest.raises(sso.exceptions.UnauthorizedException):
        sso.list_accounts(accessToken=token["accessToken"])


@pytest.mark.parametrize(("account_id", "role"), [("222222222222", "Admin"), ("999", "ReadOnly")])
def test_unassigned_role_is_403_no_access(emu: Emulator, account_id: str, role: str) -> None:
    _, token = login(emu)
    sso = portal_client(emu)
    with pytest.raises(ClientError) as excinfo:
        sso.get_role_credentials(
            accessToken=token["accessToken"], accountId=account_id, roleName=role
        )
    # ForbiddenException is not in the sso model: botocore raises a plain ClientError.
    assert type(excinfo.value) is ClientError
    assert error_code(excinfo) == "ForbiddenException"
    assert http_status(excinfo) == 403
    assert excinfo.value.response["Error"]["Message"] == "No access"


def test_portal_error_wire_format(emu: Emulator) -> None:
    status, headers, payload = raw(
        emu, "GET", "/assignment/accounts", headers={BEARER_HEADER: "made-up"}
    )
    assert status == 401
    assert headers["x-amzn-errortype"] == (
        "UnauthorizedException:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"
    )
    assert json.loads(payload) == {
        "message": "Session token not found or invalid",
        "__type": "com.amazonaws.switchboard.portal#UnauthorizedException",
    }


def test_pagination_with_botocore_paginators() -> None:
    with Emulator(make_org(45, 3)) as emulator:
        _, token = login(emulator)
        sso = portal_client(emulator)
        pages = list(sso.get_paginator("list_accounts").paginate(accessToken=token["accessToken"]))
        accounts = [account for page in pages for account in page["accountList"]]
        assert [len(page["accountList"]) for page in pages] == [20, 20, 5]
        assert "nextToken" not in pages[-1]
        assert len({account["accountId"] for account in accounts}) == 45
        assert accounts[0] == {
            "accountId": "000000000001",
            "accountName": "acct-0001",
            "emailAddress": "acct-0001@example.com",
        }
        roles_paginator = sso.get_paginator("list_account_roles")
        for account in accounts:
            roles = [
                role
                for page in roles_paginator.paginate(
                    accessToken=token["accessToken"],
                    accountId=account["accountId"],
                    PaginationConfig={"PageSize": 2},
                )
                for role in page["roleList"]
            ]
            assert [role["roleName"] for role in roles] == ["ReadOnly", "Admin", "PowerUser"]
            assert {role["accountId"] for role in roles} == {account["accountId"]}
        assert emulator.calls["ListAccounts"] == 3
        assert emulator.calls["ListAccountRoles"] == 45 * 2


def test_max_result_bounds_the_page(emu: Emulator) -> None:
    _, token = login(emu)
    sso = portal_client(emu)
    page = sso.list_accounts(accessToken=token["accessToken"], maxResults=1)
    assert len(page["accountList"]) == 1
    assert page["nextToken"]
    with pytest.raises(sso.exceptions.InvalidRequestException):
        sso.list_account_roles(
            accessToken=token["accessToken"], accountId="111111111111", nextToken=page["nextToken"]
        )


def test_roles_of_unknown_account_is_404(emu: Emulator) -> None:
    _, token = login(emu)
    sso = portal_client(emu)
    with pytest.raises(sso.exceptions.ResourceNotFoundException):
        sso.list_account_roles(accessToken=token["accessToken"], accountId="333333333333")


def test_logout_ends_the_whole_session(emu: Emulator) -> None:
    client, token = login(emu)
    oidc = oidc_client(emu)
    rotated = refresh(oidc, client, token["refreshToken"])
    sso = portal_client(emu)
    sso.logout(accessToken=token["accessToken"])
    for access_token in (token["accessToken"], rotated["accessToken"]):
        with pytest.raises(sso.exceptions.UnauthorizedException):
            sso.list_accounts(accessToken=access_token)
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        refresh(oidc, client, rotated["refreshToken"])
    # Logging out again, or with an unknown token, is still fine.
    sso.logout(accessToken=token["accessToken"])
    sso.logout(accessToken="made-up")
    assert emu.calls["Logout"] == 3


def test_logout_without_token_is_401(emu: Emulator) -> None:
    status, headers, _ = raw(emu, "POST", "/logout", b"")
    assert status == 401
    assert headers["x-amzn-errortype"].startswith("UnauthorizedException:")


# ----------------------------------------------------------------------------- faults


def test_inject_500_and_429_on_the_portal(emu: Emulator) -> None:
    _, token = login(emu)
    sso = portal_client(emu)
    kwargs = {"accessToken": token["accessToken"], "accountId": "111111111111", "roleName": "Admin"}
    emu.inject("GetRoleCredentials", 500, "InternalServerException", times=2)
    emu.inject("GetRoleCredentials", 429, "TooManyRequestsException")
    for _ in range(2):
        with pytest.raises(ClientError) as excinfo:
            sso.get_role_credentials(**kwargs)
        assert (error_code(excinfo), http_status(excinfo)) == ("InternalServerException", 500)
    with pytest.raises(sso.exceptions.TooManyRequestsException) as excinfo:
        sso.get_role_credentials(**kwargs)
    assert http_status(excinfo) == 429
    assert sso.get_role_credentials(**kwargs)["roleCredentials"]["accessKeyId"]
    assert emu.calls["GetRoleCredentials"] == 4


def test_inject_on_oidc_uses_the_oidc_format(emu: Emulator) -> None:
    oidc = oidc_client(emu)
    client = register(oidc)
    device = start(oidc, client)
    emu.inject("CreateToken", 500, "InternalServerException", "boom")
    emu.inject("CreateToken:device_code", 400, "slow_down")
    with pytest.raises(oidc.exceptions.SlowDownException):  # the grant-specific one first
        poll(oidc, client, device)
    with pytest.raises(oidc.exceptions.InternalServerException) as excinfo:
        poll(oidc, client, device)
    assert http_status(excinfo) == 500
    assert excinfo.value.response["error_description"] == "boom"
    assert poll(oidc, client, device)["accessToken"]


def test_inject_rejects_unknown_operations(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="unknown operation"):
        emu.inject("GetRoleCredential", 500, "InternalServerException")


def test_inject_html_502(emu: Emulator) -> None:
    emu.inject("ListAccounts", 0, "html")
    status, headers, payload = raw(emu, "GET", "/assignment/accounts")
    assert status == 502
    assert headers["content-type"] == "text/html"
    assert payload.startswith(b"<html>")
    sso = portal_client(emu)
    emu.inject("ListAccounts", 502, "html")
    with pytest.raises(ClientError) as excinfo:
        sso.list_accounts(accessToken="x")
    assert http_status(excinfo) == 502


def test_inject_close(emu: Emulator) -> None:
    emu.inject("CreateToken", 0, "close")
    oidc = oidc_client(emu)
    client = register(oidc)
    device = start(oidc, client)
    with pytest.raises(ConnectionClosedError):
        poll(oidc, client, device)
    assert poll(oidc, client, device)["accessToken"]


def test_inject_hang_until_stop() -> None:
    emulator = Emulator().start()
    try:
        emulator.inject("ListAccounts", 0, "hang")
        sso = portal_client(emulator, read_timeout=0.3)
        with pytest.raises(ReadTimeoutError):
            sso.list_accounts(accessToken="x")
    finally:
        began = time.monotonic()
        emulator.stop()
    assert time.monotonic() - began < 5


def _get(connection: http.client.HTTPConnection, path: str) -> int:
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response.status


def test_stop_cuts_keep_alive_connections() -> None:
    emulator = Emulator().start()
    connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=5)
    try:
        connection.request("GET", "/nowhere")
        response = connection.getresponse()
        response.read()
        assert response.status == 404
        assert not response.will_close  # HTTP/1.1 keep-alive
        emulator.stop()
        with pytest.raises((http.client.HTTPException, OSError)):
            _get(connection, "/nowhere")
    finally:
        connection.close()
        emulator.stop()


def test_restart_keeps_url_and_state() -> None:
    with Emulator() as emulator:
        _, token = login(emulator)
        url = emulator.url
        emulator.stop()
        emulator.start()
        assert emulator.url == url
        sso = portal_client(emulator)
        assert sso.list_accounts(accessToken=token["accessToken"])["accountList"]


def test_unknown_route_is_404_json(emu: Emulator) -> None:
    status, headers, payload = raw(emu, "GET", "/token")
    assert status == 404
    assert headers["content-type"] == "application/json"
    assert "message" in json.loads(payload)


def test_reset_counts(emu: Emulator) -> None:
    login(emu)
    assert emu.calls["RegisterClient"] == 1
    emu.reset_counts()
    assert not emu.calls


# ----------------------------------------------------------------------------- STS


def test_sts_get_caller_identity_with_role_credentials(emu: Emulator) -> None:
    _, token = login(emu)
    credentials = portal_client(emu).get_role_credentials(
        accessToken=token["accessToken"], accountId="222222222222", roleName="ReadOnly"
    )["roleCredentials"]
    sts = sts_client(
        emu,
        credentials["accessKeyId"],
        credentials["secretAccessKey"],
        credentials["sessionToken"],
    )
    identity = sts.get_caller_identity()
    assert identity["Account"] == "222222222222"
    assert identity["UserId"].startswith("AROA")
    assert identity["UserId"].endswith(":user@example.com")
    assert identity["Arn"] == (
        "arn:aws:sts::222222222222:assumed-role/"
        "AWSReservedSSO_ReadOnly_0123456789abcdef/user@example.com"
    )
    assert emu.calls["GetCallerIdentity"] == 1


def test_sts_rejects_made_up_and_mismatched_keys(emu: Emulator) -> None:
    sts = sts_client(emu, "ASIAMADEUPMADEUPMADE", "secret", "token")
    with pytest.raises(ClientError) as excinfo:
        sts.get_caller_identity()
    assert (error_code(excinfo), http_status(excinfo)) == ("InvalidClientTokenId", 403)
    _, token = login(emu)
    credentials = portal_client(emu).get_role_credentials(
        accessToken=token["accessToken"], accountId="111111111111", roleName="ReadOnly"
    )["roleCredentials"]
    wrong_token = sts_client(
        emu, credentials["accessKeyId"], credentials["secretAccessKey"], "not-the-session-token"
    )
    with pytest.raises(ClientError) as excinfo:
        wrong_token.get_caller_identity()
    assert error_code(excinfo) == "InvalidClientTokenId"


def test_sts_rejects_expired_credentials(emu: Emulator) -> None:
    emu.credential_ttl = 0  # expired as soon as issued
    _, token = login(emu)
    credentials = portal_client(emu).get_role_credentials(
        accessToken=token["accessToken"], accountId="111111111111", roleName="ReadOnly"
    )["roleCredentials"]
    sts = sts_client(
        emu,
        credentials["accessKeyId"],
        credentials["secretAccessKey"],
        credentials["sessionToken"],
    )
    with pytest.raises(ClientError) as excinfo:
        sts.get_caller_identity()
    assert error_code(excinfo) == "ExpiredToken"


# ----------------------------------------------------------------------------- threads


def test_concurrent_logins_are_consistent() -> None:
    accounts = [Account("123456789012", "solo", "solo@example.com", ["ReadOnly"])]
    with Emulator(accounts) as emulator:

        def one_login(_: int) -> str:
            return str(login(emulator)[1]["accessToken"])

        with ThreadPoolExecutor(max_workers=8) as pool:
            tokens = list(pool.map(one_login, range(16)))
        assert len(set(tokens)) == 16
        assert emulator.calls["CreateToken:device_code"] == 16


# ----------------------------------------------------------------------------- command line


def test_command_line_serves_until_sigterm() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--port", "0", "--accounts", "3"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(url + "/assignment/accounts", timeout=10)  # noqa: S310
        excinfo.value.close()
        assert excinfo.value.code == 401
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert stdout == ""
    assert stderr == ""
