"""ssoenv.sts against a local STS stand-in and botocore, the oracle.

The stand-in (`FakeSts`, an HTTP server on 127.0.0.1) checks the SigV4 signature
of every request as it arrived on the wire, recomputed by botocore's SigV4Auth
for the credentials it knows, and answers what each test scripts, in STS's XML.
botocore's own STS client is run against the same server: the body ssoenv sends
must be the one botocore sends, and ssoenv must read each answer as botocore
reads it. (tests/emulator.py grows a full STS in another branch; the end-to-end
test through `ssoenv use` belongs with role chaining, once both are merged.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import botocore.auth
import botocore.config
import botocore.credentials
import botocore.exceptions
import pytest
from botocore.awsrequest import AWSRequest

from ssoenv import sts
from ssoenv.errors import AccessDenied, AwsApiError, ExitCode, LoginRequired
from ssoenv.http import INTERACTIVE, HttpClient, HttpPolicy
from ssoenv.model import RoleCredentials
from ssoenv.sigv4 import Credentials

NS = "https://sts.amazonaws.com/doc/2011-06-15/"
ROLE = "arn:aws:iam::210987654321:role/deploy"
SOURCE = Credentials("ASIASOURCE", "source-secret/+=", "source-session-token")
KEYS = Credentials("AKIASTATIC", "static-secret")
NOW = datetime(2026, 5, 4, 3, 2, 1, tzinfo=timezone.utc)
REGION = "eu-west-1"


def success_xml(expiration: str = "2026-05-04T04:02:01.123Z") -> str:
    return (
        f'<AssumeRoleResponse xmlns="{NS}">\n'
        "  <AssumeRoleResult>\n"
        "    <SourceIdentity>alice</SourceIdentity>\n"
        "    <AssumedRoleUser>\n"
        "      <AssumedRoleId>AROAEXAMPLE:ssoenv-alice</AssumedRoleId>\n"
        "      <Arn>arn:aws:sts::210987654321:assumed-role/deploy/ssoenv-alice</Arn>\n"
        "    </AssumedRoleUser>\n"
        "    <Credentials>\n"
        "      <AccessKeyId>ASIAASSUMED</AccessKeyId>\n"
        "      <SecretAccessKey>assumed/secret+key</SecretAccessKey>\n"
        "      <SessionToken>FwoGZXIvYXdzEassumed//token==</SessionToken>\n"
        f"      <Expiration>{expiration}</Expiration>\n"
        "    </Credentials>\n"
        "    <PackedPolicySize>6</PackedPolicySize>\n"
        "  </AssumeRoleResult>\n"
        "  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>"
        "</ResponseMetadata>\n"
        "</AssumeRoleResponse>\n"
    )


def error_xml(code: str, message: str, kind: str = "Sender") -> str:
    return (
        f'<ErrorResponse xmlns="{NS}">\n'
        f"  <Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>\n"
        "  <RequestId>4d6d2b8a-0000-4000-8000-000000000000</RequestId>\n"
        "</ErrorResponse>\n"
    )


class FakeSts:
    """STS's wire format on loopback. `answers` are served in order (the last one
    again once they run out); every request is recorded with the outcome of its
    signature check."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, str, str]] = [(200, "text/xml", success_xml())]
        self.requests: list[dict[str, Any]] = []
        self.secrets = {c.access_key_id: c for c in (SOURCE, KEYS)}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = dict(self.headers.items())
                fake.requests.append(
                    {
                        "path": self.path,
                        "headers": headers,
                        "body": body,
                        "signed": fake.signature_is_valid(self.path, headers, body),
                    }
                )
                index = min(len(fake.requests), len(fake.answers)) - 1
                status, kind, text = fake.answers[index]
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: Any) -> None:  # keep the test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        # A short poll: shutdown() returns within it, instead of serve_forever's 0.5 s.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def signature_is_valid(self, path: str, headers: dict[str, str], body: bytes) -> bool:
        """botocore's SigV4Auth, given exactly the headers the request says it
        signed, for the credentials of its access key, at its own X-Amz-Date,
        must come to the Authorization it carries."""
        authorization = headers.get("Authorization", "")
        try:
            credential = authorization.split("Credential=", 1)[1].split(",", 1)[0]
            signed = authorization.split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")
            key_id, _date, region, service, _ = credential.split("/")
            keys = self.secrets[key_id]
        except (IndexError, KeyError, ValueError):
            return False
        lower = {name.lower(): value for name, value in headers.items()}
        request = AWSRequest(
            method="POST",
            url=f"http://{lower['host']}{path}",
            headers={name: lower[name] for name in signed if name in lower},
            data=body,
        )
        stamp = datetime.strptime(lower.get("x-amz-date", ""), "%Y%m%dT%H%M%SZ")
        original = botocore.auth.get_current_datetime
        botocore.auth.get_current_datetime = lambda: stamp  # type: ignore[assignment]
        try:
            botocore.auth.SigV4Auth(
                botocore.credentials.Credentials(
                    keys.access_key_id, keys.secret_access_key, keys.session_token
                ),
                service,
                region,
            ).add_auth(request)
        finally:
            botocore.auth.get_current_datetime = original
        return request.headers["Authorization"] == authorization

    def __enter__(self) -> FakeSts:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def fake_sts() -> Iterator[FakeSts]:
    with FakeSts() as server:
        yield server


