"""Faults on the wire: 5xx and 429 from either API get bounded retries with
backoff and jitter, then one clear line; a refused connection, an unknown host
and a server that accepts and never answers each end in one clear line within
the documented bound (HttpPolicy.worst_case_seconds, docs/security.md)."""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ssoenv import oidc, portal
from ssoenv.errors import AwsApiError, ConfigError, LoginRequired, NetworkError
from ssoenv.http import HOOK, INTERACTIVE, HttpClient, HttpPolicy, policy_for
from ssoenv.settings import Settings
from tests.emulator import Emulator
from tests.helpers import run
from tests.reliability.conftest import age_token, assert_one_line_error, credentials_dir

ROOT = Path(__file__).resolve().parents[2]
SHORT = {"SSOENV_HTTP_TIMEOUT": "1"}
# Interpreter start, imports and the emulator's own pace, on a busy 2-core machine.
STARTUP_SLACK = 10.0


# --------------------------------------------------------------------------- the bound


def test_the_documented_bounds_are_the_policies() -> None:
    """docs/security.md quotes these numbers; this keeps them honest."""
    assert INTERACTIVE.worst_case_seconds == 63.5
    assert HOOK.worst_case_seconds == 15.5
    short = policy_for(INTERACTIVE, Settings.from_environ(SHORT))
    assert (short.connect_timeout, short.read_timeout) == (1.0, 1.0)
    assert short.worst_case_seconds == 9.5
    doc = (ROOT / "docs" / "security.md").read_text()
    for figure in ("63.5 s", "15.5 s", "SSOENV_HTTP_TIMEOUT"):
        assert figure in doc


def timeout(value: str) -> Settings:
    return Settings.from_environ({"SSOENV_HTTP_TIMEOUT": value})


def test_the_timeout_variable_only_shortens() -> None:
    assert policy_for(HOOK, timeout("60")) == HOOK
    assert policy_for(INTERACTIVE, timeout(" 3.5 ")).read_timeout == 3.5
    assert policy_for(INTERACTIVE, timeout("")) == INTERACTIVE
    for bad in ("0", "-1", "nan", "inf", "5s", "1e999"):
        with pytest.raises(ConfigError, match="SSOENV_HTTP_TIMEOUT must be"):
            policy_for(INTERACTIVE, timeout(bad))


# --------------------------------------------------------------------------- retries


class Recorder:
    """Injected sleep and jitter: what the client would have waited, without waiting."""

    def __init__(self, seed: int) -> None:
        self.sleeps: list[float] = []
        self.draws: list[float] = []
        self._random = random.Random(seed)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def jitter(self) -> float:
        self.draws.append(self._random.random())
        return self.draws[-1]


def call_operation(client: HttpClient, emulator: Emulator, operation: str) -> object:
    if operation == "GetRoleCredentials":
        return portal.get_role_credentials(
            client, emulator.url, "any-token", "111111111111", "ReadOnly"
        )
    return oidc.refresh_token(client, emulator.url, "client", "secret", "refresh")


FAULTS = [
    pytest.param("GetRoleCredentials", 500, "InternalServerException", id="portal-500"),
    pytest.param("GetRoleCredentials", 429, "TooManyRequestsException", id="portal-429"),
    pytest.param("GetRoleCredentials", 503, "html", id="portal-503-html"),
    pytest.param("CreateToken:refresh_token", 500, "InternalServerException", id="oidc-500"),
    pytest.param("CreateToken:refresh_token", 429, "TooManyRequestsException", id="oidc-429"),
    pytest.param("CreateToken:refresh_token", 0, "close", id="oidc-closed"),
]


@pytest.mark.parametrize(("operation", "status", "code"), FAULTS)
def test_bounded_retries_with_backoff_and_jitter(
    emulator: Emulator, operation: str, status: int, code: str
) -> None:
    policy = HttpPolicy(attempts=5, backoff_base=0.5, backoff_cap=1.5)
    recorder = Recorder(seed=len(operation) + status)
    client = HttpClient(policy, sleep=recorder.sleep, jitter=recorder.jitter)
    emulator.inject(operation, status, code, "injected", times=100)
    with pytest.raises((AwsApiError, NetworkError)) as info:
        call_operation(client, emulator, operation)
    assert emulator.calls[operation] == policy.attempts  # bounded
    assert len(recorder.sleeps) == policy.attempts - 1  # no sleep after the last try
    for attempt, (slept, draw) in enumerate(zip(recorder.sleeps, recorder.draws, strict=True)):
        delay = min(policy.backoff_cap, policy.backoff_base * 2**attempt)
        assert slept == pytest.approx(delay * (0.5 + draw / 2))  # "equal jitter"
        assert delay / 2 <= slept <= delay
    assert len(set(recorder.sleeps)) == len(recorder.sleeps)  # jittered, not lock-step
    message = str(info.value)
    assert "\n" not in message and message


