"""The `ssoenv` program as a subprocess against the emulator over HTTP: what a
user sees on stdout and stderr, and the documented exit codes."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import time
from pathlib import Path

import pytest

from tests.emulator import Emulator
from tests.helpers import SSOENV, eval_in_bash, run


def env_of(code: str) -> dict[str, str]:
    lines = eval_in_bash(code).splitlines()
    return dict(line.split("=", 1) for line in lines)


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    assert result.stdout == ""  # eval "$(...)" must do nothing
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ssoenv: ")
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture
def logged_in(aws_env: Path, emulator: Emulator) -> Emulator:
    result = run("login", "dev", "--no-browser")
    assert result.returncode == 0, result.stderr
    return emulator


def test_login_prints_the_code_and_url_on_stderr_only(aws_env: Path, emulator: Emulator) -> None:
    result = run("login", "dev", "--no-browser")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "open this page: " + emulator.url + "/device?user_code=" in result.stderr
    assert "logged in to https://d-1234567890.awsapps.com/start" in result.stderr


def test_login_is_idempotent(logged_in: Emulator) -> None:
    result = run("login", "dev", "--no-browser")
    assert result.returncode == 0
    assert "already logged in" in result.stderr
    assert logged_in.calls["StartDeviceAuthorization"] == 1
    forced = run("login", "dev", "--no-browser", "--force")
    assert forced.returncode == 0
    assert logged_in.calls["StartDeviceAuthorization"] == 2


def test_use_exports_the_role_credentials(logged_in: Emulator) -> None:
    result = run("use", "dev", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    env = env_of(result.stdout)
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert env["AWS_SECRET_ACCESS_KEY"] and env["AWS_SESSION_TOKEN"]
    assert env["AWS_CREDENTIAL_EXPIRATION"].endswith("Z")
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["SSOENV_PROFILE"] == "dev"
    # The emulator's credentials live an hour; the refreshable session outlives them.
    assert abs(int(env["SSOENV_EXPIRES"]) - (time.time() + 3600)) < 120
    assert int(env["SSOENV_SESSION_EXPIRES"]) > int(env["SSOENV_EXPIRES"])
    assert "AWS_PROFILE" not in env
    assert "using 'dev' (111111111111 ReadOnly)" in result.stderr


def test_use_takes_the_profile_from_aws_profile_and_then_clears_other_profiles(
    logged_in: Emulator,
) -> None:
    result = run("use", "--shell", "bash", env={"AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "x"})
    assert result.returncode == 0, result.stderr
    assert "unset AWS_DEFAULT_PROFILE" in result.stdout
    assert "unset AWS_PROFILE" not in result.stdout  # it names the profile in use
    assert "cleared AWS_DEFAULT_PROFILE (it named profile 'x')" in result.stderr


def test_switching_to_a_profile_without_region_clears_the_old_region(logged_in: Emulator) -> None:
    first = env_of(run("use", "dev", "--shell", "bash").stdout)
    second = run("use", "admin", "--shell", "bash", env=first)
    assert second.returncode == 0, second.stderr
    # The previous region came from ssoenv (first use), so it goes.
    after = eval_in_bash(used_code(first) + second.stdout, 'echo "${AWS_REGION-unset}"')
    assert after == "unset\n"
    own = run("use", "admin", "--shell", "bash", env={"AWS_REGION": "ap-south-1"})
    assert "AWS_REGION" not in own.stdout  # a region the user chose stays


def test_use_json_is_a_credential_process_answer(logged_in: Emulator) -> None:
    result = run("use", "dev", "--shell", "json")
    data = json.loads(result.stdout)
    assert data["Version"] == 1
    assert data["AccessKeyId"].startswith("ASIA")
    assert data["Expiration"].endswith("Z")


def test_use_without_a_session_and_without_a_terminal_asks_for_a_login(
    aws_env: Path, emulator: Emulator
) -> None:
    line = assert_one_line_error(run("use", "dev", "--shell", "bash"), 4)
    assert "run `ssoenv login dev`" in line
    assert emulator.calls["StartDeviceAuthorization"] == 0


def test_unknown_profile_suggests_close_names(aws_env: Path) -> None:
    line = assert_one_line_error(run("use", "devv", "--shell", "bash"), 3)
    assert "'dev'" in line


def test_profile_without_sso(aws_env: Path) -> None:
    line = assert_one_line_error(run("use", "static", "--shell", "bash"), 3)
    assert "static" in line


def test_role_not_assigned_names_account_and_role(logged_in: Emulator) -> None:
    line = assert_one_line_error(run("use", "forbidden", "--shell", "bash"), 6)
    assert "'Admin' in account 222222222222" in line


def test_malformed_config_names_file_and_line(aws_env: Path) -> None:
    aws_env.write_text("[profile dev]\nsso_session = corp\nthis line has no equals sign\n")
    line = assert_one_line_error(run("use", "dev", "--shell", "bash"), 3)
    assert "line 3" in line


def test_network_down_is_one_line(aws_env: Path) -> None:
    closed = "http://127.0.0.1:9"  # discard port: nothing listens
    env = {"AWS_ENDPOINT_URL_SSO_OIDC": closed, "AWS_ENDPOINT_URL_SSO": closed}
    line = assert_one_line_error(run("login", "dev", "--no-browser", env=env), 8)
    assert "connection refused" in line


def test_server_error_after_retries_is_one_line(logged_in: Emulator) -> None:
    logged_in.inject("GetRoleCredentials", 500, "InternalServerException", "boom", times=10)
    line = assert_one_line_error(run("use", "dev", "--shell", "bash"), 7)
    assert "boom" in line
    assert logged_in.calls["GetRoleCredentials"] == 3  # bounded retries


def test_debug_shows_each_http_call_and_retry(logged_in: Emulator) -> None:
    logged_in.inject("GetRoleCredentials", 500, "InternalServerException", "boom", times=1)
    quiet = run("use", "dev", "--shell", "bash")
    assert quiet.returncode == 0
    assert quiet.stderr.splitlines()[0].startswith("ssoenv: using 'dev'")  # no HTTP lines
    logged_in.inject("GetRoleCredentials", 500, "InternalServerException", "boom", times=1)
    debug = run("--debug", "use", "admin", "--shell", "bash")
    assert debug.returncode == 0, debug.stderr
    http = [line.split(" (")[0] for line in debug.stderr.splitlines() if "ssoenv.http" in line]
    call = f"ssoenv: ssoenv.http: GetRoleCredentials: GET {logged_in.url}"
    assert http[0] == f"{call} -> 500"
    assert http[1].startswith(f"{call}: retrying in ")
    assert http[2] == f"{call} -> 200"


def test_logout_clears_the_session_and_the_shell(logged_in: Emulator) -> None:
    used = env_of(run("use", "dev", "--shell", "bash").stdout)
    result = run("logout", "--shell", "bash", env=used)
    assert result.returncode == 0, result.stderr
    assert "logged out of https://d-1234567890.awsapps.com/start" in result.stderr
    assert "stay valid until they expire" in result.stderr
    after = env_of(used_code(used) + result.stdout)
    leftover = [
        k for k in after if k.startswith(("AWS_ACCESS", "AWS_SECRET", "AWS_SESS", "SSOENV_"))
    ]
    assert leftover == []
    assert not [k for k in after if k.startswith("__SSOENV_")]
    assert logged_in.calls["Logout"] == 1
    assert run("use", "dev", "--shell", "bash").returncode == 4


def used_code(env: dict[str, str]) -> str:
    return "".join(f"export {k}='{v}'\n" for k, v in env.items())


def test_use_refuses_to_print_credentials_to_a_terminal(logged_in: Emulator) -> None:
    leader, follower = pty.openpty()
    try:
        result = subprocess.run(
            [SSOENV, "use", "dev", "--shell", "bash"],
            stdout=follower,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            check=False,
            env=dict(os.environ),
        )
    finally:
        os.close(follower)
    os.set_blocking(leader, False)
    try:
        printed = os.read(leader, 65536)
    except (BlockingIOError, OSError):  # Linux answers EIO once the writer is gone
        printed = b""
    os.close(leader)
    assert result.returncode == 2
    assert printed == b""
    assert 'eval "$(ssoenv use dev)"' in result.stderr
    assert logged_in.calls["GetRoleCredentials"] == 0


def test_help_documents_the_exit_codes() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "4 login required" in " ".join(result.stdout.split())
    assert "use" in result.stdout and "logout" in result.stdout


def test_hostile_profile_name_stays_data_in_bash(aws_env: Path, emulator: Emulator) -> None:
    name = "x'; touch pwned; echo '$(touch pwned2)`touch pwned3`"
    aws_env.write_text(
        aws_env.read_text()
        + f'\n[profile "{name}"]\nsso_session = corp\nsso_account_id = 111111111111\n'
        "sso_role_name = ReadOnly\n"
    )
    assert run("login", "dev", "--no-browser").returncode == 0
    result = run("use", name, "--shell", "bash")
    assert result.returncode == 0, result.stderr
    out = eval_in_bash(result.stdout, 'printf %s "$SSOENV_PROFILE"; ls')
    assert out.startswith(name)
    assert "pwned" not in out.removeprefix(name)
