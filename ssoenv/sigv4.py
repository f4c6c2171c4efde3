"""AWS Signature Version 4: the headers that sign one HTTP request with a set of
AWS credentials. Pure functions of their inputs (the time included), no I/O.

The algorithm is AWS's ("Create a signed AWS API request", IAM user guide); the
details where a reading of it could differ are settled as botocore's
`SigV4Auth` settles them, and tests/test_sigv4.py compares the two on fixed
inputs:
- The path is signed with dot segments and repeated slashes removed, then
  percent-encoded once more (`%` becomes `%25`): every service but S3 wants it so.
- The query is signed sorted by encoded name, then value, each encoded with
  RFC 3986's unreserved characters left as they are. A URL whose query is
  already so encoded is signed as botocore signs it; any other is decoded first,
  so a raw `/` or space is signed as the `%2F` or `%20` the server sees.
- Every header given is signed, but hop-by-hop headers a proxy may change
  (Connection, Expect, ...), User-Agent and tracing headers; Host is signed as
  the HTTP client sends it (no default port, IPv6 in brackets).
- The body's SHA-256 goes into the canonical request; no `X-Amz-Content-SHA256`
  header is added (botocore adds one only for S3 and unsigned payloads).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timezone
from urllib.parse import quote, unquote, urlsplit

from ssoenv.values import frozen, secret

ALGORITHM = "AWS4-HMAC-SHA256"

# Headers never signed (botocore's list): hop-by-hop headers and others a proxy
# or the HTTP library may add or rewrite on the way, which would break the signature.
UNSIGNED_HEADERS = frozenset(
    {
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)
# Headers the signature itself sets: a value given for them is replaced.
_OWN_HEADERS = frozenset({"authorization", "x-amz-date", "x-amz-security-token"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@frozen
class Credentials:
    """What signs a request: long-term keys, or temporary ones with their token."""

    access_key_id: str
    secret_access_key: str = secret()
    session_token: str | None = secret(default=None)


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Credentials,
    region: str,
    service: str,
    now: datetime,
) -> dict[str, str]:
    """The headers to add to the request `method url` with `headers` and `body`:
    X-Amz-Date, X-Amz-Security-Token (with a session token) and Authorization.
    The request must then be sent with exactly these headers and body; the HTTP
    client may add unsigned ones (User-Agent, Content-Length, Accept-Encoding)."""
    # A naive `now` is taken as UTC (as botocore's clock gives it), not as local time.
    utc = now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now.astimezone(timezone.utc)
    timestamp = utc.strftime("%Y%m%dT%H%M%SZ")
    added = {"X-Amz-Date": timestamp}
    if credentials.session_token:
        added["X-Amz-Security-Token"] = credentials.session_token
    kept = {name: value for name, value in headers.items() if name.lower() not in _OWN_HEADERS}
    signed = _headers_to_sign({**kept, **added}, url)
    names = ";".join(signed)
    canonical = "\n".join(
        (
            method.upper(),
            canonical_path(urlsplit(url).path),
            canonical_query(urlsplit(url).query),
            "".join(f"{name}:{value}\n" for name, value in signed.items()),
            names,
            hashlib.sha256(body).hexdigest(),
        )
    )
    scope = f"{timestamp[:8]}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        (ALGORITHM, timestamp, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest())
    )
    key = _signing_key(credentials.secret_access_key, timestamp[:8], region, service)
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    added["Authorization"] = (
        f"{ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
        f"SignedHeaders={names}, Signature={signature}"
    )
    return added


def canonical_path(path: str) -> str:
    """The path as signed: without `.`, `..` and empty segments, then encoded
    (an already encoded `%2F` is encoded again, to `%252F`)."""
    if not path:
        return "/"
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    # A leading slash stays; a trailing one too, unless nothing is left before it.
    lead = "/" if path.startswith("/") else ""
    trail = "/" if path.endswith("/") and segments else ""
    return quote(lead + "/".join(segments) + trail, safe="/~")


def canonical_query(query: str) -> str:
    """A URL's query as signed: each name and value decoded, then encoded with
    only RFC 3986's unreserved characters kept, sorted by name, then value."""
    if not query:
        return ""
    pairs = []
    for item in query.split("&"):
        name, _, value = item.partition("=")
        pairs.append((_encode(unquote(name)), _encode(unquote(value))))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def host_header(url: str) -> str:
    """The Host header HTTP clients send for `url`: the host in lower case,
    IPv6 in brackets, the port unless it is the scheme's default."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{parts.port}"
    return host


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _headers_to_sign(headers: Mapping[str, str], url: str) -> dict[str, str]:
    """Lower-case name -> value with runs of white space made one space, sorted
    by name; names given twice (in different case) have their values joined."""
    values: dict[str, list[str]] = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower not in UNSIGNED_HEADERS:
            values.setdefault(lower, []).append(" ".join(value.split()))
    if "host" not in values:
        values["host"] = [host_header(url)]
    return {name: ",".join(values[name]) for name in sorted(values)}


def _signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret_key}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key
