"""The only module that imports `requests`: JSON calls to the OIDC and portal APIs,
and signed form-encoded calls with XML answers to AWS Query APIs (STS), all with
bounded timeouts, bounded retries, and AWS error answers turned into typed errors.
It never logs a body or a header value (they carry secrets).

`requests` costs ~150 ms to import, so it is imported when the first client is
built, not with this module: commands served from the caches never pay for it."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urlencode, urlsplit

from ssoenv import __version__
from ssoenv.errors import AwsApiError, NetworkError, SsoenvError
from ssoenv.log import Logger
from ssoenv.text import printable
from ssoenv.values import frozen, replace

TYPE_CHECKING = False  # True for type checkers; `typing` costs every `ssoenv use` ~5 ms
if TYPE_CHECKING:
    from typing import Any, TypeVar
    from xml.etree.ElementTree import Element

    import requests

    from ssoenv.settings import Settings

    T = TypeVar("T")

    # (method, url, headers, body) -> the headers that sign the request (ssoenv.sigv4).
    Signer = Callable[[str, str, Mapping[str, str], bytes], Mapping[str, str]]

log = Logger("ssoenv.http")

MAX_BODY_BYTES = 8 * 1024 * 1024  # far above any real answer; stops a runaway server
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"  # botocore's, to the byte
IDENTITY_CENTER = "IAM Identity Center"  # what the JSON calls reach, named in messages


@frozen
class HttpPolicy:
    """How long a call may take. Worst case per call: attempts * (connect + read) + backoff."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    attempts: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 4.0

    @property
    def worst_case_seconds(self) -> float:
        delays = (self.backoff_base * 2.0**i for i in range(self.attempts))
        backoff = sum(min(self.backoff_cap, delay) for delay in delays)
        return self.attempts * (self.connect_timeout + self.read_timeout) + backoff


class _Timeout(NetworkError):
    """The server did not answer in time (or the caller's deadline ran out)."""


INTERACTIVE = HttpPolicy()
# The prompt hook must never hang a prompt for long.
HOOK = HttpPolicy(connect_timeout=2.0, read_timeout=5.0, attempts=2, backoff_cap=1.0)


def policy_for(policy: HttpPolicy, settings: Settings) -> HttpPolicy:
    """`policy` with $SSOENV_HTTP_TIMEOUT applied. It can only shorten the
    timeouts, so it never makes the prompt hook wait longer than HOOK says."""
    seconds = settings.http_timeout  # ConfigError when it is not a positive number
    if seconds is None:
        return policy
    return replace(
        policy,
        connect_timeout=min(policy.connect_timeout, seconds),
        read_timeout=min(policy.read_timeout, seconds),
    )


