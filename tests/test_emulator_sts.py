"""The emulator's STS AssumeRole and console federation endpoint, proved with real clients.

boto3's own ``sts`` client is the oracle for the wire format and for SigV4: every call it
signs must verify, and a request changed after signing must not. The federation endpoint is
plain HTTP (no AWS SDK has a client for it), so ``requests`` drives it, never following a
redirect (the destination is the real console).
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any, NamedTuple
from xml.etree import ElementTree

import boto3
import botocore.auth
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.emulator import (
    ANY_ISSUED,
    CHAINED_SESSION_LIMIT,
    DEFAULT_MFA_TOKEN_CODE,
    STS_XMLNS,
    Emulator,
    Trust,
    sso_role_arn,
)
from tests.test_emulator import REPO_ROOT, error_code, http_status, login, portal_client

DEPLOY = "arn:aws:iam::222222222222:role/Deploy"  # SSO Admin of 111111111111 may assume it
AUDIT = "arn:aws:iam::333333333333:role/ci/Audit"  # Deploy sessions may: a chain, and a path
PARTNER = "arn:aws:iam::222222222222:role/Partner"  # anyone, with the external id
GUARDED = "arn:aws:iam::222222222222:role/Guarded"  # anyone, with MFA
LONG = "arn:aws:iam::444444444444:role/Long"  # callers of account 444444444444, up to 12 hours
SHORT = "arn:aws:iam::444444444444:role/Short"  # the same, up to the default hour
USER_ACCOUNT = "444444444444"
EXTERNAL_ID = "ext-1234"
MFA_SERIAL = "arn:aws:iam::444444444444:mfa/alice"
CONSOLE = "https://console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:"

TRUST = {
    DEPLOY: Trust(principals=(sso_role_arn("111111111111", "Admin"),), max_session_duration=43200),
    AUDIT: Trust(principals=(DEPLOY,)),
    PARTNER: Trust(external_id=EXTERNAL_ID),
    GUARDED: Trust(mfa=True),
    LONG: Trust(principals=(f"arn:aws:iam::{USER_ACCOUNT}:root",), max_session_duration=43200),
    SHORT: Trust(principals=(f"arn:aws:iam::{USER_ACCOUNT}:root",)),
}


class Keys(NamedTuple):
    access_key_id: str
    secret: str
    token: str | None  # None: an IAM user's long-term key


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(trust=TRUST) as emulator:
        yield emulator


def sso_keys(emu: Emulator, account_id: str = "111111111111", role: str = "Admin") -> Keys:
    """Role credentials from a device-code login and GetRoleCredentials."""
    _, token = login(emu)
    answer = portal_client(emu).get_role_credentials(
        accessToken=token["accessToken"], accountId=account_id, roleName=role
    )["roleCredentials"]
    return Keys(answer["accessKeyId"], answer["secretAccessKey"], answer["sessionToken"])


def sts(emu: Emulator, keys: Keys, region: str = "us-east-1", **config: Any) -> Any:
    """boto3's STS client, signing with `keys`; one attempt unless `config` says otherwise."""
    config.setdefault("retries", {"total_max_attempts": 1})
    return boto3.client(
        "sts",
        region_name=region,
        endpoint_url=emu.url,
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret,
        aws_session_token=keys.token,
        config=Config(**config),
    )


def assumed(answer: dict[str, Any]) -> Keys:
    credentials = answer["Credentials"]
    return Keys(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )


def refused(call: Any, **kwargs: Any) -> tuple[str, int, str]:
    """(code, HTTP status, message) of a call that must fail."""
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    return error_code(excinfo), http_status(excinfo), excinfo.value.response["Error"]["Message"]


def changed(secret: str) -> str:
    """`secret` with its last character changed (whatever that character was)."""
    return secret[:-1] + ("y" if secret.endswith("x") else "x")


def denied_message(caller_arn: str, role_arn: str) -> str:
    return (
        f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    )


SSO_ADMIN_SESSION = (
    "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/user@example.com"
)


# ----------------------------------------------------------------------------- AssumeRole


