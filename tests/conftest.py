"""Isolation for every test: a private HOME and XDG dirs, no AWS_* or SSOENV_*
variable from the developer's environment, so nothing touches the real ~/.aws."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    home.mkdir()
    for name in list(os.environ):
        if name.startswith(("AWS_", "SSOENV_", "__SSOENV_", "XDG_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    # A browser must never open from a test.
    monkeypatch.setenv("BROWSER", "true")
    return home


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A local IAM Identity Center on 127.0.0.1, port chosen by the kernel."""
    from tests.emulator import Emulator

    with Emulator() as emu:
        yield emu


@pytest.fixture
def aws_env(emulator: Emulator, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every SSO call at the emulator, exactly as botocore is pointed, and
    write a config with an sso-session profile `dev` and a legacy profile `old`."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", emulator.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", emulator.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", emulator.url)
    config = isolated_env / ".aws" / "config"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(SAMPLE_CONFIG)
    return config


SAMPLE_CONFIG = """\
[default]
region = us-east-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = eu-west-1

[profile admin]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin

[profile prod]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = us-west-2

[profile forbidden]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = Admin

[profile old]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111111111111
sso_role_name = ReadOnly

[profile static]
aws_access_key_id = AKIAEXAMPLE
aws_secret_access_key = example

[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""


class FakeClock:
    """Injected time: `sleep` advances it instead of waiting."""

    def __init__(self) -> None:
        from datetime import datetime, timezone

        self.start = datetime.now(timezone.utc)
        self.offset = 0.0
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        from datetime import timedelta

        return self.start + timedelta(seconds=self.offset)

    def monotonic(self) -> float:
        return self.offset

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += seconds

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


if TYPE_CHECKING:
    from datetime import datetime

    from tests.emulator import Emulator