class NoWait:
    """The client's sleep and jitter, recorded instead of waited."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def client(policy: HttpPolicy = INTERACTIVE) -> tuple[HttpClient, NoWait]:
    waits = NoWait()
    return HttpClient(policy, sleep=waits.sleep, jitter=lambda: 0.5), waits


class Clock:
    """A clock that moves one second per reading: each attempt's signature has its own time."""

    def __init__(self) -> None:
        self.readings = 0

    def __call__(self) -> datetime:
        self.readings += 1
        return NOW + timedelta(seconds=self.readings - 1)


def assume(fake: FakeSts, credentials: Credentials = SOURCE, **extra: Any) -> RoleCredentials:
    http, _ = client()
    return sts.assume_role(
        http, fake.url, REGION, credentials, ROLE, "ssoenv-alice", now=lambda: NOW, **extra
    )


# --------------------------------------------------------------------------- the request


@pytest.mark.parametrize("credentials", [SOURCE, KEYS], ids=["session-token", "long-term-keys"])
def test_the_request_is_signed_as_botocore_signs_it(
    fake_sts: FakeSts, credentials: Credentials
) -> None:
    got = assume(fake_sts, credentials)
    assert got.access_key_id == "ASIAASSUMED"
    (request,) = fake_sts.requests
    assert request["signed"]
    headers = request["headers"]
    assert headers["X-Amz-Date"] == "20260504T030201Z"
    assert ("X-Amz-Security-Token" in headers) == (credentials.session_token is not None)
    assert headers.get("X-Amz-Security-Token") == credentials.session_token
    assert (
        f"Credential={credentials.access_key_id}/20260504/{REGION}/sts/aws4_request"
        in (headers["Authorization"])
    )
    # Only the signing headers carry the source credentials: not the URL, not the body.
    assert credentials.secret_access_key.encode() not in request["body"]
    assert request["path"] == "/"


def test_a_forged_signature_is_caught_by_the_check(fake_sts: FakeSts) -> None:
    """The server's check can fail: credentials it does not know sign in vain."""
    assume(fake_sts, Credentials("ASIASOURCE", "not-the-secret", SOURCE.session_token))
    assert fake_sts.requests[0]["signed"] is False


def test_the_body_is_botocores(fake_sts: FakeSts) -> None:
    """botocore's STS client, given the same parameters, POSTs the same bytes with
    the same Content-Type to the same path (parameters in the model's order, as
    ssoenv sends them; non-ASCII, `+`, `/`, `=` and spaces encoded alike)."""
    extra = {
        "DurationSeconds": 3600,
        "ExternalId": "ext é+/= id",
        "SerialNumber": "arn:aws:iam::123456789012:mfa/alice",
        "TokenCode": "123456",
    }
    boto = boto3.Session(
        aws_access_key_id=SOURCE.access_key_id,
        aws_secret_access_key=SOURCE.secret_access_key,
        aws_session_token=SOURCE.session_token,
        region_name=REGION,
    ).client("sts", endpoint_url=fake_sts.url)
    boto.assume_role(RoleArn=ROLE, RoleSessionName="ssoenv-alice", **extra)
    assume(
        fake_sts,
        external_id=extra["ExternalId"],
        duration_seconds=extra["DurationSeconds"],
        serial_number=extra["SerialNumber"],
        token_code=extra["TokenCode"],
    )
    theirs, mine = fake_sts.requests
    assert theirs["signed"] and mine["signed"]
    assert mine["body"] == theirs["body"]
    assert mine["path"] == theirs["path"]
    assert mine["headers"]["Content-Type"] == theirs["headers"]["Content-Type"]
    assert b"ExternalId=ext+%C3%A9%2B%2F%3D+id" in mine["body"]


