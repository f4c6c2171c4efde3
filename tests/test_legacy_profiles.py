"""Legacy SSO profiles everywhere: a profile with `sso_start_url` and
`sso_region` in itself (no [sso-session]), as aws-sso-util users have them,
serves `login`, `accounts --profile` and `populate --profile`; the token is
cached where the AWS CLI caches a legacy profile's (sha1 of the start URL), and
the generated profiles are legacy ones botocore resolves through the emulator."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.emulator import Emulator
from tests.helpers import run

START_URL = "https://d-1234567890.awsapps.com/start"
# aws-sso-util's form: a base profile that says where to log in, and no role.
LEGACY = f"""\
[profile base]
sso_start_url = {START_URL}
sso_region = us-east-1
region = eu-west-1
"""
MARK = f"# managed by ssoenv populate (sso_start_url {START_URL})"


@pytest.fixture
def config(emulator: Emulator, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", emulator.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", emulator.url)
    path = isolated_env / ".aws" / "config"
    path.parent.mkdir(parents=True)
    path.write_text(LEGACY)
    return path


def token_file(home: Path) -> Path:
    name = hashlib.sha1(START_URL.encode()).hexdigest()
    return home / ".aws" / "sso" / "cache" / f"{name}.json"


def test_login_with_a_profile_that_names_no_role(config: Path, isolated_env: Path) -> None:
    done = run("login", "base", "--no-browser")
    assert done.returncode == 0, done.stderr
    assert token_file(isolated_env).exists()  # where the AWS CLI looks for a legacy profile
    assert "populate --profile base" in done.stderr
    again = run("login", "base", "--no-browser")
    assert again.returncode == 0 and "already logged in" in again.stderr


def test_accounts_of_a_legacy_profile(config: Path, emulator: Emulator) -> None:
    assert run("login", "base", "--no-browser").returncode == 0
    listed = run("accounts", "--profile", "base", "--json")
    assert listed.returncode == 0, listed.stderr
    expected = sorted(str(account.account_id) for account in emulator.accounts)
    assert sorted(account["accountId"] for account in json.loads(listed.stdout)) == expected


def test_accounts_without_a_session_names_the_profile_option(config: Path) -> None:
    done = run("accounts")
    assert done.returncode == 3
    assert "--profile" in done.stderr


def test_a_profile_and_a_session_together_are_refused(config: Path) -> None:
    done = run("accounts", "--profile", "base", "--sso-session", "corp")
    assert done.returncode == 2
    assert "not both" in done.stderr


BOTOCORE = """
import json, sys, boto3
creds = boto3.Session(profile_name=sys.argv[1]).get_credentials().get_frozen_credentials()
print(json.dumps({"key": creds.access_key}))
"""


def test_populate_writes_legacy_profiles_botocore_uses(config: Path, emulator: Emulator) -> None:
    assert run("login", "base", "--no-browser").returncode == 0
    done = run("populate", "--profile", "base")
    assert done.returncode == 0, done.stderr
    text = config.read_text()
    assert text.startswith(LEGACY)  # the base profile is untouched
    generated = text.count(MARK)
    assert generated == sum(len(account.roles) for account in emulator.accounts)
    assert "sso_session" not in text
    # One of them, as botocore's own SSO provider reads it, gets credentials from
    # the token cached by `ssoenv login base` (the AWS CLI's legacy cache key).
    name = text.split(MARK)[0].rsplit("[profile ", 1)[1].split("]")[0]
    result = subprocess.run(
        [sys.executable, "-c", BOTOCORE, name], capture_output=True, text=True, env=os.environ
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["key"]
    # ssoenv uses it as well, and running populate again changes nothing.
    assert run("use", name, "--shell", "bash").returncode == 0
    assert run("populate", "--profile", "base").returncode == 0
    assert config.read_text() == text
