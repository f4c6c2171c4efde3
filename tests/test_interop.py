"""botocore as the oracle: a login by ssoenv serves botocore, a token refreshed
by botocore serves ssoenv, and `ssoenv use --shell json` is a working
credential_process. Both tools talk to the same emulator."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.emulator import Emulator
from tests.helpers import SSOENV, run

# botocore fixes its cache directories when it is imported, so each check runs
# in a fresh interpreter that sees the test's HOME, as a real user's tool would.
BOTOCORE_CREDENTIALS = """
import json, sys, boto3
session = boto3.Session(profile_name=sys.argv[1])
creds = session.get_credentials()
frozen = creds.get_frozen_credentials()
out = {"method": creds.method, "access_key": frozen.access_key, "token": frozen.token}
if len(sys.argv) > 2:
    sts = session.client("sts", region_name="us-east-1")
    out["account"] = sts.get_caller_identity()["Account"]
print(json.dumps(out))
"""


def botocore_credentials(profile: str, *, sts: bool = False) -> dict[str, str]:
    args = [sys.executable, "-c", BOTOCORE_CREDENTIALS, profile] + (["sts"] if sts else [])
    result = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ), check=False)
    assert result.returncode == 0, result.stderr
    answer: dict[str, str] = json.loads(result.stdout)
    return answer


def token_path(home: Path, key: str) -> Path:
    return home / ".aws" / "sso" / "cache" / f"{hashlib.sha1(key.encode()).hexdigest()}.json"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_ssoenv_login_serves_botocore(aws_env: Path, emulator: Emulator) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    credentials = botocore_credentials("dev")
    assert credentials["method"] == "sso"
    assert credentials["access_key"].startswith("ASIA")
    assert emulator.calls["StartDeviceAuthorization"] == 1  # no second login
    assert emulator.calls["GetRoleCredentials"] == 1  # botocore's own fetch


def test_ssoenv_login_of_a_legacy_profile_serves_botocore(
    aws_env: Path, emulator: Emulator
) -> None:
    assert run("login", "old", "--no-browser").returncode == 0
    assert botocore_credentials("old")["access_key"].startswith("ASIA")


def test_a_token_refreshed_by_botocore_serves_ssoenv(
    aws_env: Path, emulator: Emulator, isolated_env: Path
) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    path = token_path(isolated_env, "corp")
    data = json.loads(path.read_text())
    # Age the cached token into botocore's refresh window (the server still honours it).
    data["expiresAt"] = stamp(datetime.now(timezone.utc) + timedelta(minutes=5))
    path.write_text(json.dumps(data))

    assert botocore_credentials("dev")["method"] == "sso"
    refreshed = json.loads(path.read_text())
    assert emulator.calls["CreateToken:refresh_token"] == 1
    assert refreshed["accessToken"] != data["accessToken"]
    assert refreshed["refreshToken"] != data["refreshToken"]  # rotated, written back

    result = run("use", "dev", "--shell", "json")
    assert result.returncode == 0, result.stderr
    # ssoenv used botocore's token as is: no refresh of its own, no new login.
    assert emulator.calls["CreateToken:refresh_token"] == 1
    assert emulator.calls["StartDeviceAuthorization"] == 1


def test_a_token_in_the_aws_cli_format_serves_ssoenv(
    aws_env: Path, emulator: Emulator, isolated_env: Path
) -> None:
    """A file as `aws sso login` writes it (older CLIs wrote the `UTC` suffix)."""
    assert run("login", "dev", "--no-browser").returncode == 0
    path = token_path(isolated_env, "corp")
    data = json.loads(path.read_text())
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    cli_file = {
        "startUrl": data["startUrl"],
        "region": "us-east-1",
        "accessToken": data["accessToken"],
        "expiresAt": later.strftime("%Y-%m-%dT%H:%M:%SUTC"),
    }
    path.write_text(json.dumps(cli_file))
    result = run("use", "dev", "--shell", "json")
    assert result.returncode == 0, result.stderr
    assert emulator.calls["StartDeviceAuthorization"] == 1


def test_use_json_works_as_a_botocore_credential_process(aws_env: Path, emulator: Emulator) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    with aws_env.open("a") as config:
        config.write(
            f"\n[profile via-process]\ncredential_process = {SSOENV} use dev --shell json\n"
        )
    credentials = botocore_credentials("via-process", sts=True)
    assert credentials["method"] == "custom-process"
    expected = json.loads(run("use", "dev", "--shell", "json").stdout)
    assert credentials["access_key"] == expected["AccessKeyId"]
    assert credentials["token"] == expected["SessionToken"]
    # The STS emulator accepts those keys: they are real role credentials.
    assert credentials["account"] == "111111111111"