def test_optional_parameters_are_sent_only_when_given(fake_sts: FakeSts) -> None:
    assume(fake_sts)
    assert fake_sts.requests[0]["body"] == (
        b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A210987654321"
        b"%3Arole%2Fdeploy&RoleSessionName=ssoenv-alice"
    )


# --------------------------------------------------------------------------- the answer


def test_the_answer_is_read_as_botocore_reads_it(fake_sts: FakeSts) -> None:
    boto = boto3.Session(
        aws_access_key_id=KEYS.access_key_id,
        aws_secret_access_key=KEYS.secret_access_key,
        region_name=REGION,
    ).client("sts", endpoint_url=fake_sts.url)
    theirs = boto.assume_role(RoleArn=ROLE, RoleSessionName="ssoenv-alice")["Credentials"]
    mine = assume(fake_sts, KEYS)
    assert mine.access_key_id == theirs["AccessKeyId"]
    assert mine.secret_access_key == theirs["SecretAccessKey"]
    assert mine.session_token == theirs["SessionToken"]
    # Whole seconds, rounded down, as ssoenv keeps every expiry.
    assert mine.expiration == theirs["Expiration"].replace(microsecond=0)
    assert mine.expiration == datetime(2026, 5, 4, 4, 2, 1, tzinfo=timezone.utc)
    assert mine.account_id == "210987654321"


@pytest.mark.parametrize(
    "expiration",
    ["2026-05-04T04:02:01Z", "2026-05-04T04:02:01.5Z", "2026-05-04T04:02:01+00:00"],
)
def test_expiration_spellings(fake_sts: FakeSts, expiration: str) -> None:
    fake_sts.answers = [(200, "text/xml", success_xml(expiration))]
    assert assume(fake_sts).expiration == datetime(2026, 5, 4, 4, 2, 1, tzinfo=timezone.utc)


BROKEN_ANSWERS = {
    "html": (200, "text/html", "<html><body>Sign in to the proxy</body></html>"),
    "not-xml": (200, "text/xml", "Action=AssumeRole"),
    "no-credentials": (200, "text/xml", f'<AssumeRoleResponse xmlns="{NS}"/>'),
    "empty-key": (200, "text/xml", success_xml().replace("ASIAASSUMED", "")),
    "bad-expiration": (200, "text/xml", success_xml("tomorrow")),
    "impossible-expiration": (200, "text/xml", success_xml("2026-13-45T04:02:01Z")),
    "entity-bomb": (
        200,
        "text/xml",
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
        + "]>\n<r>&i;</r>",
    ),
    "external-entity": (
        200,
        "text/xml",
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<AssumeRoleResponse xmlns="{NS}"><Credentials><AccessKeyId>&x;</AccessKeyId>'
        "</Credentials></AssumeRoleResponse>",
    ),
    # Harmless in itself, but no STS answer has a DTD: refused before parsing
    # (expat would expand it), as every entity trick needs one.
    "internal-entity": (
        200,
        "text/xml",
        success_xml()
        .replace(
            f'<AssumeRoleResponse xmlns="{NS}">',
            '<!DOCTYPE AssumeRoleResponse [<!ENTITY k "ASIAFROMENTITY">]>'
            f'<AssumeRoleResponse xmlns="{NS}">',
        )
        .replace("ASIAASSUMED", "&k;"),
    ),
    "unknown-error-page": (404, "text/html", "<h1>Not Found</h1>"),
}


