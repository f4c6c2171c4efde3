"""One login at a time: many processes that need a login for the same session
start one browser (or device-code) flow between them; the others wait for it,
bounded and with a message, then use its token. Callers without a terminal
never log in and never wait: they fail at once with one line."""

from __future__ import annotations

import contextlib
import os
import pty
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ssoenv import engine, files
from ssoenv.model import Endpoints, SsoSession
from ssoenv.settings import Settings
from tests.conftest import FakeClock
from tests.emulator import Emulator
from tests.helpers import SSOENV, eval_in_bash, run
from tests.test_pkce import Browser, context, scripted_browser, session

WAITING = "another ssoenv is logging in to corp; waiting for it"


class Terminal:
    """`ssoenv ARGS` with a pseudo-terminal on stdin and stderr, as in a user's
    shell (so it may log in), and stdout on a pipe, as under `eval "$(…)"`."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.leader, follower = pty.openpty()
        self.process = subprocess.Popen(
            [SSOENV, *args],
            stdin=follower,
            stdout=subprocess.PIPE,
            stderr=follower,
            env={**os.environ, **(env or {})},
            text=True,
        )
        os.close(follower)
        self.screen = ""
        self._closed = False
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.leader, 4096)
            except OSError:  # EIO: every writer of the terminal has gone
                chunk = b""
            with self._changed:
                self.screen += chunk.decode(errors="replace").replace("\r\n", "\n")
                self._closed = not chunk
                self._changed.notify_all()
            if not chunk:
                return

    def wait_for_text(self, text: str, timeout: float = 60) -> None:
        """Block until `text` is on the screen: woken by the output, not by a timer."""
        with self._changed:
            self._changed.wait_for(lambda: text in self.screen or self._closed, timeout)
        assert text in self.screen, self.screen

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        stdout, _ = self.process.communicate(timeout=timeout)
        self._reader.join(timeout=30)
        os.close(self.leader)
        return self.process.returncode, stdout, self.screen


def login_lock_path(home: Path) -> Path:
    ctx = engine.Context(
        settings=Settings.from_environ(os.environ),
        now=FakeClock().now,
        monotonic=lambda: 0,
        sleep=lambda s: None,
    )
    corp = SsoSession("corp", "https://d-1234567890.awsapps.com/start", "us-east-1", None, "t")
    return ctx.lock_path(f"login-{ctx.tokens.path(corp).name}")


@contextlib.contextmanager
def login_in_progress(home: Path) -> Iterator[None]:
    """Hold the session's login lock, as a process in the middle of a login does."""
    with files.locked(login_lock_path(home)):
        yield


def access_key(stdout: str) -> str:
    lines = eval_in_bash(stdout, 'echo "$AWS_ACCESS_KEY_ID"').split()
    return lines[0]


@pytest.mark.parametrize("flow", ["pkce", "device"])
def test_ten_shells_needing_a_login_start_exactly_one_flow(
    aws_env: Path, emulator: Emulator, tmp_path: Path, flow: str
) -> None:
    browser, log = scripted_browser(tmp_path)
    # With $BROWSER set, the default is the browser login; the device flow is asked for.
    env = {"BROWSER": browser} | ({"SSOENV_LOGIN_FLOW": "device"} if flow == "device" else {})
    shells = [Terminal("use", "dev", "--shell", "bash", env=env) for _ in range(10)]
    results = [shell.finish() for shell in shells]

    for code, _, screen in results:
        assert code == 0, screen
        assert "Traceback" not in screen
    # One browser tab between them. (The browser inherits the terminal: once every
    # terminal is closed, it has finished too, and its log is complete.)
    opened = log.read_text().splitlines()
    assert len(opened) == 1
    if flow == "pkce":
        assert opened[0].startswith("200 ") and "ssoenv is logged in" in opened[0]
    assert len({access_key(stdout) for _, stdout, _ in results}) == 1
    assert emulator.calls["RegisterClient"] == 1
    assert emulator.calls["GetRoleCredentials"] == 1
    if flow == "pkce":
        assert emulator.calls["Authorize"] == 1
        assert emulator.calls["CreateToken:authorization_code"] == 1
        assert emulator.calls["StartDeviceAuthorization"] == 0
    else:
        assert emulator.calls["StartDeviceAuthorization"] == 1
        assert emulator.calls["Authorize"] == 0
    # The waiters said so, once each.
    assert all(screen.count(WAITING) <= 1 for _, _, screen in results)


def test_a_waiter_uses_the_token_of_the_login_it_waited_for(
    aws_env: Path, emulator: Emulator, isolated_env: Path, clock: FakeClock
) -> None:
    with login_in_progress(isolated_env):
        shell = Terminal("use", "dev", "--shell", "bash")
        shell.wait_for_text(WAITING)
        assert "at most 5 min" in shell.screen
        # Meanwhile the process holding the lock finishes its login.
        ctx = context(clock, Browser(), flow="device")
        ctx.tokens.save(session(), engine._device_login(ctx, session(), endpoints(emulator)))
    code, stdout, screen = shell.finish()
    assert code == 0, screen
    assert access_key(stdout).startswith("ASIA")
    assert emulator.calls["StartDeviceAuthorization"] == 1  # ours, none of its own
    assert emulator.calls["Authorize"] == 0


def test_waiting_is_bounded_and_ends_in_one_line(
    aws_env: Path, emulator: Emulator, isolated_env: Path
) -> None:
    with login_in_progress(isolated_env):
        shell = Terminal("use", "dev", "--shell", "bash", env={"SSOENV_LOGIN_WAIT": "0"})
        code, stdout, screen = shell.finish()
    assert code == 5
    assert stdout == ""
    lines = screen.strip().splitlines()
    assert lines[0].startswith(f"ssoenv: {WAITING}")
    assert lines[1:] == [
        "ssoenv: another ssoenv is still logging in to corp after 0 s; finish that login "
        "(its browser tab or code), or set SSOENV_LOGIN_WAIT to wait longer"
    ]
    assert emulator.calls["RegisterClient"] == 0


def test_a_caller_without_a_terminal_fails_fast_during_a_login(
    aws_env: Path, emulator: Emulator, isolated_env: Path
) -> None:
    with login_in_progress(isolated_env):
        result = run("use", "dev", "--shell", "bash", timeout=30)
    assert result.returncode == 4
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "run `ssoenv login dev`" in result.stderr
    assert WAITING not in result.stderr


def test_a_bad_wait_setting_is_a_config_error(aws_env: Path) -> None:
    result = run("login", "dev", env={"SSOENV_LOGIN_WAIT": "soon"})
    assert result.returncode == 3
    assert "SSOENV_LOGIN_WAIT must be a number of seconds" in result.stderr


def endpoints(emu: Emulator) -> Endpoints:
    return Endpoints(emu.url, emu.url)


def test_a_token_the_portal_rejected_is_replaced_by_one_login_only(
    aws_env: Path, emulator: Emulator, clock: FakeClock
) -> None:
    """Two roles of one session both see the portal reject the cached token: the
    second must take the first one's new token, not start a login of its own."""
    ctx = context(clock, Browser(), flow="device")
    rejected = engine.login(ctx, session(), endpoints(emulator), force=False)
    emulator.expire_access_tokens()
    fresh = engine.login(ctx, session(), endpoints(emulator), force=True, replacing=rejected)
    again = engine.login(ctx, session(), endpoints(emulator), force=True, replacing=rejected)
    assert again.access_token == fresh.access_token != rejected.access_token
    assert emulator.calls["StartDeviceAuthorization"] == 2
