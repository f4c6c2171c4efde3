"""ssoenv.sigv4 against botocore's SigV4Auth, the oracle: on fixed inputs (the
clock frozen in both), the headers ssoenv adds must be exactly those botocore
adds, byte for byte, and botocore must add no other."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import botocore.auth
import botocore.credentials
import botocore.session
import pytest
from botocore.awsrequest import AWSRequest

from ssoenv import sigv4
from ssoenv.sigv4 import Credentials

NOW = datetime(2026, 3, 9, 23, 59, 58, tzinfo=timezone.utc)
TEMPORARY = Credentials(
    "ASIAEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "FwoGZXIvYXdzE//token+/="
)
LONG_TERM = Credentials("AKIAEXAMPLE", "secret/with+chars=")
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


@pytest.fixture
def frozen_botocore_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # botocore's SigV4Auth.add_auth reads the time through this function (a naive UTC datetime).
    monkeypatch.setattr(
        botocore.auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None), raising=True
    )


def botocore_added(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    credentials: Credentials,
    region: str,
    service: str,
    params: dict[str, str] | None = None,
) -> dict[str, str]:
    """The headers botocore's SigV4Auth adds to (or changes in) this request."""
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body, params=params)
    keys = botocore.credentials.Credentials(
        credentials.access_key_id, credentials.secret_access_key, credentials.session_token
    )
    botocore.auth.SigV4Auth(keys, service, region).add_auth(request)
    return {
        name: value
        for name, value in request.headers.items()
        if headers.get(name) != value  # new or replaced
    }


def ours(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    credentials: Credentials,
    region: str,
    service: str,
) -> dict[str, str]:
    return sigv4.sign(method, url, headers, body, credentials, region, service, NOW)


# id: (method, url, headers, body, credentials, region, service)
CASES: dict[str, tuple[str, str, dict[str, str], bytes, Credentials, str, str]] = {
    "assume-role-form-with-token": (
        "POST",
        "https://sts.eu-west-1.amazonaws.com/",
        FORM,
        b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012"
        b"%3Arole%2Fadmin&RoleSessionName=ssoenv-1",
        TEMPORARY,
        "eu-west-1",
        "sts",
    ),
    "form-without-token": (
        "POST",
        "https://sts.amazonaws.com/",
        FORM,
        b"Action=GetCallerIdentity&Version=2011-06-15",
        LONG_TERM,
        "us-east-1",
        "sts",
    ),
    "empty-body-get": ("GET", "https://iam.amazonaws.com/", {}, b"", TEMPORARY, "us-east-1", "iam"),
    "empty-body-post-without-token": (
        "POST",
        "https://sts.us-west-2.amazonaws.com",  # no path at all: signed as "/"
        FORM,
        b"",
        LONG_TERM,
        "us-west-2",
        "sts",
    ),
    "encoded-query-reserved-characters": (
        "GET",
        "https://example.amazonaws.com/?Zeta=1&a%20b=c%2Fd%3Ae&Action=List&Marker=x%2By%3D&b=&b=a",
        {},
        b"",
        TEMPORARY,
        "us-east-1",
        "service",
    ),
    "form-body-non-ascii": (
        "POST",
        "https://sts.ap-southeast-2.amazonaws.com/",
        FORM,
        urlencode(
            {"Action": "AssumeRole", "ExternalId": "café ☕ x+y=/:", "RoleSessionName": "é"}
        ).encode(),
        TEMPORARY,
        "ap-southeast-2",
        "sts",
    ),
    "non-ascii-header-value-and-secret": (
        "POST",
        "https://sts.eu-central-1.amazonaws.com/",
        {**FORM, "X-Custom": "naïve ☃"},
        b"Action=GetCallerIdentity&Version=2011-06-15",
        Credentials("AKIDEXAMPLE", "sécret", "tøken"),
        "eu-central-1",
        "sts",
    ),
    "path-dot-segments-slashes-and-escapes": (
        "POST",
        "https://gw.example.com/a/./b//c/../d%2Fe/~f:g/",
        FORM,
        b"x=1",
        TEMPORARY,
        "us-east-1",
        "sts",
    ),
    "path-up-past-the-root": (
        "GET",
        "https://gw.example.com/a/../..",
        {},
        b"",
        LONG_TERM,
        "us-east-1",
        "sts",
    ),
    "custom-port-and-upper-case-host": (
        "POST",
        "http://LocalHost:4566/",
        FORM,
        b"Action=AssumeRole",
        TEMPORARY,
        "us-east-1",
        "sts",
    ),
    "default-port-spelled-out": (
        "POST",
        "https://sts.us-east-1.amazonaws.com:443/",
        FORM,
        b"Action=AssumeRole",
        TEMPORARY,
        "us-east-1",
        "sts",
    ),
    "ipv6-host": ("POST", "http://[::1]:8080/sts", FORM, b"a=b", TEMPORARY, "us-east-1", "sts"),
    "headers-trimmed-skipped-and-replaced": (
        "POST",
        "https://sts.us-east-1.amazonaws.com/",
        {
            **FORM,
            "X-Spaced": "  a   b\t c  ",
            "User-Agent": "not signed",
            "Connection": "keep-alive",
            "X-Amzn-Trace-Id": "Root=1",
            "Authorization": "stale",
            "X-Amz-Date": "20000101T000000Z",
            "X-Amz-Security-Token": "stale-token",
        },
        b"Action=AssumeRole",
        TEMPORARY,
        "us-east-1",
        "sts",
    ),
    "host-header-given": (
        "POST",
        "https://127.0.0.1:8443/",
        {**FORM, "Host": "sts.us-east-1.amazonaws.com"},
        b"Action=AssumeRole",
        LONG_TERM,
        "us-east-1",
        "sts",
    ),
}