@pytest.mark.parametrize(("status", "kind", "text"), BROKEN_ANSWERS.values(), ids=BROKEN_ANSWERS)
def test_a_broken_answer_is_one_line_and_no_credentials(
    fake_sts: FakeSts, status: int, kind: str, text: str
) -> None:
    fake_sts.answers = [(status, kind, text)]
    with pytest.raises(AwsApiError) as caught:
        assume(fake_sts)
    error = caught.value
    assert error.code == "UnexpectedResponse"
    assert error.exit_code == ExitCode.AWS_ERROR
    assert not error.transient
    assert "\n" not in str(error)
    assert len(fake_sts.requests) == 1  # a wrong answer is not asked again


# --------------------------------------------------------------------------- errors


def test_access_denied_is_exit_6_with_the_servers_message_made_safe(fake_sts: FakeSts) -> None:
    said = (
        "User: arn:aws:sts::123456789012:assumed-role/Dev/alice is not authorized to "
        f"perform: sts:AssumeRole on resource: {ROLE}\nfake line\x9b2J\u202e"
    )  # what well-formed XML 1.0 can carry: a newline, C1 controls, bidi controls
    fake_sts.answers = [(403, "text/xml", error_xml("AccessDenied", said))]
    with pytest.raises(AccessDenied) as caught:
        assume(fake_sts)
    error = caught.value
    assert error.exit_code == ExitCode.ACCESS_DENIED == 6
    assert not error.transient
    message = str(error)
    assert message.startswith(f"cannot assume role {ROLE}: User: arn:aws:sts::123456789012")
    assert "\x9b" not in message and "\n" not in message and "\u202e" not in message
    assert "\\nfake line\\x9b2J\\u202e" in message
    assert error.hint and "trust policy" in error.hint
    assert len(fake_sts.requests) == 1


def test_a_long_server_message_is_cut(fake_sts: FakeSts) -> None:
    fake_sts.answers = [(403, "text/xml", error_xml("AccessDenied", "x" * 5000))]
    with pytest.raises(AccessDenied) as caught:
        assume(fake_sts)
    assert len(str(caught.value)) < 300
    assert str(caught.value).endswith("…")


@pytest.mark.parametrize(
    ("code", "said", "words"),
    [
        ("ExpiredToken", "The security token included in the request is expired", "expired"),
        (
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
            "does not know",
        ),
    ],
)
def test_refused_source_credentials_are_exit_4(
    fake_sts: FakeSts, code: str, said: str, words: str
) -> None:
    """Only new source credentials help: not retried, not transient, a login's exit code."""
    fake_sts.answers = [(403, "text/xml", error_xml(code, said))]
    with pytest.raises(LoginRequired) as caught:
        assume(fake_sts)
    error = caught.value
    assert error.exit_code == ExitCode.LOGIN_REQUIRED == 4
    assert not error.transient
    assert words in str(error) and said in str(error) and ROLE in str(error)
    assert "\n" not in str(error)
    assert error.hint
    assert len(fake_sts.requests) == 1


@pytest.mark.parametrize(
    ("code", "status", "hint"),
    [
        ("ValidationError", 400, "duration_seconds"),
        ("RegionDisabledException", 403, "activate the region"),
        ("MalformedPolicyDocument", 400, None),
    ],
)
def test_other_errors_are_exit_7(
    fake_sts: FakeSts, code: str, status: int, hint: str | None
) -> None:
    fake_sts.answers = [(status, "text/xml", error_xml(code, f"the {code} message"))]
    with pytest.raises(AwsApiError) as caught:
        assume(fake_sts)
    error = caught.value
    assert (error.code, error.status, error.exit_code) == (code, status, ExitCode.AWS_ERROR)
    assert not error.transient
    assert f"the {code} message" in str(error)
    assert (error.hint is None) if hint is None else (hint in (error.hint or ""))
    assert len(fake_sts.requests) == 1


