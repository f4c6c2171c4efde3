"""The loopback redirect listener of the browser login (RFC 8252 §7.3): a tiny
HTTP server on 127.0.0.1 and a random port that receives the authorization code
once, checks `state`, and shows the browser a short page. Stdlib only; imports
nothing from ssoenv but errors and the callback path.

Any local process can connect to the port. A request that does not carry this
login's `state` (a forgery, an old tab) or is not for the callback path is
answered 400 or 404 and forgotten: it neither ends the login nor is kept, and
the listener goes on waiting (until the login's own timeout) for the callback
that does carry it. The first of those decides; later ones are answered with
the same result and redeem nothing. Each connection has its own thread, so one
held open does not keep the browser's from being served."""

from __future__ import annotations

import hmac
import html
import re
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ssoenv.errors import LoginFailed
from ssoenv.pkce import CALLBACK_PATH, redirect_uri
from ssoenv.values import frozen, secret

# Only 127.0.0.1, never all interfaces (the AWS CLI binds 0.0.0.0): the browser is
# on this machine, and a listener reachable from the network would let anyone who
# can reach the port probe it or race a forged callback into it.
LOOPBACK = "127.0.0.1"
_OAUTH_ERROR = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
DENIED = "the login was denied in the browser"


@frozen
class _Outcome:
    code: str | None = secret(default=None)  # a secret: redeemable once
    error: LoginFailed | None = None


class CallbackListener:
    """Use as a context manager: the port is bound on entry, freed on exit."""

    def __init__(self, state: str, *, port: int = 0, retry: str | None = None) -> None:
        self._state = state
        # The command a page tells the person to run to try again (shell-quoted by
        # the caller); None: "the login" in general.
        self.retry = retry
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._outcome: _Outcome | None = None
        self._ignored = 0
        self._server = _Server((LOOPBACK, port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="ssoenv-login-callback",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        return redirect_uri(self.port)

    def __enter__(self) -> CallbackListener:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def wait(self, timeout: float) -> str:
        """The authorization code, once the browser has been redirected here.

        Raises LoginFailed on a denied login, a redirect with this login's state
        but no code, or when no such redirect arrives within `timeout` seconds.
        Callbacks without this login's state do not count.
        """
        if not self._done.wait(timeout):
            # Forged callbacks are otherwise silent: say they came, they may be why.
            ignored = self._ignored
            what = "request was" if ignored == 1 else "requests were"
            noted = f"; {ignored} {what} ignored: no state of this login" if ignored else ""
            raise LoginFailed(
                f"the browser login did not finish within {_duration(timeout)}{noted}",
                hint="run the login again, or add --use-device-code to log in "
                "with a code from any device",
            )
        outcome = self._outcome
        if outcome is not None and outcome.code is not None:
            return outcome.code
        if outcome is not None and outcome.error is not None:
            raise outcome.error
        raise LoginFailed("the browser came back without an authorization code")

    @property
    def ignored(self) -> int:
        """How many callbacks came without this login's state (answered 400)."""
        return self._ignored

    def _receive(self, query: dict[str, list[str]]) -> tuple[_Outcome | None, bool]:
        """Judge a callback: None when it is not this login's (no or another state),
        else the outcome; the first callback with the state decides. True when this
        one decided."""
        if not _carries(query, self._state):
            with self._lock:
                self._ignored += 1  # a count, not a record: forgeries cost no memory
            return None, False
        with self._lock:
            if self._outcome is not None:
                return self._outcome, False
            self._outcome = _judge(query)
            return self._outcome, True

    def _finish(self) -> None:
        self._done.set()


def _one(query: dict[str, list[str]], key: str) -> str:
    values = query.get(key) or [""]
    return values[-1]


def _carries(query: dict[str, list[str]], state: str) -> bool:
    """The callback carries this login's state: it follows the authorization
    server's redirect for this login (only its /authorize URL holds the state)."""
    # compare_digest: no timing hint to a local process guessing the state.
    return hmac.compare_digest(_one(query, "state").encode(), state.encode())


def _judge(query: dict[str, list[str]]) -> _Outcome:
    """The outcome of a callback that carries this login's state."""
    error = _one(query, "error")
    if error:
        if error == "access_denied":
            return _Outcome(error=LoginFailed(DENIED))
        shown = error if _OAUTH_ERROR.match(error) else "an unreadable error"
        return _Outcome(error=LoginFailed(f"the browser login failed: {shown}"))
    code = _one(query, "code")
    if not code:
        return _Outcome(error=LoginFailed("the browser came back without an authorization code"))
    return _Outcome(code=code)


class _Server(ThreadingHTTPServer):
    # A browser's speculative preconnections may never send a request: they must
    # not keep the login waiting when it is over.
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], listener: CallbackListener) -> None:
        self.listener = listener
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) we do not need.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def handle_error(self, request: object, client_address: object) -> None:
        """Silent: a client that hangs up mid-answer (any local process can) must
        not print a traceback onto the terminal of the login waiting here."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # seconds a connection may stay silent before it is dropped
    # Other methods are answered 501 by BaseHTTPRequestHandler and judge nothing;
    # a request line over 64 KiB is answered 414 before it is parsed.

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH:
            self._page(
                404,
                "Not found",
                "This is the ssoenv login listener; nothing is here. You can close this tab.",
            )
            return
        listener = self.server.listener
        outcome, decided = listener._receive(parse_qs(parts.query))
        try:
            self._page(*_page_for(outcome, decided, listener.retry))
        finally:
            if decided:
                self.server.listener._finish()  # only once the page is on its way

    def _page(self, status: int, title: str, text: str, command: str | None = None) -> None:
        """A page of plain text (what happened, what to do next) and the command
        to run, if any, on its own line. Nothing on it loads anything."""
        shown = f"<pre>{html.escape(command)}</pre>" if command else ""
        body = (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title></head><body style='font-family:sans-serif;margin:3em'>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>{shown}</body></html>"
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        # The address bar holds the code: nothing on the page may fetch or leak it.
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request line carries the authorization code."""


def _page_for(
    outcome: _Outcome | None, decided: bool, retry: str | None
) -> tuple[int, str, str, str | None]:
    """(status, title, text, command) of the page a callback gets: in plain words,
    what happened and what the person does next, with the command to run, if
    any, on a line of its own (docs/login.md shows each page)."""
    if outcome is None:
        return (
            400,
            "Not this login",
            "This is not the answer to the ssoenv login waiting here (it may come from an "
            "old browser tab or another program), so it was ignored. The login is still "
            "waiting for its own answer: finish signing in in the tab ssoenv opened, or "
            "press Ctrl-C in the terminal to stop it.",
            None,
        )
    back = "You can close this tab and go back to the terminal."
    if outcome.code is not None:
        if decided:
            return 200, "Logged in", f"ssoenv is logged in. {back}", None
        text = f"ssoenv already received this login; nothing more to do. {back}"
        return 200, "Logged in", text, None
    run = "run the command below" if retry else "run the login again"
    error = outcome.error
    if error is not None and error.message == DENIED:
        text = (
            f"ssoenv could not log in: {DENIED}, so ssoenv is not logged in. To try again, "
            f"{run} in the terminal and allow access on the sign-in page."
        )
        return 400, "Login refused", text, retry
    reason = error.message if error is not None else "unknown error"
    text = (
        f"ssoenv could not log in: {reason}. The terminal says the same. To try again, "
        f"{run} in the terminal."
    )
    return 400, "Login failed", text, retry


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:g} minutes"
    return f"{seconds:g} seconds"
