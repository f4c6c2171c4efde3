"""The credential server: an HTTP endpoint on 127.0.0.1 that answers the
container-credentials format the AWS SDKs poll by themselves
(`AWS_CONTAINER_CREDENTIALS_FULL_URI` + `AWS_CONTAINER_AUTHORIZATION_TOKEN`), so a
long-running program gets new role credentials before its old ones expire.

botocore is the oracle (`ContainerProvider`, `ContainerMetadataFetcher`): a GET of
the full URI with `Authorization: <token>`, a 200 JSON answer with `AccessKeyId`,
`SecretAccessKey`, `Token` and `Expiration` (ISO 8601); any other status is an
error whose body the SDK puts in its exception, after 3 tries a second apart. It
asks again when what it holds has less than 15 minutes left (advisory; 10:
mandatory), so the server hands out credentials with more than that left
(docs/protocol.md#container-credentials).

Security: the server binds 127.0.0.1 only (any local user can connect to it), so
the token is the lock: 256 random bits per run, compared in constant time; a
request without exactly that token gets a bare 401 (no body, no hint). Nothing is
logged per request. Where the credentials come from is the caller's business
(`fetch`); this module knows HTTP, the answer's format and the single flight."""

from __future__ import annotations

import contextlib
import hmac
import json
import secrets
import socketserver
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from ssoenv import log
from ssoenv.errors import SsoenvError
from ssoenv.model import RoleCredentials, rfc3339
from ssoenv.settings import CREDENTIAL_CHOOSERS
from ssoenv.text import printable

_log = log.Logger("credserver")

HOST = "127.0.0.1"
PATH = "/ssoenv/credentials"
# botocore asks again when credentials have less than 15 minutes left: hand out
# more, or it would ask before every call (as for credential_process).
SERVER_MIN_VALID = timedelta(minutes=16)
# Variables that would make an SDK pick other credentials than the server's (the
# environment's keys and profiles come before the container provider in every
# SDK's chain), or another container endpoint.
SHADOWING = (
    *CREDENTIAL_CHOOSERS,
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
)
URI_VARIABLE = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
TOKEN_VARIABLE = "AWS_CONTAINER_AUTHORIZATION_TOKEN"  # noqa: S105  (a name, not a secret)
TOKEN_FILE_VARIABLE = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"  # noqa: S105
# A client that stalls in the middle of a request loses its thread after this.
REQUEST_TIMEOUT = 10.0
# How often the idle server looks whether it should stop: how long close() may
# take when the child has ended (ten wake-ups a second cost nothing measurable).
POLL_INTERVAL = 0.1

Fetch = Callable[[], RoleCredentials]
Report = Callable[[str], None]


class _Answer:
    """One HTTP answer: a status and a JSON body (empty for 401)."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status, self.body = status, body


class CredentialServer:
    """The endpoint for one profile, from bind to close.

    `fetch` gives the profile's role credentials with enough time left (it is
    called once per request, one call at a time: requests that arrive while a
    fetch runs share its result). `report` tells the person at the terminal
    about a problem, once: the same line is not repeated until a fetch succeeds.
    `port` 0: the kernel chooses a free one."""

    def __init__(self, fetch: Fetch, report: Report, *, port: int = 0) -> None:
        self.token = secrets.token_urlsafe(32)
        self._fetch = fetch
        self._report = report
        self._reported: str | None = None
        self._lock = threading.Lock()
        self._generation = 0  # fetches finished so far
        self._last: _Answer | None = None
        self._httpd = _Server((HOST, port), _Handler)
        self._httpd.owner = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}{PATH}"

    def start(self) -> None:
        """Answer requests in a background thread (they queue from the bind on)."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            args=(POLL_INTERVAL,),
            name="ssoenv-credserver",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> CredentialServer:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def authorized(self, value: str | None) -> bool:
        """Whether an Authorization header holds exactly the token (constant time)."""
        if value is None:
            return False
        given = value.encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, self.token.encode("ascii"))

    def answer(self) -> _Answer:
        """The answer to an authorized GET: fresh credentials, or an error the SDK shows."""
        arrived = self._generation
        with self._lock:
            if self._generation != arrived and self._last is not None:
                return self._last  # fetched after this request arrived: fresh enough
            answer = self._fetched()
            self._last = answer
            self._generation += 1
            return answer

    def _fetched(self) -> _Answer:
        try:
            role = self._fetch()
        except SsoenvError as error:
            line = f"{error.message}; {error.hint}" if error.hint else error.message
            status = 503 if error.transient else 403
            # The first refusal and the next ones word it differently ("no longer
            # accepts", then "no valid session"): what to do is the same, one line.
            what = f"{type(error).__name__}: {error.hint or error.message}"
            return self._problem(status, type(error).__name__, line, what)
        except Exception as error:  # a bug: the child gets an answer, the terminal a line
            _log.debug("credential server: %r", error)
            line = (
                f"unexpected {type(error).__name__} in the credential server; "
                "please report it (--debug shows more)"
            )
            return self._problem(500, "InternalError", line, line)
        now = datetime.now(timezone.utc)
        if role.expiration <= now:  # never hand out an expired key
            line = "the role's credentials have expired"
            return self._problem(503, "Expired", line, line)
        self._reported = None
        _log.debug("served credentials valid until %s", rfc3339(role.expiration))
        body = {
            "AccessKeyId": role.access_key_id,
            "SecretAccessKey": role.secret_access_key,
            "Token": role.session_token,
            "Expiration": rfc3339(role.expiration),
        }
        if role.account_id:
            body["AccountId"] = role.account_id
        return _Answer(200, json.dumps(body).encode("utf-8"))

    def _problem(self, status: int, code: str, line: str, what: str) -> _Answer:
        """An error answer; `line` on the terminal unless the last problem was `what` too."""
        line = printable(line)  # profile names from the config reach the child's terminal
        if what != self._reported:
            self._reported = what
            self._report(line)
        message = f"ssoenv: {line}"
        return _Answer(status, json.dumps({"code": code, "message": message}).encode("utf-8"))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: CredentialServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's name (DNS, maybe seconds): not needed.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    """GET PATH with the token: the answer. Anything without the token: a bare
    401, whatever it is (a malformed request too). With the token: 404 for another
    path, 405 for another method. Nothing is written to the terminal."""

    server: _Server
    server_version = "ssoenv"
    sys_version = ""
    timeout = REQUEST_TIMEOUT

    def do_GET(self) -> None:  # http.server's naming
        if not self._authorized():
            self._reply(_Answer(401, b""))
        elif self.path.split("?", 1)[0] != PATH:
            self._reply(_Answer(404, b""))
        else:
            self._reply(self.server.owner.answer())

    def _other(self) -> None:
        self._reply(_Answer(405 if self._authorized() else 401, b""))

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _other

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server's own errors (bad request line, too many headers, unknown
        # method) have an HTML body naming the server: a bare status instead.
        self._reply(_Answer(code if self._authorized() else 401, b""))

    def log_message(self, format: str, *args: object) -> None:
        pass  # the child's terminal is not ours to write on, once per request

    def _authorized(self) -> bool:
        headers = getattr(self, "headers", None)
        if headers is None:
            return False
        values = headers.get_all("Authorization") or []
        return len(values) == 1 and self.server.owner.authorized(values[0])

    def _reply(self, answer: _Answer) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.send_response(answer.status)
            if answer.body:
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(answer.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)
