"""`list` keeps its rows' text beside the config index (ssoenv.commands.list):
used only while the config, the credentials file, every setting and ssoenv's
version are what they were; the session states are read afresh every time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.emulator import Emulator
from tests.helpers import run

EXTRA = """
[profile bad-services]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
services = missing

[profile chained]
role_arn = arn:aws:iam::222222222222:role/Dev
source_profile = keys
region = eu-west-1
"""


def listed(env: dict[str, str] | None = None) -> dict[str, dict[str, object]]:
    done = run("list", "--json", env=env)
    assert done.returncode == 0, done.stderr
    return {row["profile"]: row for row in json.loads(done.stdout)}


def rows_files(home: Path) -> list[Path]:
    return sorted((home / ".cache" / "ssoenv" / "config-index").glob("*.rows"))


@pytest.fixture
def config(aws_env: Path) -> Path:
    aws_env.write_text(aws_env.read_text() + EXTRA)
    credentials = Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"])
    credentials.write_text("[keys]\naws_access_key_id = AKIAKEYS\naws_secret_access_key = s\n")
    return aws_env


RESOLVE_FORBIDDEN = """
import sys
from ssoenv import config
from ssoenv.main import main

def refuse(*args, **kwargs):
    raise SystemExit("a profile was resolved")

config.resolve_profile = refuse
sys.exit(main(sys.argv[1:]))
"""


def test_a_second_list_resolves_no_profile(config: Path, isolated_env: Path) -> None:
    first = listed()
    assert len(rows_files(isolated_env)) == 1
    again = subprocess.run(
        [sys.executable, "-c", RESOLVE_FORBIDDEN, "list", "--json"],
        capture_output=True,
        text=True,
        env=os.environ,
    )
    assert again.returncode == 0, again.stderr
    assert {row["profile"]: row for row in json.loads(again.stdout)} == first


def test_the_environment_is_part_of_the_key(config: Path) -> None:
    # With the emulator's endpoints in the environment, `services = missing` is never read.
    assert listed()["bad-services"]["state"] != "invalid"
    unset = {"AWS_ENDPOINT_URL_SSO": "", "AWS_ENDPOINT_URL_SSO_OIDC": ""}
    assert listed(unset)["bad-services"]["state"] == "invalid"
    assert listed()["bad-services"]["state"] != "invalid"


def test_the_credentials_file_is_part_of_the_key(config: Path) -> None:
    assert listed()["chained"]["error"] is None
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text("[keys]\naws_access_key_id = A\n")
    assert "part of a static key pair" in str(listed()["chained"]["error"])


def test_an_edit_of_the_config_is_seen(config: Path) -> None:
    assert listed()["dev"]["region"] == "eu-west-1"
    config.write_text(config.read_text().replace("region = eu-west-1", "region = eu-west-3"))
    assert listed()["dev"]["region"] == "eu-west-3"


def test_states_are_read_afresh(config: Path, emulator: Emulator) -> None:
    assert listed()["dev"]["state"] == "none"
    assert run("login", "dev", "--no-browser").returncode == 0
    assert listed()["dev"]["state"] == "logged-in"
    assert run("logout").returncode == 0
    assert listed()["dev"]["state"] == "none"


@pytest.mark.parametrize("damage", ["", "{", '{"key": 1}', "[]", '{"key": "K", "rows": 5}'])
def test_damaged_rows_count_as_absent(config: Path, isolated_env: Path, damage: str) -> None:
    good = listed()
    (kept,) = rows_files(isolated_env)
    text = kept.read_text()
    key = json.loads(text)["key"]
    kept.write_text(damage.replace('"K"', json.dumps(key)))
    assert listed() == good


def test_the_table_describes_each_sessions_state_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # The rows of one SSO session share its state: one description each, not one a
    # profile (10,000 local-time conversions cost a large config ~40 ms a `list`).
    from datetime import datetime, timedelta, timezone

    from ssoenv.commands import list as listing
    from ssoenv.sessions import EXPIRED, LOGGED_IN, SessionState

    now = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
    corp = SessionState(LOGGED_IN, now + timedelta(hours=1))
    old = SessionState(EXPIRED, now - timedelta(hours=1))
    described: list[SessionState] = []
    real = SessionState.describe

    def counted(self: SessionState, when: datetime) -> str:
        described.append(self)
        return real(self, when)

    monkeypatch.setattr(SessionState, "describe", counted)
    rows = [listing.Row(f"p{n}", "corp", state=corp) for n in range(4)]
    rows += [listing.Row(f"q{n}", "old", state=old) for n in range(3)]
    text = listing.table(rows, now).splitlines()
    assert described == [corp, old]
    assert [line.endswith(real(corp, now)) for line in text[1:]] == [True] * 4 + [False] * 3
    assert all(line.endswith(real(old, now)) for line in text[5:])
