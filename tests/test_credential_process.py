"""`ssoenv credential-process PROFILE`: the Version 1 JSON of a credential_process
line, checked by botocore itself; never interactive; a failure is one stderr
line, which botocore then shows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.emulator import Emulator
from tests.helpers import SSOENV, run

# botocore fixes its cache directories when imported: run it in a fresh
# interpreter that sees the test's HOME, as a user's tool would.
BOTOCORE = """
import json, sys, boto3
session = boto3.Session(profile_name=sys.argv[1])
try:
    creds = session.get_credentials()
    frozen = creds.get_frozen_credentials()
    account = session.client("sts", region_name="us-east-1").get_caller_identity()["Account"]
except Exception as error:
    print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
    sys.exit(0)
print(json.dumps({"method": creds.method, "access_key": frozen.access_key, "account": account}))
"""


def botocore(profile: str) -> dict[str, str]:
    result = subprocess.run(
        [sys.executable, "-c", BOTOCORE, profile],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, str] = json.loads(result.stdout)
    return answer


@pytest.fixture
def via_process(aws_env: Path) -> Path:
    """The README's line, with the absolute path a packaged ssoenv would not need."""
    with aws_env.open("a") as config:
        config.write(
            f"\n[profile dev-process]\ncredential_process = {SSOENV} credential-process dev\n"
        )
    return aws_env


def test_the_json_is_version_1(aws_env: Path, emulator: Emulator) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    result = run("credential-process", "dev")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    data = json.loads(result.stdout)
    assert set(data) == {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    assert data["Version"] == 1
    assert data["AccessKeyId"].startswith("ASIA")
    expires = datetime.strptime(data["Expiration"], "%Y-%m-%dT%H:%M:%SZ")
    assert expires.replace(tzinfo=timezone.utc) > datetime.now(timezone.utc)


def test_botocore_uses_it(via_process: Path, emulator: Emulator) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    answer = botocore("dev-process")
    assert answer["method"] == "custom-process"
    assert (
        answer["access_key"] == json.loads(run("credential-process", "dev").stdout)["AccessKeyId"]
    )
    assert answer["account"] == "111111111111"  # the STS emulator accepts them
    assert emulator.calls["GetRoleCredentials"] == 1  # one fetch, then the cache


def test_without_a_session_botocore_shows_the_one_line(
    via_process: Path, emulator: Emulator
) -> None:
    direct = run("credential-process", "dev")
    assert direct.returncode == 4
    assert direct.stdout == ""
    assert direct.stderr.splitlines() == [
        "ssoenv: no valid SSO session for corp (not logged in, or expired); run `ssoenv login dev`"
    ]
    answer = botocore("dev-process")
    assert "run `ssoenv login dev`" in answer["error"]
    assert emulator.calls["StartDeviceAuthorization"] == 0  # never a login


def test_credentials_close_to_expiry_are_renewed_first(
    aws_env: Path, emulator: Emulator, isolated_env: Path
) -> None:
    """botocore re-runs the process when less than 15 minutes remain: so hand out more."""
    assert run("login", "dev", "--no-browser").returncode == 0
    first = json.loads(run("credential-process", "dev").stdout)
    [cached] = (isolated_env / ".cache" / "ssoenv" / "credentials").glob("*.json")
    data = json.loads(cached.read_text())
    soon = datetime.now(timezone.utc) + timedelta(minutes=14)
    data["Credentials"]["Expiration"] = soon.strftime("%Y-%m-%dT%H:%M:%SZ")
    cached.write_text(json.dumps(data))
    second = json.loads(run("credential-process", "dev").stdout)
    assert second["AccessKeyId"] != first["AccessKeyId"]
    assert emulator.calls["GetRoleCredentials"] == 2


def test_an_unknown_profile_is_one_line(aws_env: Path) -> None:
    result = run("credential-process", "nope")
    assert result.returncode == 3
    assert len(result.stderr.splitlines()) == 1


def test_the_profile_is_required() -> None:
    result = run("credential-process")
    assert result.returncode == 2


def test_the_readme_line_works_as_written(
    aws_env: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", f"{Path(SSOENV).parent}{os.pathsep}{os.environ['PATH']}")
    with aws_env.open("a") as config:
        config.write(
            "\n[profile dev-process]\ncredential_process = ssoenv credential-process dev\n"
        )
    assert run("login", "dev", "--no-browser").returncode == 0
    assert botocore("dev-process")["account"] == "111111111111"