@pytest.mark.parametrize(("operation", "status", "code"), FAULTS[:2])
def test_a_fault_that_clears_is_retried_through(
    emulator: Emulator, operation: str, status: int, code: str
) -> None:
    recorder = Recorder(seed=1)
    client = HttpClient(INTERACTIVE, sleep=recorder.sleep, jitter=recorder.jitter)
    emulator.inject(operation, status, code, times=INTERACTIVE.attempts - 1)
    # The third try reaches the real handler, which rejects the made-up credentials.
    with pytest.raises((AwsApiError, LoginRequired)) as info:
        call_operation(client, emulator, operation)
    assert "Injected" not in str(info.value)
    assert emulator.calls[operation] == INTERACTIVE.attempts


def test_client_errors_are_not_retried(emulator: Emulator) -> None:
    recorder = Recorder(seed=2)
    client = HttpClient(INTERACTIVE, sleep=recorder.sleep, jitter=recorder.jitter)
    emulator.inject("GetRoleCredentials", 400, "InvalidRequestException", times=10)
    with pytest.raises(AwsApiError):
        call_operation(client, emulator, "GetRoleCredentials")
    assert emulator.calls["GetRoleCredentials"] == 1
    assert recorder.sleeps == []


# --------------------------------------------------------------------------- the CLI


def test_throttled_portal_is_one_line_after_bounded_retries(logged_in: Emulator) -> None:
    logged_in.inject("GetRoleCredentials", 429, "TooManyRequestsException", "Slow down", times=50)
    line = assert_one_line_error(run("use", "dev", "--shell", "bash"), 7)
    assert "Slow down" in line and "throttling" in line
    assert logged_in.calls["GetRoleCredentials"] == INTERACTIVE.attempts


def test_failing_login_is_one_line_after_bounded_retries(aws_env: Path, emulator: Emulator) -> None:
    emulator.inject("RegisterClient", 500, "InternalServerException", "down for repairs", times=50)
    line = assert_one_line_error(run("login", "dev", "--no-browser"), 7)
    assert "down for repairs" in line
    assert f"still after {INTERACTIVE.attempts} tries" in line
    assert emulator.calls["RegisterClient"] == INTERACTIVE.attempts


def test_a_login_failing_after_the_code_was_shown_ends_in_one_error_line(
    aws_env: Path, emulator: Emulator
) -> None:
    emulator.inject("CreateToken", 503, "html", times=50)
    result = run("login", "dev", "--no-browser")
    assert result.returncode == 7
    assert result.stdout == "" and "Traceback" not in result.stderr
    last = result.stderr.splitlines()[-1]
    assert "is failing" in last and "tries" in last
    assert emulator.calls["CreateToken"] == INTERACTIVE.attempts