def test_assume_role_with_sso_credentials(emu: Emulator) -> None:
    source = sso_keys(emu)
    before = int(time.time())
    answer = sts(emu, source, region="eu-west-1").assume_role(
        RoleArn=DEPLOY, RoleSessionName="alice@example.com", DurationSeconds=1800
    )
    after = time.time()
    credentials = answer["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert len(credentials["AccessKeyId"]) == 20
    assert {credentials["SecretAccessKey"], credentials["SessionToken"]} <= emu.secrets()
    # botocore parsed the ISO 8601 Expiration; whole seconds, like STS's.
    expiration = credentials["Expiration"].timestamp()
    assert before + 1800 <= expiration <= after + 1800
    assert expiration == int(expiration)
    user = answer["AssumedRoleUser"]
    assert user["Arn"] == "arn:aws:sts::222222222222:assumed-role/Deploy/alice@example.com"
    assert user["AssumedRoleId"].startswith("AROA")
    assert user["AssumedRoleId"].endswith(":alice@example.com")
    metadata = answer["ResponseMetadata"]
    uuid.UUID(metadata["RequestId"])  # from the body's ResponseMetadata: a UUID
    assert metadata["RequestId"] == metadata["HTTPHeaders"]["x-amzn-requestid"]
    assert metadata["HTTPHeaders"]["content-type"] == "text/xml"

    # The new credentials are what GetCallerIdentity sees.
    identity = sts(emu, assumed(answer)).get_caller_identity()
    assert identity["Arn"] == user["Arn"]
    assert identity["UserId"] == user["AssumedRoleId"]
    assert identity["Account"] == "222222222222"

    assert emu.assume_role_calls() == [
        {
            "RoleArn": DEPLOY,
            "RoleSessionName": "alice@example.com",
            "ExternalId": None,
            "DurationSeconds": "1800",
            "SerialNumber": None,
            "TokenCode": None,
            "AccessKeyId": source.access_key_id,
            "Region": "eu-west-1",
        }
    ]
    assert emu.calls["AssumeRole"] == 1
    assert emu.calls["GetCallerIdentity"] == 1


def test_assume_role_answers_the_real_xml_shape(emu: Emulator) -> None:
    """The raw document, element by element, as the STS API reference shows it."""
    source = sso_keys(emu)
    request = AWSRequest(
        method="POST",
        url=emu.url + "/",
        data="Action=AssumeRole&Version=2011-06-15&RoleArn="
        "arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2FDeploy&RoleSessionName=bob",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials(*source), "sts", "us-east-1").add_auth(request)
    answer = requests.post(
        emu.url + "/", data=request.body, headers=dict(request.headers), timeout=10
    )
    assert answer.status_code == 200
    root = ElementTree.fromstring(answer.content)  # noqa: S314 (the emulator's own answer)
    ns = {"sts": STS_XMLNS}
    assert root.tag == f"{{{STS_XMLNS}}}AssumeRoleResponse"
    result = root.find("sts:AssumeRoleResult", ns)
    assert result is not None
    assert [child.tag.split("}")[1] for child in result] == ["AssumedRoleUser", "Credentials"]
    credentials = result.find("sts:Credentials", ns)
    assert credentials is not None
    assert [child.tag.split("}")[1] for child in credentials] == [
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    ]
    expiration = result.findtext("sts:Credentials/sts:Expiration", namespaces=ns) or ""
    datetime.datetime.strptime(expiration, "%Y-%m-%dT%H:%M:%SZ")  # ISO 8601, UTC, no fraction
    assert (
        root.findtext("sts:ResponseMetadata/sts:RequestId", namespaces=ns)
        == (answer.headers["x-amzn-RequestId"])
    )


def test_role_chaining_and_its_one_hour_cap(emu: Emulator) -> None:
    first = sts(emu, sso_keys(emu)).assume_role(RoleArn=DEPLOY, RoleSessionName="first")
    # Deploy's trust policy names Deploy itself (a role ARN), so its sessions may go on.
    chained = sts(emu, assumed(first))
    second = chained.assume_role(RoleArn=AUDIT, RoleSessionName="second")
    # The session ARN names the role without its path.
    assert second["AssumedRoleUser"]["Arn"] == (
        "arn:aws:sts::333333333333:assumed-role/Audit/second"
    )
    identity = sts(emu, assumed(second)).get_caller_identity()
    assert identity["Account"] == "333333333333"
    assert emu.assume_role_calls()[1]["AccessKeyId"] == first["Credentials"]["AccessKeyId"]

    # Beyond an hour, a chained call fails however long the role allows (Deploy: 12 hours);
    # SSO credentials are a role session, so their AssumeRole is chained too.
    limit = "The requested DurationSeconds exceeds the 1 hour session limit"
    for caller, role_arn in ((chained, AUDIT), (sts(emu, sso_keys(emu)), DEPLOY)):
        code, status, message = refused(
            caller.assume_role,
            RoleArn=role_arn,
            RoleSessionName="long",
            DurationSeconds=CHAINED_SESSION_LIMIT + 1,
        )
        assert (code, status) == ("ValidationError", 400)
        assert message.startswith(limit)
    exactly_an_hour = chained.assume_role(
        RoleArn=AUDIT, RoleSessionName="hour", DurationSeconds=CHAINED_SESSION_LIMIT
    )
    assert exactly_an_hour["Credentials"]["AccessKeyId"]


def test_a_session_may_not_assume_what_its_role_may_not(emu: Emulator) -> None:
    """Audit trusts Deploy's sessions, not the SSO role that could assume Deploy."""
    caller = sts(emu, sso_keys(emu))
    code, status, message = refused(caller.assume_role, RoleArn=AUDIT, RoleSessionName="skip")
    assert (code, status) == ("AccessDenied", 403)
    assert message == denied_message(SSO_ADMIN_SESSION, AUDIT)


def test_iam_user_keys_assume_up_to_the_role_maximum(emu: Emulator) -> None:
    user = Keys(*emu.add_user(USER_ACCOUNT, "ci"), None)
    client = sts(emu, user)
    identity = client.get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{USER_ACCOUNT}:user/ci"
    assert identity["UserId"].startswith("AIDA")
    # Not role chaining: 12 hours where the role allows it.
    before = time.time()
    answer = client.assume_role(RoleArn=LONG, RoleSessionName="nightly", DurationSeconds=43200)
    assert answer["Credentials"]["Expiration"].timestamp() >= int(before) + 43200
    code, status, message = refused(
        client.assume_role, RoleArn=SHORT, RoleSessionName="nightly", DurationSeconds=7200
    )
    assert (code, status) == ("ValidationError", 400)
    assert (
        message == "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    )
    # A long-term key sent with a session token is not one STS knows.
    with_token = sts(emu, user._replace(token="made-up"))
    assert refused(with_token.get_caller_identity)[:2] == ("InvalidClientTokenId", 403)


def test_external_id_required(emu: Emulator) -> None:
    caller = sts(emu, sso_keys(emu))
    for external_id in (None, "ext-wrong"):
        kwargs = {"ExternalId": external_id} if external_id else {}
        code, status, message = refused(
            caller.assume_role, RoleArn=PARTNER, RoleSessionName="partner", **kwargs
        )
        assert (code, status) == ("AccessDenied", 403)
        assert message == denied_message(SSO_ADMIN_SESSION, PARTNER)
    answer = caller.assume_role(RoleArn=PARTNER, RoleSessionName="partner", ExternalId=EXTERNAL_ID)
    assert answer["AssumedRoleUser"]["Arn"].endswith(":assumed-role/Partner/partner")
    assert [call["ExternalId"] for call in emu.assume_role_calls()] == [
        None,
        "ext-wrong",
        EXTERNAL_ID,
    ]


def test_mfa_required_and_its_code(emu: Emulator) -> None:
    caller = sts(emu, sso_keys(emu))
    assert refused(caller.assume_role, RoleArn=GUARDED, RoleSessionName="mfa")[:2] == (
        "AccessDenied",
        403,
    )
    code, status, message = refused(
        caller.assume_role,
        RoleArn=GUARDED,
        RoleSessionName="mfa",
        SerialNumber=MFA_SERIAL,
        TokenCode="000000",
    )
    assert (code, status) == ("AccessDenied", 403)
    assert message.startswith("MultiFactorAuthentication failed with invalid MFA one time pass")
    answer = caller.assume_role(
        RoleArn=GUARDED,
        RoleSessionName="mfa",
        SerialNumber=MFA_SERIAL,
        TokenCode=DEFAULT_MFA_TOKEN_CODE,
    )
    assert answer["Credentials"]["AccessKeyId"]
    # The code is configurable, and checked even where the role does not need MFA.
    emu.mfa_token_code = "654321"
    assert refused(
        caller.assume_role,
        RoleArn=DEPLOY,
        RoleSessionName="mfa",
        SerialNumber=MFA_SERIAL,
        TokenCode=DEFAULT_MFA_TOKEN_CODE,
    )[:2] == ("AccessDenied", 403)
    assert [(c["SerialNumber"], c["TokenCode"]) for c in emu.assume_role_calls()] == [
        (None, None),
        (MFA_SERIAL, "000000"),
        (MFA_SERIAL, DEFAULT_MFA_TOKEN_CODE),
        (MFA_SERIAL, DEFAULT_MFA_TOKEN_CODE),
    ]


def test_access_denied_for_roles_not_granted_or_unknown(emu: Emulator) -> None:
    read_only = sts(emu, sso_keys(emu, role="ReadOnly"))
    read_only_arn = (
        "arn:aws:sts::111111111111:assumed-role/"
        "AWSReservedSSO_ReadOnly_0123456789abcdef/user@example.com"
    )
    for role_arn in (DEPLOY, "arn:aws:iam::222222222222:role/DoesNotExist"):
        code, status, message = refused(
            read_only.assume_role, RoleArn=role_arn, RoleSessionName="nope"
        )
        assert (code, status) == ("AccessDenied", 403)
        assert message == denied_message(read_only_arn, role_arn)
    # Nothing was issued for the refusals: the only secrets are the SSO login's.
    secrets_before = emu.secrets()
    refused(read_only.assume_role, RoleArn=DEPLOY, RoleSessionName="nope")
    assert emu.secrets() == secrets_before


def test_any_issued_credentials(emu: Emulator) -> None:
    emu.trust["arn:aws:iam::555555555555:role/Open"] = Trust(principals=(ANY_ISSUED,))
    for keys in (
        sso_keys(emu, "222222222222", "ReadOnly"),
        Keys(*emu.add_user("1" * 12, "x"), None),
    ):
        answer = sts(emu, keys).assume_role(
            RoleArn="arn:aws:iam::555555555555:role/Open", RoleSessionName="open"
        )
        assert answer["AssumedRoleUser"]["Arn"].startswith("arn:aws:sts::555555555555:")


# ----------------------------------------------------------------------------- SigV4


def test_a_request_changed_after_signing_is_refused(emu: Emulator) -> None:
    source = sso_keys(emu)
    client = sts(emu, source)

    def tamper(request: Any, **_: Any) -> None:
        # Same length, so only the signature can tell.
        body = request.body if isinstance(request.body, bytes) else request.body.encode()
        request.body = body.replace(b"RoleSessionName=alice", b"RoleSessionName=bobby")

    client.meta.events.register("before-send.sts.AssumeRole", tamper)
    code, status, message = refused(client.assume_role, RoleArn=DEPLOY, RoleSessionName="alice")
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    assert message.startswith("The request signature we calculated does not match")
    # The call is still recorded, as the server received it.
    assert emu.assume_role_calls()[-1]["RoleSessionName"] == "bobby"


def test_a_wrong_secret_is_refused(emu: Emulator) -> None:
    source = sso_keys(emu)
    wrong = sts(emu, source._replace(secret=changed(source.secret)))
    for call, kwargs in (
        (wrong.assume_role, {"RoleArn": DEPLOY, "RoleSessionName": "a1"}),
        (wrong.get_caller_identity, {}),
    ):
        assert refused(call, **kwargs)[:2] == ("SignatureDoesNotMatch", 403)


def test_a_signature_from_another_time_or_service_is_refused(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = sso_keys(emu)
    stale = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    stale -= datetime.timedelta(minutes=6)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_, **__: stale)
    code, status, message = refused(sts(emu, source).get_caller_identity)
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    assert message.startswith(f"Signature expired: {stale:%Y%m%dT%H%M%SZ} is now earlier than")
    monkeypatch.undo()
    # Signed for another service: the scope is checked before the signature.
    request = AWSRequest(
        method="POST",
        url=emu.url + "/",
        data="Action=GetCallerIdentity&Version=2011-06-15",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials(*source), "iam", "us-east-1").add_auth(request)
    answer = requests.post(
        emu.url + "/", data=request.body, headers=dict(request.headers), timeout=10
    )
    assert answer.status_code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in answer.content
    assert b"Credential should be scoped to correct service: 'sts'" in answer.content


def test_sigv4_verification_agrees_with_botocore_on_a_hard_request(emu: Emulator) -> None:
    """Query parameters repeated, empty and percent-encoded, a header with runs of spaces:
    what botocore's SigV4Auth signs, the emulator verifies."""
    source = sso_keys(emu)
    request = AWSRequest(
        method="POST",
        url=emu.url + "/?b=2&a=%2F%20x&a=1&empty=&k%C3%A9=%E2%9C%93",
        data="Action=GetCallerIdentity&Version=2011-06-15",
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "X-Amz-Meta-Note": "several   spaces\t here",
        },
    )
    SigV4Auth(Credentials(*source), "sts", "ap-southeast-2").add_auth(request)
    assert "x-amz-meta-note" in request.headers["Authorization"]
    prepared = request.prepare()
    answer = requests.post(
        prepared.url, data=prepared.body, headers=dict(prepared.headers), timeout=10
    )
    assert answer.status_code == 200, answer.text
    assert SSO_ADMIN_SESSION.encode() in answer.content
    # One changed query parameter, and the same signature no longer verifies.
    changed = prepared.url.replace("b=2", "b=3")
    answer = requests.post(changed, data=prepared.body, headers=dict(prepared.headers), timeout=10)
    assert answer.status_code == 403
    assert b"SignatureDoesNotMatch" in answer.content


def test_expired_caller_credentials(emu: Emulator) -> None:
    first = sts(emu, sso_keys(emu)).assume_role(RoleArn=DEPLOY, RoleSessionName="first")
    caller = sts(emu, assumed(first))
    emu.expire_credentials()
    code, status, message = refused(caller.assume_role, RoleArn=AUDIT, RoleSessionName="late")
    # 403, as STS answers it (e.g. Terraform's "sts:GetCallerIdentity: ExpiredToken … status
    # code: 403" reports), although the brief of issue 13 expected 400.
    assert (code, status) == ("ExpiredToken", 403)
    assert message == "The security token included in the request is expired"
    assert refused(caller.get_caller_identity)[:2] == ("ExpiredToken", 403)


def test_unknown_or_missing_credentials(emu: Emulator) -> None:
    made_up = sts(emu, Keys("ASIAMADEUPMADEUPMADE", "secret", "token"))
    code, status, _ = refused(made_up.assume_role, RoleArn=DEPLOY, RoleSessionName="x1")
    assert (code, status) == ("InvalidClientTokenId", 403)
    assert emu.assume_role_calls()[-1]["AccessKeyId"] == "ASIAMADEUPMADEUPMADE"
    unsigned = requests.post(
        emu.url + "/",
        data={"Action": "AssumeRole", "Version": "2011-06-15"},
        timeout=10,
    )
    assert unsigned.status_code == 403
    assert b"<Code>MissingAuthenticationToken</Code>" in unsigned.content


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"RoleSessionName": "has space"},
            "1 validation error detected: Value 'has space' at 'roleSessionName' failed to "
            r"satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*",
        ),
        (
            {"RoleSessionName": "a"},
            "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy "
            "constraint: Member must have length greater than or equal to 2",
        ),
        (
            {"RoleSessionName": "n" * 65},
            f"1 validation error detected: Value '{'n' * 65}' at 'roleSessionName' failed to "
            "satisfy constraint: Member must have length less than or equal to 64",
        ),
        (
            {"DurationSeconds": 899},
            "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy "
            "constraint: Member must have value greater than or equal to 900",
        ),
        (
            {"DurationSeconds": 43201},
            "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy "
            "constraint: Member must have value less than or equal to 43200",
        ),
        (
            {"RoleSessionName": "é", "TokenCode": "12345x", "SerialNumber": MFA_SERIAL},
            "3 validation errors detected: ",
        ),
    ],
)
def test_validation_errors(emu: Emulator, kwargs: dict[str, Any], expected: str) -> None:
    # botocore checks some of these itself; parameter_validation=False sends them as they are.
    caller = sts(emu, sso_keys(emu), parameter_validation=False)
    arguments = {"RoleArn": DEPLOY, "RoleSessionName": "valid", **kwargs}
    code, status, message = refused(caller.assume_role, **arguments)
    assert (code, status) == ("ValidationError", 400)
    assert message.startswith(expected)