class HttpClient:
    def __init__(
        self,
        policy: HttpPolicy = INTERACTIVE,
        *,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] | None = None,  # default: random.random
        deadline: float | None = None,  # time.monotonic() by which every call must end
    ) -> None:
        import random  # like requests, loaded only by commands that go to the network

        import requests

        self.policy = policy
        self._sleep = sleep
        self._jitter = jitter or random.random
        self._deadline = deadline

        self._requests = requests
        self._session = requests.Session()
        self._session.headers["User-Agent"] = f"ssoenv/{__version__}"
        # Proxies from the environment still apply; a .netrc must not add an
        # Authorization header to unsigned IAM Identity Center calls.
        self._session.trust_env = True
        self._session.auth = lambda r: r

    def call(
        self,
        method: str,
        url: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        operation: str = "",
    ) -> dict[str, Any]:
        """One JSON API call, retried on throttling, 5xx and refused connections.
        `operation` (CreateToken, GetRoleCredentials...) names it in --debug lines."""
        call = f"{operation}: {method}" if operation else method
        data = json.dumps(body) if body is not None else None
        sent = _headers(body, headers)

        def once() -> dict[str, Any]:
            response, raw = self._send(call, method, url, data, params, sent)
            return _decode(response, raw, url)

        return self._retrying(call, url, IDENTITY_CENTER, once)

    def call_query(
        self,
        url: str,
        form: Sequence[tuple[str, str]],
        *,
        sign: Signer,
        operation: str,
        service: str,
    ) -> Element:
        """One call of an AWS Query API (STS): `form` POSTed form-encoded, signed
        by `sign` afresh for each attempt (its time is part of the signature), the
        XML answer's root element returned. Errors, retries and time bounds as
        `call`; the Query API's throttling code `Throttling` is retried too.
        `service` ("AWS STS") names the server in messages."""
        call = f"{operation}: POST"
        body = urlencode(form).encode("ascii")  # as botocore encodes it: `+` for space

        def once() -> Element:
            headers = {"Content-Type": FORM_CONTENT_TYPE}
            headers.update(sign("POST", url, headers, body))
            response, raw = self._send(call, "POST", url, body, None, headers)
            return _decode_xml(response, raw, url)

        return self._retrying(call, url, service, once)

    def call_form(
        self,
        url: str,
        form: Sequence[tuple[str, str]],
        *,
        operation: str,
        service: str,
    ) -> dict[str, Any]:
        """A form POSTed to an endpoint that answers a JSON object, and its errors
        with an HTML page (the console federation endpoint's getSigninToken). The
        form may hold credentials: it travels in the body, never in the URL, which
        proxies log and connection errors quote. An error status is typed by its
        number (code `HTTP 400`; 429 and 5xx are retried as in `call`), with the
        page's heading as the message. `service` names the server in messages."""
        call = f"{operation}: POST"
        body = urlencode(form).encode("ascii")
        headers = {"Content-Type": FORM_CONTENT_TYPE, "Accept": "application/json"}

        def once() -> dict[str, Any]:
            response, raw = self._send(call, "POST", url, body, None, headers)
            return _decode_form_answer(response, raw, url)

        return self._retrying(call, url, service, once)

    def _retrying(self, call: str, url: str, service: str, once: Callable[[], T]) -> T:
        """`once()`, tried again after throttling, 5xx and refused connections,
        within the policy's attempts and the caller's deadline."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return once()
            except (AwsApiError, NetworkError) as error:
                if not _retryable(error):
                    raise
                if attempt >= self.policy.attempts:
                    raise _gave_up(error, url, attempt, service) from error
                delay = min(self.policy.backoff_cap, self.policy.backoff_base * 2 ** (attempt - 1))
                delay *= 0.5 + self._jitter() / 2  # "equal jitter"
                if self._left() <= delay:
                    raise _gave_up(error, url, attempt, service) from error
                log.debug("%s %s: retrying in %.2fs", call, _where(url), delay)
                self._sleep(delay)

    def _left(self) -> float:
        """Seconds until the caller's deadline (infinite without one)."""
        return math.inf if self._deadline is None else self._deadline - time.monotonic()

    def _send(
        self,
        call: str,  # what the --debug line calls it: "CreateToken: POST"
        method: str,
        url: str,
        data: str | bytes | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
    ) -> tuple[requests.Response, bytes]:
        """One exchange: the answer and every byte of its body, within the time bound."""
        requests = self._requests
        started = time.monotonic()
        # The whole exchange (name lookup, connect, headers, every byte of the
        # body) must end within connect + read timeout, and by the caller's
        # deadline. requests' own timeouts bound each wait for the next bytes
        # only: a server that trickles a byte every few seconds, or a resolver
        # that hangs, would stretch one call without end.
        budget = min(self.policy.connect_timeout + self.policy.read_timeout, self._left())
        if budget <= 0:
            raise _Timeout(
                f"no time was left to call {_where(url)}",
                hint="check your network or proxy, then try again",
            )

        try:
            response, raw = _within(
                budget, lambda: self._exchange(method, url, data, params, headers)
            )
        except requests.exceptions.Timeout as error:
            raise _Timeout(
                f"{_where(url)} did not answer within {self.policy.read_timeout:g} s",
                hint="check your network or proxy, then try again",
            ) from error
        except TimeoutError as error:
            raise _Timeout(
                f"{_where(url)} did not finish answering within {budget:.3g} s",
                hint="check your network or proxy, then try again",
            ) from error
        except requests.exceptions.RequestException as error:
            raise NetworkError(
                f"cannot reach {_where(url)}: {_reason(error)}",
                hint="check your network, proxy or the AWS_ENDPOINT_URL* settings",
            ) from error
        log.debug(
            "%s %s -> %s (%.0f ms)",
            call,
            _where(url),
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response, raw

    def _exchange(
        self,
        method: str,
        url: str,
        data: str | bytes | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
    ) -> tuple[requests.Response, bytes]:
        """The request and every byte of its answer (runs in `_within`'s thread)."""
        response = self._session.request(
            method,
            url,
            data=data,
            params=params,
            headers=headers,
            timeout=(self.policy.connect_timeout, self.policy.read_timeout),
            stream=True,
            allow_redirects=False,
        )
        return response, _read_limited(response, url)


def _within(seconds: float, work: Callable[[], Any]) -> Any:
    """`work()`'s result or exception, or TimeoutError once `seconds` have passed.

    The work runs in a daemon thread: a call past its time is abandoned (its
    socket stays with the thread, which cannot be stopped from outside) and
    never holds up the process's exit.
    """
    import threading  # requests has already imported it

    outcome: list[Any] = []
    failure: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # handed over to the caller as it is
            failure.append(error)
        finally:
            done.set()

    threading.Thread(target=run, name="ssoenv-http", daemon=True).start()
    if not done.wait(seconds):
        raise TimeoutError
    if failure:
        raise failure[0]
    return outcome[0]


def _headers(body: Mapping[str, Any] | None, extra: Mapping[str, str] | None) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    headers.update(extra or {})
    return headers


def _read_limited(response: requests.Response, url: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            response.close()
            # Not a network fault (retrying would fetch it again): a wrong answer.
            raise AwsApiError(
                "UnexpectedResponse",
                f"the answer from {_where(url)} is larger than "
                f"{MAX_BODY_BYTES // (1024 * 1024)} MiB",
                status=response.status_code,
                hint="a proxy or a wrong AWS_ENDPOINT_URL* setting may be in the way",
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(response: requests.Response, raw: bytes, url: str) -> dict[str, Any]:
    status = response.status_code
    parsed = _parse_json(raw)
    if 200 <= status < 300:
        if not raw.strip():
            return {}
        if isinstance(parsed, dict):
            return parsed
        raise _unexpected(response, url)
    code = _error_code(response.headers, parsed, status)
    if code is None:
        raise _unexpected(response, url)
    return_message = _error_message(parsed) or f"HTTP {status}"
    raise AwsApiError(code, return_message, status=status)


def _decode_form_answer(response: requests.Response, raw: bytes, url: str) -> dict[str, Any]:
    """A JSON object, or the error of an endpoint that answers errors with an HTML
    page rather than an AWS error document (the console federation endpoint)."""
    status = response.status_code
    parsed = _parse_json(raw)
    if 200 <= status < 300:
        if isinstance(parsed, dict):
            return parsed
        raise _unexpected(response, url)
    code = _error_code({}, None, status) or f"HTTP {status}"  # 429, 5xx: retried
    message = _page_heading(raw) or _error_message(parsed) or f"HTTP {status}"
    raise AwsApiError(code, message, status=status)


def _page_heading(raw: bytes) -> str:
    """What an HTML error page says, for a person: its first heading, else its
    title, without tags and the "HTTP Status 400 - " they start with; "" if none.
    Linear in the page, whatever it holds (no pattern here can backtrack)."""
    import html
    import re

    text = raw[:16384].decode("utf-8", "replace")
    lower = text.lower()
    for tag in ("h1", "title"):
        start = lower.find(f"<{tag}")
        inside = lower.find(">", start) + 1 if start >= 0 else 0
        end = lower.find(f"</{tag}", inside) if inside else -1
        if end < 0:
            continue
        words = " ".join(html.unescape(re.sub(r"<[^<>]*>", " ", text[inside:end])).split())
        words = re.sub(r"^HTTP Status \d{3}\s*[-\u2013]\s*", "", words)
        if words:
            return _printable(words)
    return ""


def _decode_xml(response: requests.Response, raw: bytes, url: str) -> Element:
    """The root of a Query API's XML answer, or its error typed as botocore's
    QueryParser reads it: `<ErrorResponse><Error><Code>` and `<Message>`."""
    status = response.status_code
    root = _parse_xml(raw)
    if 200 <= status < 300:
        if root is None:
            raise _unexpected(response, url)
        return root
    error = xml_find(root, "Error") if root is not None else None
    code = xml_text(error, "Code") if error is not None else ""
    if not code:
        code = _error_code({}, None, status) or ""  # 429 and 5xx without a readable body
    if not code:
        raise _unexpected(response, url)
    message = xml_text(error, "Message") if error is not None else ""
    raise AwsApiError(code, _printable(message) or f"HTTP {status}", status=status)


def _parse_xml(raw: bytes) -> Element | None:
    """The document's root element, or None when it is not well-formed UTF-8 XML.

    Safe on hostile input: a document type declaration (the only place entities
    can be declared, hence the only way to entity expansion bombs and external
    entities) is refused before parsing; the size is already bounded by
    MAX_BODY_BYTES; ElementTree builds the tree without recursion."""
    from xml.etree.ElementTree import ParseError, XMLParser

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        return None
    parser = XMLParser()  # noqa: S314  (what defusedxml guards against is refused above)
    try:
        # Fed as text: an encoding the document declares cannot make the
        # parser read other characters than the ones checked above.
        parser.feed(text)
        return parser.close()
    except (ParseError, ValueError):
        return None


def xml_find(element: Element, name: str) -> Element | None:
    """The first element named `name` (whatever its namespace) at or under
    `element`, the way botocore's QueryParser ignores namespaces."""
    for candidate in element.iter():
        if _local_name(candidate.tag) == name:
            return candidate
    return None


def xml_text(element: Element, name: str) -> str:
    """The text of `xml_find(element, name)`, stripped; "" when there is none."""
    child = xml_find(element, name)
    return (child.text or "").strip() if child is not None else ""


def _local_name(tag: object) -> str:
    # A comment or processing instruction has a function, not a string, as its tag.
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _parse_json(raw: bytes) -> object:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # [[[[… nests past the stack
        return None


def _error_code(headers: Mapping[str, str], body: object, status: int) -> str | None:
    """Classify an error answer the way botocore's RestJSONParser does."""
    header = headers.get("x-amzn-ErrorType", "")
    if header:
        return header.split(":", 1)[0].rsplit("#", 1)[-1]
    if isinstance(body, dict):
        for key in ("__type", "code", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value.rsplit("#", 1)[-1]
    if status == 429:
        return "TooManyRequestsException"
    if status >= 500:
        return "InternalServerException"
    return None


def _error_message(body: object) -> str:
    if not isinstance(body, dict):
        return ""
    for key in ("error_description", "message", "Message"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return _printable(value)
    return ""


def _printable(text: str, limit: int = 200) -> str:
    """Server text shown to a person: bounded, then one line with every control
    character shown as a visible escape (cut first, so no escape is cut in two)."""
    text = text.strip()
    return printable(text if len(text) <= limit else text[: limit - 1] + "…")


def _unexpected(response: requests.Response, url: str) -> AwsApiError:
    kind = response.headers.get("Content-Type", "no content type").split(";")[0]
    return AwsApiError(
        "UnexpectedResponse",
        f"unexpected answer from {_where(url)} (HTTP {response.status_code}, {kind})",
        status=response.status_code,
        hint="a proxy or a wrong AWS_ENDPOINT_URL* setting may be in the way",
    )


def _gave_up(
    error: AwsApiError | NetworkError, url: str, attempts: int, service: str
) -> SsoenvError:
    """The last error of a call that was retried, saying so: one clear line."""
    if isinstance(error, NetworkError):
        return NetworkError(f"{error.message} (tried {attempts} times)", hint=error.hint)
    throttled = error.status == 429 or error.code == "Throttling"
    busy = "is throttling requests" if throttled else "is failing"
    return AwsApiError(
        error.code,
        f"{_where(url)} {busy} ({error.code}, still after {attempts} tries): {error.message}",
        status=error.status,
        hint=f"{service} may be overloaded or down; try again in a minute",
    )


def _retryable(error: AwsApiError | NetworkError) -> bool:
    if isinstance(error, NetworkError):
        # A refused or reset connection is worth another try; a timeout already
        # cost its full budget and is not retried.
        return not isinstance(error, _Timeout)
    return error.transient


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _reason(error: Exception) -> str:
    text = str(error)
    for marker, reason in (
        ("Name or service not known", "host name not found"),
        ("NameResolutionError", "host name not found"),
        ("nodename nor servname", "host name not found"),
        ("Connection refused", "connection refused"),
        ("Connection reset", "connection reset"),
        ("RemoteDisconnected", "the server closed the connection"),
        ("SSLError", "TLS error"),
    ):
        if marker in text:
            return reason
    return type(error).__name__