def test_a_throttled_refresh_keeps_the_still_valid_token(
    logged_in: Emulator, isolated_env: Path
) -> None:
    """As botocore does: a failed refresh in the window is not an error while the
    cached token is still good."""
    age_token(isolated_env)
    logged_in.inject("CreateToken:refresh_token", 429, "TooManyRequestsException", times=50)
    result = run("use", "dev", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    assert logged_in.calls["CreateToken:refresh_token"] == INTERACTIVE.attempts
    assert logged_in.calls["GetRoleCredentials"] == 1


def test_a_failed_refresh_of_a_nearly_expired_token_asks_for_a_login(
    logged_in: Emulator, isolated_env: Path
) -> None:
    from datetime import timedelta

    age_token(isolated_env, left=timedelta(seconds=30))
    logged_in.inject("CreateToken:refresh_token", 500, "InternalServerException", times=50)
    line = assert_one_line_error(run("use", "dev", "--shell", "bash"), 4)
    assert "ssoenv login dev" in line


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback port that is bound but not listening: connecting is refused, and
    no other process can take the port meanwhile."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def timed(*args: str, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    result = run(*args, env=env)
    return result, time.monotonic() - started


def test_connection_refused_is_one_line_within_the_bound(
    logged_in: Emulator, refused_url: str, isolated_env: Path
) -> None:
    env = {"AWS_ENDPOINT_URL_SSO_OIDC": refused_url, "AWS_ENDPOINT_URL_SSO": refused_url}
    result, took = timed("use", "dev", "--shell", "bash", env=env)
    line = assert_one_line_error(result, 8)
    assert "connection refused" in line
    assert took < INTERACTIVE.worst_case_seconds + STARTUP_SLACK


def test_a_server_that_never_answers_is_one_line_within_the_short_bound(
    logged_in: Emulator,
) -> None:
    logged_in.inject("GetRoleCredentials", 0, "hang", times=50)
    result, took = timed("use", "dev", "--shell", "bash", env=SHORT)
    line = assert_one_line_error(result, 8)
    assert re.search(r"did not answer within 1 s", line), line
    assert logged_in.calls["GetRoleCredentials"] == 1  # a timeout is not retried
    assert (
        took
        < policy_for(INTERACTIVE, Settings.from_environ(SHORT)).worst_case_seconds + STARTUP_SLACK
    )


def test_a_hanging_refresh_falls_back_to_the_valid_token_in_bounded_time(
    logged_in: Emulator, isolated_env: Path
) -> None:
    age_token(isolated_env)
    logged_in.inject("CreateToken:refresh_token", 0, "hang", times=50)
    result, took = timed("use", "dev", "--shell", "bash", env=SHORT)
    assert result.returncode == 0, result.stderr
    assert (
        took
        < 2 * policy_for(INTERACTIVE, Settings.from_environ(SHORT)).worst_case_seconds
        + STARTUP_SLACK
    )


def test_the_prompt_hook_gives_up_quietly_and_backs_off(
    logged_in: Emulator, isolated_env: Path
) -> None:
    import shutil

    shutil.rmtree(credentials_dir(isolated_env), ignore_errors=True)
    logged_in.inject("GetRoleCredentials", 0, "hang", times=50)
    result = run("hook-env", "--shell", "bash", env={**SHORT, "SSOENV_PROFILE": "dev"})
    assert result.returncode == 0  # a prompt never fails
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "did not answer" in result.stderr
    assert "__SSOENV_RETRY_AT=" in result.stdout


def test_a_trickling_server_is_one_line_within_the_bound(logged_in: Emulator) -> None:
    """Headers at once, then a byte every 0.2 s: no single read ever times out,
    so only a deadline for the whole answer ends the call."""
    logged_in.inject("GetRoleCredentials", 0, "trickle", times=50)
    result, took = timed("use", "dev", "--shell", "bash", env=SHORT)
    line = assert_one_line_error(result, 8)
    assert "did not finish answering within 2 s" in line, line
    short = policy_for(INTERACTIVE, Settings.from_environ(SHORT))
    assert took < short.worst_case_seconds + STARTUP_SLACK


def test_a_trickling_server_cannot_hold_the_prompt_hook(
    logged_in: Emulator, isolated_env: Path
) -> None:
    """The refresh the hook starts ends within HOOK's bound, says it will retry,
    and does not claim the session ended: the badge shows `~`, not `!`."""
    import shutil

    shutil.rmtree(credentials_dir(isolated_env), ignore_errors=True)
    logged_in.inject("GetRoleCredentials", 0, "trickle", times=50)
    result, took = timed("hook-env", "--shell", "bash", env={"SSOENV_PROFILE": "dev"})
    assert result.returncode == 0  # a prompt never fails
    assert took < HOOK.worst_case_seconds + STARTUP_SLACK
    assert "did not finish answering" in result.stderr
    assert "retrying by itself" in result.stderr
    assert "export SSOENV_RETRYING=1" in result.stdout
    assert "SSOENV_SESSION_EXPIRES" not in result.stdout  # no `!`: nothing says it ended


def test_the_hook_does_not_wait_long_for_another_shells_refresh(
    logged_in: Emulator, isolated_env: Path
) -> None:
    """Another shell holds the role's lock (a slow refresh): the prompt waits a
    moment, then retries in seconds, silently, without claiming a login is needed."""
    from ssoenv import files
    from ssoenv.commands.hook_env import BUSY_RETRY, LOCK_WAIT

    assert run("use", "dev", "--shell", "bash").returncode == 0
    (credential,) = credentials_dir(isolated_env).iterdir()
    credential.unlink()  # due a fetch, which takes the lock
    lock = isolated_env / ".cache" / "ssoenv" / "locks" / f"role-{credential.name}.lock"
    with files.locked(lock):
        started = int(time.time())
        result, took = timed("hook-env", "--shell", "bash", env={"SSOENV_PROFILE": "dev"})
    assert result.returncode == 0
    assert result.stderr == ""  # another shell is on it: nothing to tell
    assert took < LOCK_WAIT + STARTUP_SLACK
    assert "export SSOENV_RETRYING=1" in result.stdout
    assert "SSOENV_SESSION_EXPIRES" not in result.stdout
    (retry_at,) = re.findall(r"__SSOENV_RETRY_AT=(\d+)", result.stdout)
    assert int(retry_at) - started <= BUSY_RETRY.total_seconds() + STARTUP_SLACK


def test_an_ended_session_still_says_login_needed(logged_in: Emulator, isolated_env: Path) -> None:
    """What stays `!`: the portal rejects the token (only a login helps)."""
    import shutil

    shutil.rmtree(credentials_dir(isolated_env), ignore_errors=True)
    logged_in.expire_access_tokens()
    result = run("hook-env", "--shell", "bash", env={"SSOENV_PROFILE": "dev"})
    assert result.returncode == 0
    assert "export SSOENV_SESSION_EXPIRES=" in result.stdout
    assert "SSOENV_RETRYING=1" not in result.stdout


# --------------------------------------------------------------------------- DNS


def _resolver_leaves_loopback() -> str | None:
    """Why resolving a name here could reach past loopback, or None."""
    try:
        resolv = Path("/etc/resolv.conf").read_text()
    except OSError:
        return None
    for line in resolv.splitlines():
        words = line.split()
        loopback = len(words) >= 2 and (words[1].startswith("127.") or words[1] == "::1")
        if len(words) >= 2 and words[0] == "nameserver" and not loopback:
            return f"resolving a name would query the name server {words[1]}"
    return None


UNKNOWN_HOST = "http://sso.ssoenv-test.invalid"  # RFC 2606: never resolves


def test_an_unknown_host_through_the_real_resolver(aws_env: Path) -> None:
    reason = _resolver_leaves_loopback()
    if reason:
        pytest.skip(f"{reason}, outside loopback; the test below fakes the resolver instead")
    env = {"AWS_ENDPOINT_URL_SSO_OIDC": UNKNOWN_HOST, "AWS_ENDPOINT_URL_SSO": UNKNOWN_HOST}
    result, took = timed("login", "dev", "--no-browser", env=env)
    assert "host name not found" in assert_one_line_error(result, 8)
    assert took < INTERACTIVE.worst_case_seconds + STARTUP_SLACK


# The real program, with a resolver that knows no `.invalid` name (as every
# resolver must answer, RFC 6761) and no network: hermetic wherever it runs.
FAKE_RESOLVER = """
import socket, sys
real = socket.getaddrinfo
def getaddrinfo(host, *args, **kwargs):
    if isinstance(host, str) and host.rstrip(".").endswith(".invalid"):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return real(host, *args, **kwargs)
socket.getaddrinfo = getaddrinfo
from importlib.metadata import entry_points
(script,) = entry_points(group="console_scripts", name="ssoenv")
main = script.load()
sys.argv[0] = "ssoenv"
sys.exit(main(sys.argv[1:]))
"""


def test_an_unknown_host_is_one_line(aws_env: Path) -> None:
    env = {**os.environ, "AWS_ENDPOINT_URL_SSO_OIDC": UNKNOWN_HOST}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", FAKE_RESOLVER, "login", "dev", "--no-browser"],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    line = assert_one_line_error(result, 8)
    assert "host name not found" in line
    assert "sso.ssoenv-test.invalid" in line
    assert time.monotonic() - started < INTERACTIVE.worst_case_seconds + STARTUP_SLACK


def test_the_fake_resolver_runs_the_real_program() -> None:
    result = subprocess.run(
        [sys.executable, "-c", FAKE_RESOLVER, "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and result.stdout.startswith("ssoenv ")
