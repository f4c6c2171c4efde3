"""`ssoenv populate` against the emulator: a profile per account and role, marked
as ssoenv's, idempotent, hand-written sections untouched, names sanitised and
made unique predictably, --prune and --dry-run; plus a 500-account organisation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.configloader import raw_config_parse

from ssoenv.profilenames import sanitise
from tests.emulator import Account, Emulator, make_org
from tests.helpers import run

SESSION = """\
[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""
MARK = "# managed by ssoenv populate (sso-session corp)"

HAND_WRITTEN = """\
# my own profiles: populate must leave them alone
[default]
region  =  us-east-1

[profile dev.ReadOnly]
; hand-written, for the same role that populate would generate
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly

[profile prod.ReadOnly]
# hand-written, but for another role: the generated one must go elsewhere
sso_session = corp
sso_account_id = 999999999999
sso_role_name = Other
"""


def login() -> None:
    result = run("login", "--sso-session", "corp", "--no-browser")
    assert result.returncode == 0, result.stderr


@pytest.fixture
def config(emulator: Emulator, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", emulator.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", emulator.url)
    path = isolated_env / ".aws" / "config"
    path.parent.mkdir(parents=True)
    path.write_text(HAND_WRITTEN + "\n" + SESSION)
    login()
    return path


@pytest.fixture
def big_org(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with Emulator(accounts=make_org(500, 3)) as emu:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", emu.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", emu.url)
        path = isolated_env / ".aws" / "config"
        path.parent.mkdir(parents=True)
        path.write_text(SESSION)
        login()
        emu.reset_counts()
        yield emu


def managed(path: Path) -> dict[str, dict[str, str]]:
    """The generated profiles, by name, as botocore reads them."""
    text = path.read_text()
    names = re.findall(r"^\[profile (\S+)\]\n" + re.escape(MARK) + "$", text, re.MULTILINE)
    parsed = raw_config_parse(str(path))
    return {name: parsed[f"profile {name}"] for name in names}


def test_a_profile_for_every_pair_and_hand_written_ones_untouched(config: Path) -> None:
    result = run("populate", "--sso-session", "corp", "--region", "eu-west-1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    text = config.read_text()
    assert text.startswith(HAND_WRITTEN)  # byte for byte
    assert managed(config) == {
        "dev.Admin": {
            "sso_session": "corp",
            "sso_account_id": "111111111111",
            "sso_role_name": "Admin",
            "region": "eu-west-1",
        },
        # dev.ReadOnly is served by the hand-written profile of the same role;
        # prod.ReadOnly is taken by a hand-written profile of another role.
        "prod.ReadOnly-2": {
            "sso_session": "corp",
            "sso_account_id": "222222222222",
            "sso_role_name": "ReadOnly",
            "region": "eu-west-1",
        },
    }
    assert "2 generated profile(s): 2 new, 0 updated, 0 unchanged; 0 pruned" in result.stderr
    assert "[profile prod.ReadOnly] is hand-written: the generated one is named " in result.stderr
    assert "1 pair(s) already served by hand-written profiles" in result.stderr


def test_populate_twice_changes_nothing(config: Path) -> None:
    assert run("populate").returncode == 0  # the only sso-session is the default
    first = config.read_bytes()
    again = run("populate")
    assert again.returncode == 0
    assert config.read_bytes() == first
    assert "0 new, 0 updated, 2 unchanged" in again.stderr
    assert "nothing to change" in again.stderr


def test_dry_run_prints_the_diff_and_writes_nothing(config: Path) -> None:
    before = config.read_bytes()
    result = run("populate", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert config.read_bytes() == before
    assert not config.with_name("config.ssoenv-backup").exists()
    added = [line for line in result.stdout.splitlines() if line.startswith("+")]
    assert added[0] == "+++ ~/.aws/config"
    assert "+[profile dev.Admin]" in added and f"+{MARK}" in added
    assert not [line for line in result.stdout.splitlines() if line.startswith("-")][1:]
    assert "dry run, nothing written: 2 generated profile(s): 2 new" in result.stderr
    # The diff is exactly what a real run then writes.
    assert run("populate").returncode == 0
    assert run("populate", "--dry-run").stdout == ""


def test_prune_removes_only_generated_profiles_that_are_gone(
    config: Path, emulator: Emulator
) -> None:
    assert run("populate").returncode == 0
    emulator.accounts[0].roles.remove("Admin")  # dev.Admin disappears
    kept = run("populate")
    assert "1 profile(s) made by an earlier populate are no longer generated (dev.Admin)" in (
        kept.stderr
    )
    assert "dev.Admin" in managed(config)
    pruned = run("populate", "--prune")
    assert pruned.returncode == 0, pruned.stderr
    assert set(managed(config)) == {"prod.ReadOnly-2"}
    assert config.read_text().startswith(HAND_WRITTEN)  # hand-written ones all stay


def test_a_section_without_its_mark_is_hand_written_from_then_on(config: Path) -> None:
    assert run("populate").returncode == 0
    text = config.read_text()
    config.write_text(text.replace(f"[profile dev.Admin]\n{MARK}\n", "[profile dev.Admin]\n"))
    result = run("populate", "--region", "ap-south-1")
    assert result.returncode == 0, result.stderr
    parsed = raw_config_parse(str(config))
    assert "region" not in parsed["profile dev.Admin"]  # untouched: it is the user's now
    assert set(managed(config)) == {"prod.ReadOnly-2"}  # and it serves its role: no copy
    assert "2 pair(s) already served by hand-written profiles" in result.stderr


def test_names_are_sanitised_and_collisions_numbered_by_account_id(
    config: Path, emulator: Emulator
) -> None:
    emulator.accounts = [
        Account("000000000003", "Acme Corp (Prod)", "a@example.com", ["Admin"]),
        Account("000000000001", "acme/corp:prod", "b@example.com", ["Admin"]),
        Account("000000000002", "Acme Corp (Prod)", "c@example.com", ["Admin"]),
        Account("000000000004", "ÄÖÜ", "d@example.com", ["Admin"]),
    ]
    assert run("populate", "--template", "{account_name}.{role_name}").returncode == 0
    names = {v["sso_account_id"]: k for k, v in managed(config).items()}
    assert names == {
        "000000000001": "acme-corp-prod.Admin",
        "000000000002": "Acme-Corp-Prod.Admin",
        "000000000003": "Acme-Corp-Prod.Admin-2",  # same name: the higher account id yields
        "000000000004": "Admin",  # nothing left of the account name but the role
    }


@pytest.mark.parametrize(
    "template", ["{account_name.__class__}", "{nope}", "{role_name!r}", "static", "{role_name"]
)
def test_bad_templates_are_usage_errors(config: Path, template: str) -> None:
    before = config.read_bytes()
    result = run("populate", "--template", template)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert config.read_bytes() == before


def test_crlf_config_gets_crlf_sections(config: Path) -> None:
    config.write_bytes(config.read_bytes().replace(b"\n", b"\r\n"))
    assert run("populate").returncode == 0
    data = config.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")
    assert b"[profile dev.Admin]\r\n" + MARK.encode() + b"\r\n" in data


def test_sanitise() -> None:
    assert sanitise("My Account (prod)") == "My-Account-prod"
    assert sanitise("a..b__c--d") == "a..b__c--d"
    assert sanitise(" -.x.- ") == "x"
    assert sanitise("dev / Admin") == "dev-Admin"


def test_a_500_account_organisation(big_org: Emulator, isolated_env: Path) -> None:
    config = isolated_env / ".aws" / "config"
    dry = run("populate", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.count("\n+[profile ") == 1500
    assert config.read_text() == SESSION
    assert big_org.calls["ListAccounts"] == 25  # 500 accounts, 20 a page
    assert big_org.calls["ListAccountRoles"] == 500

    real = run("populate")
    assert real.returncode == 0, real.stderr
    profiles = managed(config)
    assert len(profiles) == 1500
    assert profiles["acct-0500.PowerUser"]["sso_account_id"] == "000000000500"
    first = config.read_bytes()
    assert run("populate").returncode == 0
    assert config.read_bytes() == first
