"""`ssoenv exec PROFILE -- CMD`: the role's credentials (and nothing of another
profile) in the command's environment, its exit status passed on, signals
forwarded, and a terminal's own Ctrl-C not delivered twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from tests.emulator import Emulator
from tests.helpers import SSOENV, run

SHOW_ENV = (
    "import json, os, sys; "
    "print(json.dumps({'argv': sys.argv[1:], 'env': {k: v for k, v in os.environ.items() "
    "if k.startswith(('AWS_', 'SSOENV_', '__SSOENV_', 'KEEP_'))}}))"
)
# Reports the signals it gets; SIGTERM ends it with code 7.
SIGNALLED = """
import signal, sys
seen = []
def note(signum, frame):
    seen.append(signum)
    print(signal.Signals(signum).name, seen.count(signal.SIGINT), flush=True)
    if signum == signal.SIGTERM:
        sys.exit(7)
for name in ("SIGINT", "SIGUSR1", "SIGTERM", "SIGHUP"):
    signal.signal(getattr(signal, name), note)
print("ready", flush=True)
while True:
    signal.pause()
"""


@pytest.fixture
def logged_in(aws_env: Path, emulator: Emulator) -> Emulator:
    assert run("login", "dev", "--no-browser").returncode == 0
    return emulator


def test_the_command_sees_the_role_and_nothing_of_another_profile(logged_in: Emulator) -> None:
    other = {
        "AWS_PROFILE": "prod",
        "AWS_DEFAULT_PROFILE": "prod",
        "AWS_ACCESS_KEY_ID": "AKIAOTHERPROFILE",
        "AWS_SECRET_ACCESS_KEY": "other-secret",
        "AWS_SESSION_TOKEN": "other-token",
        "AWS_SECURITY_TOKEN": "other-token",
        "AWS_ACCOUNT_ID": "222222222222",
        "AWS_REGION": "us-west-2",
        "SSOENV_PROFILE": "prod",
        "__SSOENV_REGION": "us-west-2",
        "KEEP_ME": "yes",
    }
    result = run("exec", "dev", "--", sys.executable, "-c", SHOW_ENV, "a b", "--debug", env=other)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["argv"] == ["a b", "--debug"]  # passed as given, no shell in between
    env = seen["env"]
    expected = json.loads(run("credential-process", "dev").stdout)
    assert env == {
        "AWS_ACCESS_KEY_ID": expected["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": expected["SecretAccessKey"],
        "AWS_SESSION_TOKEN": expected["SessionToken"],
        "AWS_CREDENTIAL_EXPIRATION": expected["Expiration"],
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL_SSO": env["AWS_ENDPOINT_URL_SSO"],  # the test's own settings
        "AWS_ENDPOINT_URL_SSO_OIDC": env["AWS_ENDPOINT_URL_SSO_OIDC"],
        "AWS_ENDPOINT_URL_STS": env["AWS_ENDPOINT_URL_STS"],
        "AWS_CONFIG_FILE": os.environ["AWS_CONFIG_FILE"],
        "AWS_SHARED_CREDENTIALS_FILE": os.environ["AWS_SHARED_CREDENTIALS_FILE"],
        "KEEP_ME": "yes",
    }


def test_a_profile_without_region_drops_only_a_region_ssoenv_set(logged_in: Emulator) -> None:
    set_by_use = {"AWS_REGION": "us-west-2", "__SSOENV_REGION": "us-west-2"}
    env = json.loads(run("exec", "admin", sys.executable, "-c", SHOW_ENV, env=set_by_use).stdout)
    assert "AWS_REGION" not in env["env"]
    mine = {"AWS_REGION": "ap-south-1", "__SSOENV_REGION": "us-west-2"}
    env = json.loads(run("exec", "admin", sys.executable, "-c", SHOW_ENV, env=mine).stdout)
    assert env["env"]["AWS_REGION"] == "ap-south-1"


@pytest.mark.parametrize(
    ("script", "code"), [("exit 42", 42), ("exit 0", 0), ("kill -TERM $$", 128 + 15)]
)
def test_the_exit_status_is_the_commands(logged_in: Emulator, script: str, code: int) -> None:
    result = run("exec", "dev", "--", "sh", "-c", script)
    assert result.returncode == code
    assert result.stderr == ""


def test_signals_are_forwarded(logged_in: Emulator) -> None:
    process = subprocess.Popen(
        [SSOENV, "exec", "dev", "--", sys.executable, "-c", SIGNALLED],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ),
    )
    assert process.stdout is not None
    try:
        assert process.stdout.readline() == "ready\n"
        for signum in (signal.SIGUSR1, signal.SIGHUP, signal.SIGINT):
            process.send_signal(signum)  # to ssoenv, not to the command
            assert process.stdout.readline().split()[0] == signum.name
        process.send_signal(signal.SIGTERM)
        assert process.stdout.readline().split()[0] == "SIGTERM"
        assert process.wait(timeout=30) == 7
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()


def test_a_terminal_ctrl_c_reaches_the_command_once(logged_in: Emulator) -> None:
    child = pexpect.spawn(
        SSOENV,
        ["exec", "dev", "--", sys.executable, "-c", SIGNALLED],
        env=dict(os.environ),
        encoding="utf-8",
        timeout=30,
    )
    try:
        child.expect_exact("ready")
        child.sendintr()  # the terminal signals its whole foreground group
        child.expect_exact("SIGINT 1")
        # A SIGUSR1 sent to ssoenv is forwarded after any SIGINT it might have
        # forwarded too, and SIGINT is delivered first: the count is final.
        os.kill(child.pid, signal.SIGUSR1)
        child.expect_exact("SIGUSR1 1")
        os.kill(child.pid, signal.SIGTERM)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 7


def test_command_not_found_is_127(logged_in: Emulator) -> None:
    result = run("exec", "dev", "--", "no-such-command-ssoenv")
    assert result.returncode == 127
    assert result.stderr == "ssoenv: no-such-command-ssoenv: command not found\n"


def test_no_command_is_a_usage_error(logged_in: Emulator) -> None:
    result = run("exec", "dev", "--")
    assert result.returncode == 2
    assert "no command to run" in result.stderr


def test_without_a_session_and_a_terminal_nothing_runs(aws_env: Path, emulator: Emulator) -> None:
    result = run("exec", "dev", "--", "sh", "-c", "echo ran")
    assert result.returncode == 4
    assert result.stdout == ""
    assert "run `ssoenv login dev`" in result.stderr
    assert emulator.calls["StartDeviceAuthorization"] == 0


@pytest.mark.parametrize(
    ("args", "code", "out"),
    [
        (["--no-browser", "--", "sh", "-c", "exit 5"], 5, ""),  # ssoenv's option before --
        (["sh", "-c", 'echo "$1"', "--", "x"], 0, "x\n"),  # the command's own --
        (["--", "sh", "-c", "echo -- ok", "--"], 0, "-- ok\n"),
    ],
)
def test_where_the_command_starts(
    logged_in: Emulator, args: list[str], code: int, out: str
) -> None:
    result = run("exec", "dev", *args)
    assert (result.returncode, result.stdout) == (code, out), result.stderr


def test_an_unknown_option_before_the_command_is_a_usage_error(logged_in: Emulator) -> None:
    result = run("exec", "dev", "--bogus", "--", "true")
    assert result.returncode == 2
    assert "unknown option '--bogus' for ssoenv exec" in result.stderr


def test_the_commands_own_debug_flag_is_not_ssoenvs(aws_env: Path) -> None:
    result = run("exec", "static", "--", "tool", "--debug")
    assert result.returncode == 3
    assert len(result.stderr.splitlines()) == 1  # a one-line error, not a traceback
    assert "Traceback" not in result.stderr