def test_error_codes_are_botocores(fake_sts: FakeSts) -> None:
    """botocore's client reads the same code and message from the same answer."""
    fake_sts.answers = [(403, "text/xml", error_xml("AccessDenied", "no &amp; &lt;way&gt;"))]
    boto = boto3.Session(
        aws_access_key_id=KEYS.access_key_id,
        aws_secret_access_key=KEYS.secret_access_key,
        region_name=REGION,
    ).client("sts", endpoint_url=fake_sts.url)
    with pytest.raises(botocore.exceptions.ClientError) as theirs:
        boto.assume_role(RoleArn=ROLE, RoleSessionName="ssoenv-alice")
    with pytest.raises(AccessDenied) as mine:
        assume(fake_sts, KEYS)
    assert theirs.value.response["Error"]["Code"] == "AccessDenied"
    assert isinstance(mine.value.__cause__, AwsApiError)
    assert mine.value.__cause__.code == theirs.value.response["Error"]["Code"]
    assert mine.value.__cause__.message == theirs.value.response["Error"]["Message"]
    assert mine.value.__cause__.message == "no & <way>"


# --------------------------------------------------------------------------- retries


def test_throttling_is_retried_and_each_attempt_signed_afresh(fake_sts: FakeSts) -> None:
    """STS throttles with HTTP 400 and the code Throttling; the next attempt, signed
    at its own time, gets the credentials."""
    fake_sts.answers = [
        (400, "text/xml", error_xml("Throttling", "Rate exceeded")),
        (200, "text/xml", success_xml()),
    ]
    http, waits = client()
    clock = Clock()
    got = sts.assume_role(http, fake_sts.url, REGION, SOURCE, ROLE, "ssoenv-alice", now=clock)
    assert got.access_key_id == "ASIAASSUMED"
    assert len(waits.sleeps) == 1
    first, second = fake_sts.requests
    assert first["signed"] and second["signed"]
    assert first["headers"]["X-Amz-Date"] == "20260504T030201Z"
    assert second["headers"]["X-Amz-Date"] == "20260504T030202Z"
    assert first["body"] == second["body"]


@pytest.mark.parametrize(
    ("status", "kind", "text", "code"),
    [
        (400, "text/xml", error_xml("Throttling", "Rate exceeded"), "Throttling"),
        (500, "text/xml", error_xml("InternalFailure", "oops", "Receiver"), "InternalFailure"),
        (503, "text/html", "<html>Service Unavailable</html>", "InternalServerException"),
        (429, "text/plain", "slow down", "TooManyRequestsException"),
    ],
    ids=["throttling-400", "internal-500", "html-503", "plain-429"],
)
def test_server_trouble_is_retried_then_transient(
    fake_sts: FakeSts, status: int, kind: str, text: str, code: str
) -> None:
    fake_sts.answers = [(status, kind, text)]
    policy = HttpPolicy(attempts=3)
    http, waits = client(policy)
    with pytest.raises(AwsApiError) as caught:
        sts.assume_role(http, fake_sts.url, REGION, SOURCE, ROLE, "ssoenv-alice")
    error = caught.value
    assert error.code == code
    assert error.transient
    assert error.exit_code == ExitCode.AWS_ERROR
    assert len(fake_sts.requests) == policy.attempts
    assert len(waits.sleeps) == policy.attempts - 1
    message = str(error)
    assert "\n" not in message
    assert f"still after {policy.attempts} tries" in message
    assert ("throttling" in message) == (code in ("Throttling", "TooManyRequestsException"))
    assert error.hint and "AWS STS" in error.hint


def test_a_deadline_stops_the_retries(fake_sts: FakeSts) -> None:
    """The caller's deadline (the prompt hook's) comes before the next try would:
    the first answer's error, said once, without waiting."""
    import time

    fake_sts.answers = [(400, "text/xml", error_xml("Throttling", "Rate exceeded"))]
    waits = NoWait()
    slow_backoff = HttpPolicy(
        backoff_base=1000.0, backoff_cap=1000.0
    )  # waits far past the deadline
    http = HttpClient(
        slow_backoff, sleep=waits.sleep, jitter=lambda: 0.5, deadline=time.monotonic() + 60
    )
    with pytest.raises(AwsApiError) as caught:
        sts.assume_role(http, fake_sts.url, REGION, SOURCE, ROLE, "ssoenv-alice")
    assert caught.value.transient
    assert "still after 1 tries" in str(caught.value)
    assert waits.sleeps == []
    assert len(fake_sts.requests) == 1
