"""The credential server (`ssoenv exec --server`, `ssoenv serve`): botocore's own
container provider is the client, the emulator issues and checks the keys.

The in-process tests run the server in this process with a fetch of our own
and botocore (or http.client, or a raw socket) over loopback; the end-to-end
ones run the ssoenv program with boto3 in the child. No test waits for time to
pass: a role lifetime shorter than the server's window (5 minutes, against 16)
makes every request a rotation, as for a 15-minute chained role."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from botocore.credentials import ContainerProvider
from botocore.exceptions import CredentialRetrievalError
from botocore.utils import ContainerMetadataFetcher

from ssoenv import credserver
from ssoenv.errors import LoginRequired, NetworkError
from ssoenv.model import RoleCredentials
from tests.emulator import Emulator, Trust, sso_role_arn
from tests.helpers import SSOENV, run

SHORT_TTL = 300  # seconds: less than the server's 16-minute window, so each request rotates

# boto3 in the child: two STS calls, the key each was signed with, every answer
# the server gave (botocore's own fetch, recorded), and whether a call failed.
# With a line on stdin between the calls when asked to wait (argv[1] == "wait").
BOTO3_CHILD = r"""
import json, sys
from datetime import datetime, timezone
import boto3
from botocore.utils import ContainerMetadataFetcher