def test_a_missing_parameter_or_version(emu: Emulator) -> None:
    source = sso_keys(emu)

    def post(body: str) -> requests.Response:
        request = AWSRequest(
            method="POST",
            url=emu.url + "/",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        SigV4Auth(Credentials(*source), "sts", "us-east-1").add_auth(request)
        return requests.post(emu.url + "/", data=body, headers=dict(request.headers), timeout=10)

    answer = post("Action=AssumeRole&Version=2011-06-15&RoleSessionName=abc")
    assert answer.status_code == 400
    assert (
        b"Value null at 'roleArn' failed to satisfy constraint: Member must not be null"
        in answer.content
    )
    answer = post("Action=AssumeRole&RoleArn=x&RoleSessionName=abc")
    assert answer.status_code == 400
    assert b"<Code>InvalidAction</Code>" in answer.content


# ----------------------------------------------------------------------------- faults


def test_throttling_is_injected_in_the_sts_format(emu: Emulator) -> None:
    source = sso_keys(emu)
    emu.inject("AssumeRole", 400, "Throttling", "Rate exceeded")
    code, status, message = refused(
        sts(emu, source).assume_role, RoleArn=DEPLOY, RoleSessionName="t1"
    )
    assert (code, status, message) == ("Throttling", 400, "Rate exceeded")
    # botocore's own retry policy treats it as throttling: the second attempt gets through.
    emu.inject("AssumeRole", 400, "Throttling", "Rate exceeded")
    retrying = sts(emu, source, retries={"total_max_attempts": 2, "mode": "standard"})
    assert retrying.assume_role(RoleArn=DEPLOY, RoleSessionName="t2")["Credentials"]
    assert emu.calls["AssumeRole"] == 3
    # Injected faults answer before the handler: only the successful call is recorded.
    assert [call["RoleSessionName"] for call in emu.assume_role_calls()] == ["t2"]


# ----------------------------------------------------------------------------- federation


def federation(emu: Emulator, **params: str) -> requests.Response:
    """GET /federation without following a redirect (the destination is the real console)."""
    return requests.get(emu.url + "/federation", params=params, allow_redirects=False, timeout=10)


def session_json(keys: Keys) -> str:
    return json.dumps(
        {"sessionId": keys.access_key_id, "sessionKey": keys.secret, "sessionToken": keys.token}
    )


def test_console_sign_in_flow(emu: Emulator) -> None:
    keys = sso_keys(emu)
    answer = federation(
        emu, Action="getSigninToken", SessionDuration="43200", Session=session_json(keys)
    )
    assert answer.status_code == 200
    token = answer.json()["SigninToken"]
    assert answer.json() == {"SigninToken": token}
    assert token in emu.secrets()  # a bearer credential: leak scans must look for it
    record = emu.signin_tokens()[token]
    assert record["AccessKeyId"] == keys.access_key_id
    assert record["SessionDuration"] == 43200
    assert emu.calls["GetSigninToken"] == 1

    login_answer = federation(
        emu, Action="login", Issuer="ssoenv", Destination=CONSOLE, SigninToken=token
    )
    assert login_answer.status_code == 302
    assert login_answer.headers["Location"] == CONSOLE
    assert emu.console_logins() == [
        {"Issuer": "ssoenv", "Destination": CONSOLE, "SigninToken": token}
    ]
    assert emu.calls["ConsoleLogin"] == 1


def test_sign_in_token_by_form_post_and_without_duration(emu: Emulator) -> None:
    keys = sso_keys(emu)
    answer = requests.post(
        emu.url + "/federation",
        data={"Action": "getSigninToken", "Session": session_json(keys)},
        timeout=10,
    )
    assert answer.status_code == 200
    assert emu.signin_tokens()[answer.json()["SigninToken"]]["SessionDuration"] is None


def test_sign_in_token_refuses_credentials_it_did_not_issue(emu: Emulator) -> None:
    keys = sso_keys(emu)
    user = Keys(*emu.add_user(USER_ACCOUNT, "ci"), None)
    for session in (
        session_json(keys._replace(secret=changed(keys.secret))),
        session_json(keys._replace(token="not-the-token")),
        session_json(keys._replace(access_key_id="ASIAMADEUPMADEUPMADE")),
        session_json(user),  # long-term keys: real AWS needs GetFederationToken first
        "not json",
        json.dumps([keys.access_key_id]),
    ):
        answer = federation(emu, Action="getSigninToken", Session=session)
        assert answer.status_code == 400
        assert answer.headers["Content-Type"].startswith("text/html")
        assert "Invalid credentials parameter" in answer.text
    emu.expire_credentials()
    answer = federation(emu, Action="getSigninToken", Session=session_json(keys))
    assert answer.status_code == 400
    assert emu.signin_tokens() == {}


def test_session_duration_rules(emu: Emulator) -> None:
    sso = sso_keys(emu)
    for duration in ("899", "43201", "1h"):
        answer = federation(
            emu, Action="getSigninToken", SessionDuration=duration, Session=session_json(sso)
        )
        assert answer.status_code == 400
    # Role-chained credentials: no SessionDuration (AWS knowledge center,
    # "invalid-credentials-parameter"), but a token without one.
    chained = assumed(sts(emu, sso).assume_role(RoleArn=DEPLOY, RoleSessionName="chained"))
    answer = federation(
        emu, Action="getSigninToken", SessionDuration="3600", Session=session_json(chained)
    )
    assert answer.status_code == 400
    assert "Invalid credentials parameter" in answer.text
    answer = federation(emu, Action="getSigninToken", Session=session_json(chained))
    assert answer.status_code == 200
    # An IAM user's AssumeRole is not chained: its credentials may ask for a duration.
    user = Keys(*emu.add_user(USER_ACCOUNT, "ci"), None)
    unchained = assumed(sts(emu, user).assume_role(RoleArn=LONG, RoleSessionName="unchained"))
    answer = federation(
        emu, Action="getSigninToken", SessionDuration="3600", Session=session_json(unchained)
    )
    assert answer.status_code == 200


def test_login_refuses_tokens_it_did_not_issue_or_that_expired(emu: Emulator) -> None:
    keys = sso_keys(emu)
    assert (
        federation(
            emu, Action="login", Issuer="x", Destination=CONSOLE, SigninToken="made-up"
        ).status_code
        == 400
    )
    token = federation(emu, Action="getSigninToken", Session=session_json(keys)).json()[
        "SigninToken"
    ]
    assert (
        federation(
            emu, Action="login", Issuer="x", Destination="not a url", SigninToken=token
        ).status_code
        == 400
    )
    emu.signin_token_ttl = 0
    expired = federation(emu, Action="getSigninToken", Session=session_json(keys)).json()[
        "SigninToken"
    ]
    answer = federation(emu, Action="login", Issuer="x", Destination=CONSOLE, SigninToken=expired)
    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert emu.console_logins() == []
    assert federation(emu, Action="nonsense").status_code == 400


def test_faults_on_the_federation_endpoint(emu: Emulator) -> None:
    keys = sso_keys(emu)
    emu.inject("GetSigninToken", 503, "ServiceUnavailable")
    answer = federation(emu, Action="getSigninToken", Session=session_json(keys))
    assert answer.status_code == 503
    assert answer.headers["Content-Type"].startswith("text/html")
    assert federation(emu, Action="getSigninToken", Session=session_json(keys)).status_code == 200
    assert emu.calls["GetSigninToken"] == 2


# ----------------------------------------------------------------------------- command line


def test_command_line_trust_options() -> None:
    """--role and --trust make roles assumable by a standalone emulator."""
    trust = json.dumps({PARTNER: {"external_id": EXTERNAL_ID}})
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--port", "0", "--role", DEPLOY, "--trust", trust],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        standalone = Emulator()  # only for its url: the helpers take an Emulator
        standalone.url = url
        caller = sts(standalone, sso_keys(standalone))
        assert caller.assume_role(RoleArn=DEPLOY, RoleSessionName="cli")["Credentials"]
        assert caller.assume_role(RoleArn=PARTNER, RoleSessionName="cli", ExternalId=EXTERNAL_ID)[
            "Credentials"
        ]
        assert refused(caller.assume_role, RoleArn=PARTNER, RoleSessionName="cli")[0] == (
            "AccessDenied"
        )
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert stderr == ""


def test_command_line_refuses_a_bad_trust_mapping() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    for arguments in (
        ["--role", "arn:aws:iam::12:role/x"],
        ["--trust", "{not json"],
        ["--trust", json.dumps({DEPLOY: {"principal": ["*"]}})],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "tests.emulator", "--port", "0", *arguments],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert result.returncode == 2
        assert result.stdout == ""
        assert "error: argument" in result.stderr
