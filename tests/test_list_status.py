"""`ssoenv list` and `ssoenv status`: read from the config, the token cache and
the environment only (no network, not even `requests`), with states that follow
the token file and exit codes that say whether the credentials are valid."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.emulator import Emulator
from tests.helpers import eval_in_bash, run

START_URL = "https://d-1234567890.awsapps.com/start"


def token_file(home: Path, key: str) -> Path:
    return home / ".aws" / "sso" / "cache" / f"{hashlib.sha1(key.encode()).hexdigest()}.json"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def states(env: dict[str, str] | None = None) -> dict[str, str]:
    result = run("list", "--json", env=env)
    assert result.returncode == 0, result.stderr
    return {row["profile"]: row["state"] for row in json.loads(result.stdout)}


def used_env() -> dict[str, str]:
    code = run("use", "dev", "--shell", "bash")
    assert code.returncode == 0, code.stderr
    lines = eval_in_bash(code.stdout).splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_list_shows_every_profile_and_the_session_state(
    aws_env: Path, emulator: Emulator, isolated_env: Path
) -> None:
    assert states() == {
        "default": "not-sso",
        "dev": "none",
        "admin": "none",
        "prod": "none",
        "forbidden": "none",
        "old": "none",
        "static": "not-sso",
    }
    assert run("login", "dev", "--no-browser").returncode == 0
    after = states()
    assert {after[p] for p in ("dev", "admin", "prod", "forbidden")} == {"logged-in"}
    assert after["old"] == "none"  # a legacy profile has its own token file

    path = token_file(isolated_env, "corp")
    data = json.loads(path.read_text())
    data["expiresAt"] = stamp(datetime.now(timezone.utc) - timedelta(minutes=1))
    path.write_text(json.dumps(data))
    assert states()["dev"] == "refreshable"  # expired, but the refresh token can renew it
    del data["refreshToken"]
    path.write_text(json.dumps(data))
    assert states()["dev"] == "expired"


def test_list_table(aws_env: Path, emulator: Emulator) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    result = run("list", env={"SSOENV_PROFILE": "dev"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["PROFILE", "SSO", "SESSION"]
    # A one-character first column marks the profile in use.
    rows = {line[3:].split()[0]: (line[0], line[3:].split()) for line in lines[1:]}
    assert rows["dev"][0] == "*"
    assert rows["dev"][1][:5] == ["dev", "corp", "111111111111", "ReadOnly", "eu-west-1"]
    assert rows["dev"][1][5:8] == ["logged", "in", "until"]
    assert rows["old"] == (
        " ",
        ["old", "(legacy)", START_URL, "111111111111", "ReadOnly", "-", "not", "logged", "in"],
    )
    assert rows["static"][1][-4:] == ["not", "an", "SSO", "profile"]
    assert result.stderr == ""


def test_a_broken_profile_is_listed_with_its_error(aws_env: Path) -> None:
    aws_env.write_text(
        aws_env.read_text()
        + "\n[profile broken]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = x\n"
    )
    result = run("list", "--json")
    assert result.returncode == 0, result.stderr
    broken = next(row for row in json.loads(result.stdout) if row["profile"] == "broken")
    assert broken["state"] == "invalid"
    assert "no [sso-session nope] section" in broken["error"]


def test_list_judges_each_profile_as_use_does(aws_env: Path) -> None:
    """list shares what profiles of one session have in common; a profile whose
    own keys change its endpoints is still judged on its own, as `use` judges it."""
    extra = "".join(
        f"\n[profile {name}]\nsso_session = corp\nsso_account_id = 111111111111\n"
        f"sso_role_name = ReadOnly\n{more}"
        for name, more in (
            ("first", ""),
            ("bad-services", "services = missing\n"),
            ("bad-url", "endpoint_url = ftp://nowhere\n"),
            ("second", ""),
        )
    )
    aws_env.write_text(aws_env.read_text() + extra)
    # Empty endpoint variables count as unset: the profiles' own keys decide.
    no_overrides = {"AWS_ENDPOINT_URL_SSO": "", "AWS_ENDPOINT_URL_SSO_OIDC": ""}
    result = run("list", "--json", env=no_overrides)
    assert result.returncode == 0, result.stderr
    listed = {row["profile"]: row for row in json.loads(result.stdout)}
    for name in ("first", "bad-services", "bad-url", "second"):
        used = run("use", name, "--shell", "bash", "--no-login", env=no_overrides)
        if listed[name]["state"] == "invalid":
            assert listed[name]["error"] in used.stderr, name
            assert used.returncode == 3
        else:
            assert "config" not in used.stderr, used.stderr
    assert listed["first"]["state"] != "invalid" and listed["second"]["state"] != "invalid"
    assert listed["bad-services"]["state"] == listed["bad-url"]["state"] == "invalid"


@pytest.mark.parametrize("args", [["list"], ["status"]])
def test_no_network_and_no_requests(aws_env: Path, emulator: Emulator, args: list[str]) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    env = used_env()
    emulator.reset_counts()
    script = (
        "import sys\nfrom ssoenv.main import main\ncode = main(sys.argv[1:])\n"
        "print('requests' in sys.modules, file=sys.stderr)\nsys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "False"
    assert sum(emulator.calls.values()) == 0


def test_status_of_a_shell_using_a_profile(aws_env: Path, emulator: Emulator) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    env = used_env()
    result = run("status", "--json", env=env)
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["profile"] == "dev"
    assert status["valid"] is True
    assert status["credentials_expire"] == env["AWS_CREDENTIAL_EXPIRATION"]
    assert status["session_state"] == "logged-in"
    assert status["region"] == "eu-west-1"
    text = run("status", env=env)
    assert text.returncode == 0
    lines = dict(line.split(":", 1) for line in text.stdout.splitlines())
    assert lines["profile"].strip() == "dev"
    assert lines["credentials"].strip().startswith("valid until ")
    assert text.stderr == ""


def test_status_with_expired_credentials_exits_4(aws_env: Path, emulator: Emulator) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    env = used_env()
    past = datetime.now(timezone.utc) - timedelta(minutes=5)
    env["SSOENV_EXPIRES"] = str(int(past.timestamp()))
    result = run("status", "--json", env=env)
    assert result.returncode == 4
    assert json.loads(result.stdout)["valid"] is False
    assert result.stderr.strip().splitlines() == [
        f"ssoenv: the credentials of 'dev' expired at {past.astimezone():%H:%M}; "
        "run `ssoenv use dev`"
    ]


def test_status_without_a_profile_exits_4(aws_env: Path) -> None:
    result = run("status", "--json")
    assert result.returncode == 4
    assert json.loads(result.stdout)["profile"] is None
    assert "no ssoenv profile is active in this shell" in result.stderr


def test_status_survives_a_broken_config(aws_env: Path, emulator: Emulator) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    env = used_env()
    aws_env.write_text("[profile dev\n")
    result = run("status", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["session_state"] is None  # the cache could not be read


def test_status_help_documents_the_exit_codes() -> None:
    result = run("status", "--help")
    assert "0 the credentials are valid; 4 no profile is active" in " ".join(result.stdout.split())