@pytest.mark.usefixtures("frozen_botocore_clock")
@pytest.mark.parametrize(
    ("method", "url", "headers", "body", "credentials", "region", "service"),
    CASES.values(),
    ids=CASES.keys(),
)
def test_the_signature_is_botocores(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    credentials: Credentials,
    region: str,
    service: str,
) -> None:
    args = (method, url, headers, body, credentials, region, service)
    expected = botocore_added(*args)
    assert ours(*args) == expected
    # The headers botocore adds for these services are these three at most: no
    # X-Amz-Content-SHA256 (botocore sends it for S3 and unsigned payloads only).
    wanted = {"X-Amz-Date", "Authorization"} | (
        {"X-Amz-Security-Token"} if credentials.session_token else set()
    )
    assert set(expected) == wanted


QUERIES = {
    "reserved": {
        "path": "/a b",
        "filter": "x:y,z;w",
        "plus": "1+1=2",
        "amp": "a&b",
        "tilde": "~_-.",
    },
    "non-ascii": {"name": "café", "emoji": "☃ snow", "ü": "key too"},
    "empty-and-sorting": {"b": "", "a": "2", "A": "1", "a2": ""},
}


@pytest.mark.usefixtures("frozen_botocore_clock")
@pytest.mark.parametrize("params", QUERIES.values(), ids=QUERIES.keys())
def test_a_raw_query_is_signed_as_botocore_signs_the_same_parameters(
    params: dict[str, str],
) -> None:
    """botocore signs `params` encoded; a URL carrying them raw (as a person may
    type them, and as requests leaves `/`, `:` and `,`) signs the same."""
    base = "https://sts.us-east-1.amazonaws.com/"
    expected = botocore_added("GET", base, {}, b"", TEMPORARY, "us-east-1", "sts", params=params)
    raw = "&".join(f"{name}={value.replace('&', '%26')}" for name, value in params.items())
    assert ours("GET", f"{base}?{raw}", {}, b"", TEMPORARY, "us-east-1", "sts") == expected
    encoded = urlencode(params, safe="-_.~", quote_via=__import__("urllib.parse").parse.quote)
    assert ours("GET", f"{base}?{encoded}", {}, b"", TEMPORARY, "us-east-1", "sts") == expected


class _Sent(Exception):
    pass


