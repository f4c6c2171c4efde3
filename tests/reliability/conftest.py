"""What the reliability suite shares: a logged-in `dev`, the cache paths, a token
aged into its refresh window, a one-line-error check, and a loopback server
that answers whatever a test scripts (bad JSON, HTML, huge bodies...)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import Emulator


def token_file(home: Path, key: str = "corp") -> Path:
    """The AWS CLI's token file of a session (sha1 of its name), docs/protocol.md#token-cache."""
    return home / ".aws" / "sso" / "cache" / f"{hashlib.sha1(key.encode()).hexdigest()}.json"


def credentials_dir(home: Path) -> Path:
    return home / ".cache" / "ssoenv" / "credentials"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def age_token(home: Path, left: timedelta = timedelta(minutes=5)) -> dict[str, Any]:
    """Move the cached token into the refresh window (the emulator still honours it)."""
    path = token_file(home)
    data: dict[str, Any] = json.loads(path.read_text())
    data["expiresAt"] = stamp(datetime.now(timezone.utc) + left)
    path.write_text(json.dumps(data))
    return data


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    """Exit `code`, nothing on stdout (so `eval "$(…)"` does nothing), and one
    `ssoenv: ` line on stderr, without a traceback."""
    assert result.returncode == code, (result.returncode, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ssoenv: ")
    return lines[0]


def ssoenv_in_process(*args: str) -> subprocess.CompletedProcess[str]:
    """`ssoenv ARGS` through the program's own entry point, in this process: the
    same code as the installed command minus the interpreter start-up, which
    matters when every test needs a login first. No terminal is attached."""
    (script,) = entry_points(group="console_scripts", name="ssoenv")
    main: Callable[[list[str]], int] = script.load()
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(list(args))
    out, err = stdout.getvalue(), stderr.getvalue()
    return subprocess.CompletedProcess(["ssoenv", *args], code, out, err)


@pytest.fixture
def logged_in(aws_env: Path, emulator: Emulator) -> Emulator:
    result = ssoenv_in_process("login", "dev", "--no-browser")
    assert result.returncode == 0, result.stderr
    return emulator


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"{}"
    content_type: str | None = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up on a huge or unwanted answer is what the tests provoke.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class RawServer:
    """A loopback HTTP server that answers every request with `answer`, whatever
    it is: the wire misbehaviour the emulator does not script."""

    def __init__(self) -> None:
        self.answer = Answer()
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Silent."""

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                owner.requests.append(f"{self.command} {self.path}")
                answer = owner.answer
                self.send_response(answer.status)
                if answer.content_type:
                    self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                # The client may give up on a huge body, as it should.
                with contextlib.suppress(ConnectionError):
                    self.wfile.write(answer.body)

            do_GET = do_POST = _serve

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture
def raw_server() -> Iterator[RawServer]:
    with RawServer() as server:
        yield server