ContainerMetadataFetcher.SLEEP_TIME = 0  # botocore's pause between its 3 tries
answers = []
original = ContainerMetadataFetcher.retrieve_full_uri
def recording(self, url, headers=None):
    answer = original(self, url, headers)
    answers.append({"key": answer["AccessKeyId"], "expiration": answer["Expiration"],
                    "at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
    return answer
ContainerMetadataFetcher.retrieve_full_uri = recording

session = boto3.Session()
sts = session.client("sts")
signed_with = []
sts.meta.events.register("before-send.sts", lambda request, **kw: signed_with.append(
    request.headers["Authorization"].decode().split("Credential=")[1].split("/")[0]))
calls = []
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 2
for step in range(steps):
    if step and sys.argv[1] == "wait":
        print("waiting", flush=True)
        sys.stdin.readline()
    try:
        calls.append({"arn": sts.get_caller_identity()["Arn"], "key": signed_with[-1]})
    except Exception as error:
        calls.append({"error": str(error)})
print(json.dumps({"answers": answers, "calls": calls,
                  "method": session.get_credentials().method}), flush=True)
"""

DEPLOY = "arn:aws:iam::333333333333:role/Deploy"
DEV = "arn:aws:iam::222222222222:role/Dev"
CHAIN = f"""
[profile dev-role]
role_arn = {DEV}
source_profile = dev

[profile deploy]
role_arn = {DEPLOY}
source_profile = dev-role
region = us-west-2
"""


# --- in process: the endpoint itself -------------------------------------------


def _role(key: str = "ASIAFIRST", minutes: int = 60) -> RoleCredentials:
    return RoleCredentials(
        key,
        "secret-" + key,
        "token-" + key,
        datetime.now(timezone.utc) + timedelta(minutes=minutes),
    )


@pytest.fixture
def served() -> Iterator[tuple[credserver.CredentialServer, list[str]]]:
    """A server whose fetch hands out ASIA1, ASIA2, ... and whose reports are kept."""
    issued = iter(range(1, 1000))
    reports: list[str] = []
    with credserver.CredentialServer(lambda: _role(f"ASIA{next(issued)}"), reports.append) as s:
        yield s, reports


def _get(
    server: credserver.CredentialServer,
    method: str = "GET",
    path: str = credserver.PATH,
    **headers: str,
) -> tuple[int, bytes, dict[str, str]]:
    connection = http.client.HTTPConnection(credserver.HOST, server.port, timeout=10)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


def _botocore(server: credserver.CredentialServer, token: str | None = None) -> ContainerProvider:
    environ = {credserver.URI_VARIABLE: server.url}
    environ[credserver.TOKEN_VARIABLE] = server.token if token is None else token
    return ContainerProvider(environ, ContainerMetadataFetcher(sleep=lambda seconds: None))


def test_botocore_gets_the_credentials_and_a_new_key_at_each_refresh(served: tuple) -> None:
    server, reports = served
    credentials = _botocore(server).load()
    assert credentials.method == "container-role"
    first = credentials.get_frozen_credentials()
    assert first.access_key.startswith("ASIA")
    assert first.secret_key == "secret-" + first.access_key
    assert first.token == "token-" + first.access_key
    # botocore asks again whenever its key has less than 15 minutes left; this one has 60.
    assert credentials.get_frozen_credentials() == first
    assert reports == []


@pytest.mark.parametrize(
    "authorization",
    [None, "", "wrong", "Bearer {token}", "{token}x", "{upper}"],
)
def test_a_request_without_the_exact_token_gets_a_bare_401(
    served: tuple, authorization: str | None
) -> None:
    server, _ = served
    headers = {}
    if authorization is not None:
        value = authorization.format(token=server.token, upper=server.token.upper())
        headers["Authorization"] = value
    status, body, response_headers = _get(server, **headers)
    assert (status, body) == (401, b"")
    assert "ssoenv/" not in response_headers.get("Server", "")  # no version to fingerprint
    assert "Python" not in response_headers.get("Server", "")


def test_botocore_with_the_wrong_token_raises_and_learns_nothing(served: tuple) -> None:
    server, _ = served
    with pytest.raises(CredentialRetrievalError) as raised:
        _botocore(server, token="not-the-token").load()
    assert "401" in str(raised.value)
    assert "ASIA" not in str(raised.value)


def test_only_get_of_the_path_answers_and_only_with_the_token(served: tuple) -> None:
    server, _ = served
    auth = {"Authorization": server.token}
    assert _get(server, "POST", **auth)[:2] == (405, b"")
    assert _get(server, "POST")[:2] == (401, b"")
    assert _get(server, "GET", "/other", **auth)[:2] == (404, b"")
    assert _get(server, "GET", "/other")[:2] == (401, b"")
    status, body, headers = _get(server, **auth)
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    answer = json.loads(body)
    assert set(answer) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
    assert answer["Expiration"].endswith("Z")


def test_a_malformed_or_oversized_request_gets_a_bare_401(served: tuple) -> None:
    server, _ = served
    many_headers = b"".join(b"X-%d: y\r\n" % n for n in range(101))
    auth = b"Authorization: " + server.token.encode() + b"\r\n"
    for request in (
        b"BREW /ssoenv/credentials HTTP/1.1\r\n\r\n",
        b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
        b"GET /ssoenv/credentials HTTP/1.1\r\n" + many_headers + auth + b"\r\n",
        b"GET /ssoenv/credentials HTTP/1.1\r\n" + auth + auth + b"\r\n",  # twice: refused
    ):
        with socket.create_connection((credserver.HOST, server.port), timeout=10) as sock:
            sock.sendall(request)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.0 401 "), head
        assert body == b""


def test_it_listens_on_127_0_0_1_only(served: tuple) -> None:
    server, _ = served
    assert server.url.startswith(f"http://127.0.0.1:{server.port}/")
    assert server._httpd.socket.getsockname() == ("127.0.0.1", server.port)
    assert server._httpd.socket.family == socket.AF_INET


def test_each_run_has_its_own_long_random_token() -> None:
    tokens = set()
    for _ in range(3):
        with credserver.CredentialServer(_role, lambda line: None) as server:
            tokens.add(server.token)
            assert len(server.token) >= 43  # 32 random bytes, URL-safe base64
            assert server.token.isascii() and "\n" not in server.token
    assert len(tokens) == 3


def test_an_ended_session_is_an_error_botocore_shows_and_one_line_here() -> None:
    reports: list[str] = []
    failures = [
        LoginRequired(
            "the portal no longer accepts the SSO session of corp", hint="run `ssoenv login dev`"
        ),
        LoginRequired("no valid SSO session for corp", hint="run `ssoenv login dev`"),
    ]

    def fetch() -> RoleCredentials:
        raise failures[0] if len(failures) == 2 and not reports else failures[1]

    with credserver.CredentialServer(fetch, reports.append) as server:
        for _ in range(2):
            with pytest.raises(CredentialRetrievalError) as raised:
                _botocore(server).load()  # three tries each
            assert "403" in str(raised.value)
            assert "run `ssoenv login dev`" in str(raised.value)
    assert reports == [
        "the portal no longer accepts the SSO session of corp; run `ssoenv login dev`"
    ]


def test_a_problem_is_told_again_after_a_success() -> None:
    reports: list[str] = []
    outcomes: list[Exception | RoleCredentials] = [
        NetworkError("IAM Identity Center could not be reached"),
        _role(),
        NetworkError("IAM Identity Center could not be reached"),
    ]

    def fetch() -> RoleCredentials:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    with credserver.CredentialServer(fetch, reports.append) as server:
        statuses = [_get(server, Authorization=server.token)[0] for _ in range(3)]
    assert statuses == [503, 200, 503]  # transient: 503
    assert reports == ["IAM Identity Center could not be reached"] * 2


def test_hostile_names_in_an_error_reach_neither_terminal_as_escapes() -> None:
    reports: list[str] = []

    def fetch() -> RoleCredentials:
        raise LoginRequired("no session for \x1b]0;pwned\x07x", hint="run `ssoenv login \x1b[2J`")

    with credserver.CredentialServer(fetch, reports.append) as server:
        status, body, _ = _get(server, Authorization=server.token)
    assert status == 403
    message = json.loads(body)["message"]
    assert "\x1b" not in message and "\x07" not in message
    assert message.startswith("ssoenv: no session for \\x1b]0;pwned")
    assert all("\x1b" not in line for line in reports)


def test_an_expired_key_is_never_handed_out() -> None:
    reports: list[str] = []
    with credserver.CredentialServer(lambda: _role(minutes=-1), reports.append) as server:
        status, body, _ = _get(server, Authorization=server.token)
    assert status == 503
    assert "ASIA" not in body.decode()
    assert reports == ["the role's credentials have expired"]


class _NotingLock:
    """A lock that says when someone has to wait for it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.contended = threading.Event()

    def __enter__(self) -> None:
        if not self.lock.acquire(blocking=False):
            self.contended.set()
            self.lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


def test_requests_that_arrive_during_a_fetch_share_it() -> None:
    started, release = threading.Event(), threading.Event()
    fetches: list[int] = []

    def fetch() -> RoleCredentials:
        fetches.append(1)
        started.set()
        release.wait(30)
        return _role(f"ASIA{len(fetches)}")

    with credserver.CredentialServer(fetch, lambda line: None) as server:
        lock = _NotingLock()
        server._lock = lock  # type: ignore[assignment]
        bodies: list[bytes] = []
        first = threading.Thread(target=lambda: bodies.append(server.answer().body))
        first.start()
        assert started.wait(30)  # the first request's fetch runs
        second = threading.Thread(target=lambda: bodies.append(server.answer().body))
        second.start()
        assert lock.contended.wait(30)  # the second request arrived and waits
        release.set()
        first.join(30)
        second.join(30)
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]
    assert len(fetches) == 1


# --- end to end: ssoenv exec --server, ssoenv serve ---------------------------


@pytest.fixture
def logged_in(aws_env: Path, emulator: Emulator) -> Emulator:
    assert run("login", "dev", "--no-browser").returncode == 0
    return emulator


def _exec_child(*args: str, env: dict[str, str] | None = None) -> dict:
    result = run("exec", "--server", "dev", "--", sys.executable, "-c", BOTO3_CHILD, *args, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_boto3_in_the_child_gets_new_keys_across_a_rotation(logged_in: Emulator) -> None:
    logged_in.credential_ttl = SHORT_TTL
    seen = _exec_child("go")
    assert seen["method"] == "container-role"
    calls, answers = seen["calls"], seen["answers"]
    assert all("error" not in call for call in calls), calls
    assert calls[0]["arn"].endswith(
        ":assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/user@example.com"
    )
    # The second call was signed with a key the first was not: a rotation, no error.
    assert calls[0]["key"] != calls[1]["key"]
    # Every answer was a new key, none of them expired when it came.
    keys = [answer["key"] for answer in answers]
    assert len(set(keys)) == len(keys) >= 3
    for answer in answers:
        assert answer["expiration"] > answer["at"]
    assert {call["key"] for call in calls} <= set(keys)


def test_with_an_hour_left_the_child_keeps_its_key(logged_in: Emulator) -> None:
    seen = _exec_child("go")
    assert [call["key"] for call in seen["calls"]] == [seen["answers"][0]["key"]] * 2
    assert len(seen["answers"]) == 1


def test_the_child_gets_no_static_keys_only_the_uri_and_token(logged_in: Emulator) -> None:
    show = (
        "import json, os; print(json.dumps({k: v for k, v in os.environ.items() "
        "if k.startswith(('AWS_', 'SSOENV_', '__SSOENV_'))}))"
    )
    other = {
        "AWS_PROFILE": "prod",
        "AWS_ACCESS_KEY_ID": "AKIAOTHER",
        "AWS_SECRET_ACCESS_KEY": "other",
        "AWS_SESSION_TOKEN": "other",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/elsewhere",
        "SSOENV_PROFILE": "prod",
    }
    result = run("exec", "dev", "--server", "--", sys.executable, "-c", show, env=other)
    assert result.returncode == 0, result.stderr
    env = json.loads(result.stdout)
    for name in credserver.SHADOWING:
        if name not in (credserver.URI_VARIABLE, credserver.TOKEN_VARIABLE):
            assert name not in env
    assert not any(name.startswith(("SSOENV_", "__SSOENV_")) for name in env)
    assert env[credserver.URI_VARIABLE].startswith("http://127.0.0.1:")
    assert len(env[credserver.TOKEN_VARIABLE]) >= 43
    assert env["AWS_REGION"] == "eu-west-1"
    assert env[credserver.TOKEN_VARIABLE] not in result.stderr


@pytest.mark.parametrize(("script", "code"), [("exit 42", 42), ("kill -TERM $$", 128 + 15)])
def test_the_exit_status_passes_through(logged_in: Emulator, script: str, code: int) -> None:
    result = run("exec", "--server", "dev", "--", "sh", "-c", script)
    assert result.returncode == code
    assert result.stderr == ""


def test_a_signal_to_ssoenv_reaches_the_child(logged_in: Emulator) -> None:
    script = (
        "import signal, sys\n"
        "signal.signal(signal.SIGTERM, lambda s, f: sys.exit(7))\n"
        "print('ready', flush=True)\n"
        "while True: signal.pause()\n"
    )
    process = subprocess.Popen(
        [SSOENV, "exec", "--server", "dev", "--", sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ),
    )
    assert process.stdout is not None
    try:
        assert process.stdout.readline() == "ready\n"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 7
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()


def test_an_ended_session_fails_the_sdk_call_names_the_login_and_recovers(
    logged_in: Emulator,
) -> None:
    logged_in.credential_ttl = SHORT_TTL
    process = subprocess.Popen(
        [SSOENV, "exec", "--server", "dev", "--", sys.executable, "-c", BOTO3_CHILD, "wait", "3"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        assert process.stdout.readline() == "waiting\n"  # the first call went through
        logged_in.expire_access_tokens()  # the session ends on the server
        logged_in.revoke_refresh_tokens()
        process.stdin.write("\n")
        process.stdin.flush()
        assert process.stdout.readline() == "waiting\n"  # the second call failed
        assert run("login", "dev", "--no-browser").returncode == 0  # from another shell
        process.stdin.write("\n")
        process.stdin.flush()
        seen = json.loads(process.stdout.readline())
        stderr = process.stderr.read() if process.stderr else ""
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    first, second, third = seen["calls"]
    assert "arn" in first
    assert "run `ssoenv login dev`" in second["error"]
    assert "arn" in third and third["key"] != first["key"]  # new credentials after the login
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr  # one line, not one per request (botocore tried 3 times)
    assert lines[0].startswith("ssoenv: ") and lines[0].endswith("; run `ssoenv login dev`")


def test_a_chained_profile_is_served(logged_in: Emulator, aws_env: Path) -> None:
    aws_env.write_text(aws_env.read_text() + CHAIN)
    logged_in.trust[DEV] = Trust(principals=(sso_role_arn("111111111111", "ReadOnly"),))
    logged_in.trust[DEPLOY] = Trust(principals=(DEV,))
    result = run("exec", "--server", "deploy", "--", sys.executable, "-c", BOTO3_CHILD, "go")
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert [call["arn"].split("/")[1] for call in seen["calls"]] == ["Deploy", "Deploy"]


def test_the_token_is_in_no_command_line(logged_in: Emulator) -> None:
    script = (
        "import os, sys\n"
        "print(os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN'], flush=True)\n"
        "sys.stdin.readline()\n"
    )
    process = subprocess.Popen(
        [SSOENV, "exec", "--server", "dev", "--", sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        token = process.stdout.readline().strip()
        assert len(token) >= 43
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    cmdline = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if token.encode() in cmdline:
                    found.append(entry.name)
        assert found == []
        process.stdin.write("\n")
        process.stdin.flush()
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_serve_gives_another_shell_the_uri_and_a_token_file_never_the_token(
    logged_in: Emulator, tmp_path: Path
) -> None:
    env_file = tmp_path / "ssoenv-server.env"
    process = subprocess.Popen(
        [SSOENV, "serve", "dev", "--shell", "env", "--env-file", str(env_file)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert process.stderr is not None
    try:
        told = [process.stderr.readline() for _ in range(2)]  # written after the env file
        assert "serving the credentials of 'dev' at http://127.0.0.1:" in told[0]
        assert str(env_file) in told[1]
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        variables = dict(
            line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line
        )
        token_file = Path(variables[credserver.TOKEN_FILE_VARIABLE])
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
        token = token_file.read_text()
        assert token not in env_file.read_text()
        # Another shell: its own keys and profile are gone, the server's variables set.
        other = {k: v for k, v in os.environ.items() if k not in credserver.SHADOWING}
        other.update(variables)
        child = subprocess.run(
            [sys.executable, "-c", BOTO3_CHILD, "go"],
            env=other,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert child.returncode == 0, child.stderr
        seen = json.loads(child.stdout)
        assert seen["method"] == "container-role"
        assert all("arn" in call for call in seen["calls"])
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        rest = process.stderr.read()
        assert "stopped serving" in rest
        assert token not in "".join(told) + rest
        assert not token_file.exists()
        assert not env_file.exists()
    finally:
        if process.poll() is None:
            process.kill()