@pytest.mark.usefixtures("frozen_botocore_clock")
@pytest.mark.parametrize("token", [None, "session-token/+="])
def test_botocores_own_sts_request_is_signed_the_same(token: str | None) -> None:
    """The request botocore's STS client builds for AssumeRole (its body, its
    Content-Type, its URL), captured before sending: its signing headers are ours."""
    client = botocore.session.Session().create_client(
        "sts",
        region_name="eu-west-3",
        aws_access_key_id="AKIDSTS",
        aws_secret_access_key="sts-secret",
        aws_session_token=token,
    )

    def capture(request: Any, **_: Any) -> None:
        raise _Sent(request)

    client.meta.events.register("before-send", capture)
    with pytest.raises(_Sent) as sent:
        client.assume_role(
            RoleArn="arn:aws:iam::123456789012:role/x", RoleSessionName="s é", ExternalId="e+/"
        )
    request = sent.value.args[0]
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
    mine = sigv4.sign(
        "POST",
        request.url,
        {"Content-Type": headers["Content-Type"]},
        request.body.encode() if isinstance(request.body, str) else request.body,
        Credentials("AKIDSTS", "sts-secret", token),
        "eu-west-3",
        "sts",
        NOW,
    )
    assert mine == {name: headers[name] for name in mine}
    assert "X-Amz-Content-SHA256" not in headers
    assert ("X-Amz-Security-Token" in headers) == (token is not None)


def test_aws_documented_example() -> None:
    """AWS's SigV4 test suite, `get-vanilla`: independent of botocore."""
    added = sigv4.sign(
        "GET",
        "https://example.amazonaws.com/",
        {},
        b"",
        Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        "us-east-1",
        "service",
        datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc),
    )
    assert added == {
        "X-Amz-Date": "20150830T123600Z",
        "Authorization": "AWS4-HMAC-SHA256 "
        "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    }


def test_the_time_is_utc_whatever_the_zone_given() -> None:
    """A local time with its offset, and a naive UTC time, sign as the same instant."""
    args = ("POST", "https://sts.amazonaws.com/", FORM, b"a=b", TEMPORARY, "us-east-1", "sts")
    paris = NOW.astimezone(timezone(timedelta(hours=1)))
    assert paris.hour != NOW.hour
    expected = sigv4.sign(*args, NOW)
    assert sigv4.sign(*args, paris) == expected
    assert sigv4.sign(*args, NOW.replace(tzinfo=None)) == expected
    assert expected["X-Amz-Date"] == "20260309T235958Z"


def test_each_input_changes_the_signature() -> None:
    """The signature covers what it must: a changed body, path, query, signed
    header, region, service, key or time gives another one."""
    base = ("POST", "https://sts.amazonaws.com/a?q=1", FORM, b"a=b", TEMPORARY, "us-east-1", "sts")
    reference = sigv4.sign(*base, NOW)["Authorization"]
    changes: list[tuple[Any, ...]] = [
        ("PUT", *base[1:]),
        (base[0], "https://sts.amazonaws.com/b?q=1", *base[2:]),
        (base[0], "https://sts.amazonaws.com/a?q=2", *base[2:]),
        (base[0], "https://sts.amazonaws.com:8443/a?q=1", *base[2:]),
        (*base[:2], {"Content-Type": "text/plain"}, *base[3:]),
        (*base[:3], b"a=c", *base[4:]),
        (
            *base[:4],
            Credentials(TEMPORARY.access_key_id, "other", TEMPORARY.session_token),
            *base[5:],
        ),
        (
            *base[:4],
            Credentials(TEMPORARY.access_key_id, TEMPORARY.secret_access_key, "t2"),
            *base[5:],
        ),
        (*base[:5], "us-east-2", "sts"),
        (*base[:6], "iam"),
    ]
    for changed in changes:
        assert sigv4.sign(*changed, NOW)["Authorization"] != reference, changed
    assert sigv4.sign(*base, NOW + timedelta(seconds=1))["Authorization"] != reference
    # ...but not what it must not: an unsigned header.
    unsigned = {**FORM, "User-Agent": "x", "Connection": "close"}
    assert sigv4.sign(*base[:2], unsigned, *base[3:], NOW)["Authorization"] == reference


def test_secrets_stay_out_of_reprs() -> None:
    shown = repr(TEMPORARY)
    assert TEMPORARY.access_key_id in shown
    assert TEMPORARY.secret_access_key not in shown
    assert str(TEMPORARY.session_token) not in shown
