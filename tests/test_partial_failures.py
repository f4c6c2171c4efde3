"""One bad item does not abort the rest: `logout` with a damaged, tampered or
foreign token file among good ones, and `populate` with role names no config
line can hold. Every item is processed, each bad one is one printable line on
stderr, the good ones are finished, and the exit code is 9 (partly done); the
shell code logout prints is still there to clear the shell."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.configloader import raw_config_parse

from tests.emulator import Account, Emulator
from tests.helpers import eval_in_bash, run

PARTIAL = 9
ESC = "\x1b"
# This shell after `ssoenv use`, as far as logout's unset code depends on it:
# the credentials are unset only while AWS_ACCESS_KEY_ID is the key use recorded.
USED = {
    "AWS_ACCESS_KEY_ID": "ASIAFROMSSOENV",
    "__SSOENV_KEY_ID": "ASIAFROMSSOENV",
    "AWS_SECRET_ACCESS_KEY": "x",
    "SSOENV_PROFILE": "dev",
}


def cache_dir(home: Path) -> Path:
    return home / ".aws" / "sso" / "cache"


def plant_token(home: Path, name: str, **fields: object) -> Path:
    """A token file of another session, as another tool (or a tamperer) left it."""
    data = {
        "accessToken": f"planted-{name}",
        "expiresAt": "2099-01-01T00:00:00Z",
        "startUrl": f"https://{name}.awsapps.com/start",
        "region": "us-east-1",
    } | fields
    data = {k: v for k, v in data.items() if v is not None}
    path = cache_dir(home) / f"{name}.json"
    path.write_text(json.dumps(data))
    path.chmod(0o600)
    return path


def ssoenv_lines(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    assert all(line.startswith("ssoenv: ") for line in lines), stderr
    return lines


@pytest.fixture
def logged_in(aws_env: Path, emulator: Emulator) -> Emulator:
    result = run("login", "dev", "--no-browser")
    assert result.returncode == 0, result.stderr
    assert run("use", "dev", "--shell", "bash").returncode == 0  # a cached role credential
    return emulator


# --------------------------------------------------------------------------- logout

BAD_REGIONS = {
    "semicolon": "us-east-1; x",
    "traversal": "../../evil",
    "escape": f"{ESC}]0;pwned\a{ESC}[2J",
    "number": 12345,
    "missing": None,
}


def test_logout_ends_every_good_session_despite_bad_regions_and_exits_9(
    logged_in: Emulator, isolated_env: Path
) -> None:
    planted = {name: plant_token(isolated_env, name, region=r) for name, r in BAD_REGIONS.items()}
    good = plant_token(isolated_env, "other")  # another good session, after the bad ones
    credentials = list((isolated_env / ".cache" / "ssoenv" / "credentials").glob("*.json"))
    assert credentials

    result = run("logout", "--shell", "bash", env=USED)

    assert result.returncode == PARTIAL, result.stderr
    # Every token file is gone: the bad ones too (their session ends on this machine).
    assert [
        p.name for p in cache_dir(isolated_env).glob("*.json") if "accessToken" in p.read_text()
    ] == []
    assert not any(path.exists() for path in [good, *planted.values()])
    assert not any(path.exists() for path in credentials)
    # The portal logout was attempted for the sessions whose region could be used.
    assert logged_in.calls["Logout"] == 2
    # One line per bad file, naming it, printable; the good ones reported as done.
    lines = ssoenv_lines(result.stderr)
    assert ESC not in result.stderr and "\a" not in result.stderr
    for name, path in planted.items():
        (line,) = [line for line in lines if f"{path.name}:" in line]
        assert "portal session was not ended" in line and "file is removed" in line, name
    assert any("invalid region 'us-east-1; x'" in line for line in lines)
    assert any(r"\x1b]0;pwned\x07\x1b[2J" in line for line in lines)
    assert any("https://d-1234567890.awsapps.com/start" in line for line in lines)
    assert "partly done" in lines[-1]
    # stdout is still the shell code that clears this shell, and only that.
    used = run("use", "dev", "--shell", "bash")  # no session any more: nothing to use
    assert used.returncode == 4
    used_code = "".join(f"export {k}={v}\n" for k, v in USED.items())
    cleared = eval_in_bash(used_code + result.stdout)
    assert [name for name in USED if name in cleared] == []


def test_logout_of_the_named_session_whose_token_was_tampered_with(
    logged_in: Emulator, isolated_env: Path
) -> None:
    (token,) = [p for p in cache_dir(isolated_env).glob("*.json") if "accessToken" in p.read_text()]
    data = json.loads(token.read_text()) | {"region": "../../evil"}
    token.write_text(json.dumps(data))

    result = run("logout", "--sso-session", "corp", "--shell", "bash", env=USED)

    assert result.returncode == PARTIAL, result.stderr
    assert not token.exists()
    assert logged_in.calls["Logout"] == 0
    assert "logged out of corp" in result.stderr
    assert f"{token}: the cached token names the invalid region '../../evil'" in result.stderr
    assert "unset AWS_SECRET_ACCESS_KEY" in result.stdout


def test_logout_without_bad_items_still_exits_0(logged_in: Emulator, isolated_env: Path) -> None:
    plant_token(isolated_env, "other")
    result = run("logout", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    assert "partly done" not in result.stderr
    assert logged_in.calls["Logout"] == 2


def test_logout_leaves_a_loose_token_of_another_user_alone_and_ends_the_rest(
    logged_in: Emulator, isolated_env: Path
) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    foreign = plant_token(isolated_env, "foreign")
    foreign.chmod(0o644)
    os.chown(foreign, 65534, 65534)  # nobody
    good = plant_token(isolated_env, "zz-after-it")

    result = run("logout", "--shell", "bash", env=USED)

    assert result.returncode == PARTIAL, result.stderr
    assert foreign.exists() and foreign.stat().st_uid == 65534  # untouched, as promised
    assert foreign.stat().st_mode & 0o777 == 0o644
    assert not good.exists()
    (line,) = [line for line in ssoenv_lines(result.stderr) if str(foreign) in line]
    assert "was not removed" in line and "belongs to someone else" in line
    assert logged_in.calls["Logout"] == 2
    assert "unset AWS_SECRET_ACCESS_KEY" in result.stdout


def test_logout_clears_the_aws_cli_cache_past_a_file_it_cannot_read(
    logged_in: Emulator, isolated_env: Path
) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    cli_cache = isolated_env / ".aws" / "cli" / "cache"
    cli_cache.mkdir(parents=True)
    foreign, ours = cli_cache / "a-foreign.json", cli_cache / "b-ours.json"
    for path in (foreign, ours):
        path.write_text(json.dumps({"ProviderType": "sso", "Credentials": {}}))
    foreign.chmod(0o644)
    os.chown(foreign, 65534, 65534)
    ours.chmod(0o600)

    result = run("logout", "--shell", "bash")

    assert result.returncode == PARTIAL, result.stderr
    assert foreign.exists() and not ours.exists()
    assert f"{foreign} was not removed" in result.stderr
    assert "logged out of https://d-1234567890.awsapps.com/start" in result.stderr


# --------------------------------------------------------------------------- populate

SESSION = """\
[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""
BAD_ROLES = [f"Evil{ESC}[31m", f"Title{ESC}]0;pwned\a", "Tab\there", "\u202eRTL", " Padded"]


@pytest.fixture
def hostile_org(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    accounts = [
        Account("111111111111", "dev", "dev@example.com", ["ReadOnly", *BAD_ROLES, "Admin"]),
        Account("222222222222", f"pr{ESC}[2Jod", "prod@example.com", ["ReadOnly"]),
    ]
    with Emulator(accounts=accounts) as emu:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", emu.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", emu.url)
        path = isolated_env / ".aws" / "config"
        path.parent.mkdir(parents=True)
        path.write_text(SESSION)
        result = run("login", "--sso-session", "corp", "--no-browser")
        assert result.returncode == 0, result.stderr
        yield path


def skipped_lines(stderr: str) -> list[str]:
    return [line for line in ssoenv_lines(stderr) if "not written: role" in line]


def test_populate_writes_every_good_role_and_names_each_bad_one(hostile_org: Path) -> None:
    result = run("populate")

    assert result.returncode == PARTIAL, result.stderr
    assert result.stdout == ""
    parsed = raw_config_parse(str(hostile_org))
    written = {k: v["sso_role_name"] for k, v in parsed.items() if k.startswith("profile ")}
    # The account name is only part of a profile name: sanitised, as any odd name.
    assert written == {
        "profile dev.ReadOnly": "ReadOnly",
        "profile dev.Admin": "Admin",
        "profile pr-2Jod.ReadOnly": "ReadOnly",
    }
    text = hostile_org.read_text()
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202e]", text)
    assert ESC not in result.stderr and "\a" not in result.stderr and "\u202e" not in result.stderr
    lines = skipped_lines(result.stderr)
    assert len(lines) == len(BAD_ROLES)
    assert (
        r"ssoenv: not written: role 'Evil\x1b[31m' of account '111111111111' (dev): "
        "its role name has control or invisible characters"
    ) in lines
    assert any(r"'Title\x1b]0;pwned\x07'" in line for line in lines)
    assert any(r"'Tab\there'" in line for line in lines)
    assert any(r"'\u202eRTL'" in line for line in lines)
    assert any("' Padded'" in line and "blanks" in line for line in lines)
    assert "3 generated profile(s): 3 new" in result.stderr
    assert "partly done: 5 pair(s) not written" in ssoenv_lines(result.stderr)[-1]
    # Idempotent for the good ones, and still honest about the bad ones.
    again = run("populate")
    assert again.returncode == PARTIAL
    assert hostile_org.read_text() == text
    assert len(skipped_lines(again.stderr)) == len(BAD_ROLES)


def test_populate_dry_run_reports_the_bad_roles_too(hostile_org: Path) -> None:
    before = hostile_org.read_bytes()
    result = run("populate", "--dry-run")
    assert result.returncode == PARTIAL, result.stderr
    assert hostile_org.read_bytes() == before
    assert "+[profile dev.Admin]" in result.stdout.splitlines()
    assert ESC not in result.stdout and "Evil" not in result.stdout
    assert len(skipped_lines(result.stderr)) == len(BAD_ROLES)
    assert "dry run, nothing written: 3 generated profile(s)" in result.stderr


def test_accounts_lists_hostile_names_without_failing(hostile_org: Path) -> None:
    table = run("accounts")
    assert table.returncode == 0, table.stderr
    assert "Admin" in table.stdout and "Padded" in table.stdout
    listed = run("accounts", "--json")
    assert listed.returncode == 0, listed.stderr
    roles = {role for account in json.loads(listed.stdout) for role in account["roles"]}
    assert set(BAD_ROLES) <= roles  # exact, as data
