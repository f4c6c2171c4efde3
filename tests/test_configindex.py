"""The config index (ssoenv.configindex): used when the config file's bytes are
those it was made from, never otherwise, whatever the file's size and times say;
damaged, it counts as absent; it reads back exactly what a parse gives."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ssoenv.config import load_config
from tests.helpers import run

CONFIG = """\
[default]
region = us-east-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = eu-west-1

[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
"""


def index_files(home: Path) -> list[Path]:
    return sorted((home / ".cache" / "ssoenv" / "config-index").glob("*.idx"))


def regions(env: dict[str, str] | None = None) -> dict[str, str | None]:
    listed = run("list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    return {row["profile"]: row["region"] for row in json.loads(listed.stdout)}


@pytest.fixture
def config(isolated_env: Path) -> Path:
    path = Path(os.environ["AWS_CONFIG_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CONFIG)
    return path


def test_an_edit_that_keeps_size_and_times_is_seen(config: Path, isolated_env: Path) -> None:
    """Same size, same inode, modification time put back to the nanosecond: an
    index keyed by the file's metadata would answer with the old region."""
    assert regions()["dev"] == "eu-west-1"
    assert len(index_files(isolated_env)) == 1
    before = config.stat()
    with open(config, "r+b") as handle:  # in place: the inode stays
        text = handle.read().replace(b"eu-west-1", b"eu-west-2")
        handle.seek(0)
        handle.write(text)
    os.utime(config, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = config.stat()
    assert (after.st_size, after.st_ino, after.st_mtime_ns) == (
        before.st_size,
        before.st_ino,
        before.st_mtime_ns,
    )
    assert regions()["dev"] == "eu-west-2"


def test_every_edit_in_a_row_is_seen(config: Path) -> None:
    for region in ("ap-south-1", "ap-south-2", "sa-east-1", "eu-west-1"):
        config.write_text(CONFIG.replace("eu-west-1", region))
        assert regions()["dev"] == region


PARSE_FORBIDDEN = """
import sys
from ssoenv import awsini
from ssoenv.main import main

def refuse(*args, **kwargs):
    raise SystemExit("the config was parsed")

awsini.parse_text = refuse
sys.exit(main(sys.argv[1:]))
"""


def test_a_second_run_does_not_parse_the_config(config: Path) -> None:
    def without_parser(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", PARSE_FORBIDDEN, *args], capture_output=True, text=True
        )

    assert "the config was parsed" in without_parser("list", "--json").stderr  # no index yet
    assert regions()["dev"] == "eu-west-1"  # makes it
    second = without_parser("list", "--json")
    assert second.returncode == 0, second.stderr
    assert {row["profile"] for row in json.loads(second.stdout)} == {"default", "dev"}


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: data.replace(b"eu-west-1", b"eu-west-9"),  # body changed
        lambda data: b"",
        lambda data: b"\x00\xff" * 40,
        lambda data: data.replace(b"\n", b"\r\n", 2),
    ],
    ids=["truncated", "altered", "empty", "binary", "header"],
)
def test_a_damaged_index_counts_as_absent_and_is_made_again(
    config: Path, isolated_env: Path, damage: object
) -> None:
    assert regions()["dev"] == "eu-west-1"
    (index,) = index_files(isolated_env)
    good = index.read_bytes()
    index.write_bytes(damage(good))  # type: ignore[operator]
    assert regions()["dev"] == "eu-west-1"
    assert index.read_bytes() == good


def test_the_index_is_private_whatever_the_umask(config: Path, isolated_env: Path) -> None:
    old = os.umask(0)
    try:
        assert regions()["dev"] == "eu-west-1"
    finally:
        os.umask(old)
    (index,) = index_files(isolated_env)
    assert stat.S_IMODE(index.stat().st_mode) == 0o600
    assert stat.S_IMODE(index.parent.stat().st_mode) == 0o700


def test_each_config_file_has_its_own_index(config: Path, isolated_env: Path) -> None:
    other = config.with_name("other-config")
    other.write_text(CONFIG.replace("eu-west-1", "us-west-2"))
    for _ in range(2):
        assert regions()["dev"] == "eu-west-1"
        assert regions({"AWS_CONFIG_FILE": str(other)})["dev"] == "us-west-2"
    assert len(index_files(isolated_env)) == 2


def test_no_config_file_no_index(isolated_env: Path) -> None:
    assert run("list", "--json").returncode == 0
    assert index_files(isolated_env) == []


HOSTILE = """\
[profile "with space"]
region = eu-west-1

[profile dev]
region = eu-central-1

[default]
output = json

[profile default]
output = text

[profile ünïcödé\t]
sso_role_name = Röle "quoted" \\ back\\slash

[profileX odd]
region = us-east-2

[services corp-endpoints]
sso-oidc =
  endpoint_url = http://127.0.0.1:1
sso =
  endpoint_url = http://127.0.0.1:2

[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[not a kind]
ignored = yes
"""


def test_the_index_reads_back_exactly_what_a_parse_gives(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(HOSTILE)
    parsed = load_config(path)
    folder = tmp_path / "index"
    made = load_config(path, index=folder)  # a parse that writes the index
    from_index = load_config(path, index=folder)
    assert type(from_index.profiles).__name__ == "Sections"  # really the index
    for found in (made, from_index):
        assert list(found.profiles.items()) == list(parsed.profiles.items())
        assert dict(found.sso_sessions) == dict(parsed.sso_sessions)
        assert dict(found.services) == dict(parsed.services)
        assert dict(found.headers) == dict(parsed.headers)
    # One profile looked up on its own, before anything is listed.
    alone = load_config(path, index=folder)
    assert alone.profiles["dev"] == {"region": "eu-central-1"}
    assert alone.profiles["default"] == {"output": "text"}  # [profile default] wins
    assert "nosuch" not in alone.profiles and "ünïcödé\t" not in alone.sso_sessions
    assert alone.label("profile", "with space") == '[profile "with space"]'
