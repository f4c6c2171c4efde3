"""`ssoenv configure` and `ssoenv configure sso-session` as a user runs them:
scripted with every flag, interactively through a terminal, and against a config
file full of comments and odd formatting that must survive byte for byte."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from botocore.configloader import raw_config_parse

from ssoenv.configdoc import ConfigDocument
from tests.emulator import Account, Emulator, make_org
from tests.helpers import SSOENV, run

START_URL = "https://d-1234567890.awsapps.com/start"

# Comments everywhere, odd spacing, a nested sub-section, a quoted name, a
# [services] and a [plugins] section, a commented-out section, no final newline.
ODD_CONFIG = """\
# ~/.aws/config, written by hand: keep every byte
;   semicolon comments too

[default]
region=us-east-1
output   :   json
cli_pager =

[profile   legacy]
# a legacy profile, with a nested sub-section
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111111111111
sso_role_name = ReadOnly
s3 =
    addressing_style = path
    max_concurrent_requests = 20

[profile "with space"]
\tregion = eu-central-1
credential_process = /bin/echo {"Version": 1}

# [profile commented-out]
# region = nowhere

[services local]
sso =
  endpoint_url = http://127.0.0.1:1

[plugins]
cli_legacy_plugin_path = /opt/plugins
[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
# a trailing comment without a newline"""

ALL_FLAGS = (
    "--sso-session",
    "corp",
    "--start-url",
    START_URL,
    "--sso-region",
    "us-east-1",
    "--account-id",
    "111111111111",
    "--role-name",
    "ReadOnly",
    "--region",
    "eu-west-1",
    "--output",
    "json",
    "--no-browser",
)


@pytest.fixture
def config(emulator: Emulator, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", emulator.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", emulator.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", emulator.url)
    path = isolated_env / ".aws" / "config"
    path.parent.mkdir(parents=True)
    return path


def sections(path: Path) -> dict[str, dict[str, object]]:
    """botocore's own parse, the oracle for "the AWS CLI reads the same thing"."""
    parsed: dict[str, dict[str, object]] = raw_config_parse(str(path))
    return parsed


def test_every_flag_asks_nothing_and_keeps_every_other_byte(
    config: Path, emulator: Emulator
) -> None:
    config.write_text(ODD_CONFIG)
    config.chmod(0o640)
    before = sections(config)

    result = run("configure", *ALL_FLAGS)

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # questions and news go to stderr
    text = config.read_text()
    assert text.startswith(ODD_CONFIG)  # only appended: every byte before is intact
    after = sections(config)
    assert after.pop("profile dev.ReadOnly") == {
        "sso_session": "corp",
        "sso_account_id": "111111111111",
        "sso_role_name": "ReadOnly",
        "region": "eu-west-1",
        "output": "json",
    }
    assert after == before
    assert stat.S_IMODE(config.stat().st_mode) == 0o640  # the file's mode is kept
    backup = config.with_name("config.ssoenv-backup")
    assert backup.read_text() == ODD_CONFIG
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert "profile 'dev.ReadOnly' is ready" in result.stderr
    assert emulator.calls["StartDeviceAuthorization"] == 1


def test_the_written_profile_works_in_botocore(config: Path, emulator: Emulator) -> None:
    assert run("configure", *ALL_FLAGS, "--profile", "made").returncode == 0
    script = (
        "import boto3; c = boto3.Session(profile_name='made').get_credentials(); "
        "print(c.method, c.get_frozen_credentials().access_key[:4])"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["sso", "ASIA"]
    assert emulator.calls["StartDeviceAuthorization"] == 1  # botocore used ssoenv's login


def test_crlf_files_stay_crlf(config: Path) -> None:
    crlf = ODD_CONFIG.replace("\n", "\r\n")
    config.write_bytes(crlf.encode())
    assert run("configure", *ALL_FLAGS).returncode == 0
    data = config.read_bytes()
    assert data.startswith(crlf.encode())
    assert data.count(b"\n") == data.count(b"\r\n")  # no bare LF sneaked in


def test_an_existing_profile_is_edited_in_place(config: Path) -> None:
    config.write_text(ODD_CONFIG)
    result = run(
        "configure", *ALL_FLAGS, "--profile", "legacy", "--region", "none", "--output", "text"
    )
    assert result.returncode == 0, result.stderr
    legacy = sections(config)["profile   legacy"]  # botocore keeps the header as written
    # Its own start URL and region would contradict sso_session: gone. Its region
    # too ("none"); the nested s3 settings stay.
    assert legacy == {
        "sso_account_id": "111111111111",
        "sso_role_name": "ReadOnly",
        "s3": {"addressing_style": "path", "max_concurrent_requests": "20"},
        "sso_session": "corp",
        "output": "text",
    }
    text = config.read_text()
    assert "# a legacy profile, with a nested sub-section\n" in text
    assert text.count("[profile") == ODD_CONFIG.count("[profile")  # no section appended


def test_running_it_twice_changes_nothing(config: Path) -> None:
    config.write_text(ODD_CONFIG)
    assert run("configure", *ALL_FLAGS).returncode == 0
    first = config.read_bytes()
    again = run("configure", *ALL_FLAGS)
    assert again.returncode == 0
    assert config.read_bytes() == first
    assert "nothing to change" in again.stderr


def test_without_a_terminal_missing_flags_are_named_before_any_login(
    config: Path, emulator: Emulator
) -> None:
    result = run("configure", "--account-id", "111111111111")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "ssoenv: missing --sso-session, --start-url, --sso-region (no terminal to ask)"
    ]
    assert sum(emulator.calls.values()) == 0
    assert not config.exists()


def test_several_accounts_need_account_id(config: Path) -> None:
    flags = (*ALL_FLAGS[:6], "--no-browser")
    result = run("configure", *flags)
    assert result.returncode == 2
    assert "--account-id is required: there are 2 (111111111111, 222222222222)" in result.stderr
    assert not config.exists()


def test_the_only_account_and_role_are_chosen_automatically(
    config: Path, emulator: Emulator
) -> None:
    emulator.accounts = [Account("333333333333", "solo", "solo@example.com", ["Dev"])]
    result = run("configure", *ALL_FLAGS[:6], "--no-browser")
    assert result.returncode == 0, result.stderr
    assert "using the only account: 333333333333  solo" in result.stderr
    assert "using the only role: Dev" in result.stderr
    profile = sections(config)["profile solo.Dev"]
    # Without --region, the default is the SSO region (no profile had one before).
    assert profile["region"] == "us-east-1"
    assert "output" not in profile


def test_a_role_not_assigned_is_refused(config: Path) -> None:
    flags = [f if f != "ReadOnly" else "Nope" for f in ALL_FLAGS]
    result = run("configure", *flags)
    assert result.returncode == 6
    assert "role 'Nope' in account 111111111111 is not assigned to you" in result.stderr
    assert "ReadOnly" in result.stderr  # the roles that are there
    assert not config.exists()


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--profile", "evil]\n[profile x"),
        ("--profile", "a[b"),
        ("--region", "us-east-1\nrole_arn = arn:aws:iam::1:role/x"),
        ("--sso-session", 'co"rp'),
        ("--output", "json\n[default]"),
        ("--start-url", "https://x.example/start\n[plugins]"),
    ],
)
def test_values_cannot_inject_keys_or_sections(
    config: Path, emulator: Emulator, flag: str, value: str
) -> None:
    config.write_text(ODD_CONFIG)
    flags = list(ALL_FLAGS)
    if flag in flags:
        flags[flags.index(flag) + 1] = value
    else:
        flags += [flag, value]
    result = run("configure", *flags)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert config.read_text() == ODD_CONFIG
    assert emulator.calls["StartDeviceAuthorization"] == 0  # checked before any login


def test_a_name_with_a_space_is_quoted_as_botocore_expects(config: Path) -> None:
    assert run("configure", *ALL_FLAGS, "--profile", "my dev").returncode == 0
    assert '[profile "my dev"]' in config.read_text()
    assert sections(config)['profile "my dev"']["sso_role_name"] == "ReadOnly"


def test_a_symlinked_config_stays_a_symlink(config: Path, tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "aws-config"
    real.parent.mkdir()
    real.write_text(ODD_CONFIG)
    config.symlink_to(real)
    assert run("configure", *ALL_FLAGS).returncode == 0
    assert config.is_symlink()
    assert real.read_text().startswith(ODD_CONFIG)
    assert "[profile dev.ReadOnly]" in real.read_text()


def test_an_unreadable_config_is_not_touched(config: Path, emulator: Emulator) -> None:
    broken = "[profile a]\nthis line has no equals sign\n"
    config.write_text(broken)
    result = run("configure", *ALL_FLAGS)
    assert result.returncode == 3
    assert "line 2" in result.stderr
    assert config.read_text() == broken
    assert not config.with_name("config.ssoenv-backup").exists()


def test_a_new_config_is_private(config: Path) -> None:
    os.rmdir(config.parent)
    flags = ("--sso-session", "corp", "--start-url", START_URL, "--sso-region", "us-east-1")
    assert run("configure", "sso-session", *flags).returncode == 0
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
    assert not config.with_name("config.ssoenv-backup").exists()  # nothing to back up


def test_sso_session_subcommand_writes_only_the_session(config: Path, emulator: Emulator) -> None:
    config.write_text(ODD_CONFIG)
    before = sections(config)
    result = run(
        "configure",
        "sso-session",
        "--sso-session",
        "other",
        "--start-url",
        "https://d-999.awsapps.com/start",
        "--sso-region",
        "eu-west-1",
    )
    assert result.returncode == 0, result.stderr
    after = sections(config)
    assert after.pop("sso-session other") == {
        "sso_start_url": "https://d-999.awsapps.com/start",
        "sso_region": "eu-west-1",
        "sso_registration_scopes": "sso:account:access",
    }
    assert after == before
    assert sum(emulator.calls.values()) == 0  # no login
    assert "ssoenv login --sso-session other" in result.stderr


def test_sso_session_subcommand_updates_an_existing_session_in_place(config: Path) -> None:
    config.write_text(ODD_CONFIG)
    result = run("configure", "sso-session", "--sso-session", "corp", "--sso-region", "eu-west-1")
    assert result.returncode == 0, result.stderr
    text = config.read_text()
    assert text == ODD_CONFIG.replace(
        "[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\n"
        "sso_region = us-east-1",
        "[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\n"
        "sso_region = eu-west-1",
    )


def test_interactive_wizard_through_a_terminal(config: Path, emulator: Emulator) -> None:
    config.write_text(ODD_CONFIG)
    child = pexpect.spawn(
        SSOENV, ["configure", "--no-browser"], env=dict(os.environ), encoding="utf-8", timeout=30
    )
    child.expect_exact("SSO session name [corp]: ")
    child.sendline("")
    child.expect_exact(f"SSO start URL [{START_URL}]: ")
    child.sendline("")
    child.expect_exact("SSO region [us-east-1]: ")
    child.sendline("")
    child.expect_exact("SSO registration scopes [sso:account:access]: ")
    child.sendline("")
    child.expect_exact("2) 222222222222  prod")
    child.expect_exact("Which account? (number or account): ")
    child.sendline("3")  # out of range: asked again
    child.expect_exact("answer a number from 1 to 2, or the account itself")
    child.sendline("2")
    child.expect_exact("using the only role: ReadOnly")
    child.expect_exact("Default region [us-east-1]: ")
    child.sendline("us_east_1")
    child.expect_exact("'us_east_1' is not a region name")
    child.sendline("eu-north-1")
    child.expect_exact("Default output format [none]: ")
    child.sendline("")
    child.expect_exact("Profile name [prod.ReadOnly]: ")
    child.sendline("prod")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert sections(config)["profile prod"] == {
        "sso_session": "corp",
        "sso_account_id": "222222222222",
        "sso_role_name": "ReadOnly",
        "region": "eu-north-1",
    }
    assert config.read_text().startswith(ODD_CONFIG)


# --- the editor's safety net, directly -------------------------------------------------


def test_an_edit_that_would_change_another_section_is_refused(tmp_path: Path) -> None:
    from ssoenv.configwriter import edit_config
    from ssoenv.errors import ConfigError

    path = tmp_path / "config"
    path.write_text(ODD_CONFIG)

    def sneaky(cfg: object, doc: ConfigDocument) -> None:
        doc.set_values("profile", "new", {"region": "eu-west-1"})
        plugins = next(s for s in doc.sections if s.lines[0].startswith("[plugins]"))
        plugins.lines[1] = "cli_legacy_plugin_path = /tmp/evil\n"  # a bug, say

    with pytest.raises(ConfigError, match="would not read back as intended"):
        edit_config(path, tmp_path / "lock", sneaky)
    assert path.read_text() == ODD_CONFIG
    assert not list(tmp_path.glob(".config.*"))  # no temp file left behind


def test_a_file_changed_during_the_edit_is_not_overwritten(tmp_path: Path) -> None:
    from ssoenv.configwriter import edit_config
    from ssoenv.errors import ConfigError

    path = tmp_path / "config"
    path.write_text(ODD_CONFIG)

    def racing(cfg: object, doc: ConfigDocument) -> None:
        doc.set_values("profile", "new", {"region": "eu-west-1"})
        path.write_text(ODD_CONFIG + "\n[profile theirs]\nregion = x\n")  # another tool

    with pytest.raises(ConfigError, match="changed while ssoenv was editing it"):
        edit_config(path, tmp_path / "lock", racing)
    assert path.read_text().endswith("[profile theirs]\nregion = x\n")


def test_removing_a_section_keeps_the_comments_above_the_next_one() -> None:
    text = "[profile a]\nx = 1\n\n[profile b]\ny = 2\n\n# about c\n[profile c]\nz = 3\n"
    doc = ConfigDocument.parse(text)
    assert doc.remove_section("profile", "b")
    assert doc.render() == "[profile a]\nx = 1\n\n\n# about c\n[profile c]\nz = 3\n"


def test_values_are_replaced_in_place_keeping_the_key_spelling() -> None:
    text = "[profile a]\n  Region :eu-west-1\ns3 =\n  addressing_style = path\nout = x"
    doc = ConfigDocument.parse(text)
    doc.set_values("profile", "a", {"region": "us-east-1", "s3": "flat", "new": "v"})
    assert doc.render() == "[profile a]\n  Region :us-east-1\ns3 = flat\nout = x\nnew = v\n"


def test_an_indented_header_inside_a_value_is_not_a_section() -> None:
    text = "[profile a]\nnote = first line\n  [profile b]\n"
    doc = ConfigDocument.parse(text)
    assert [s.key for s in doc.sections] == [("profile", "a")]


def test_another_start_url_does_not_repoint_the_only_session(config: Path) -> None:
    config.write_text(ODD_CONFIG)
    result = run("configure", "sso-session", "--start-url", "https://d-999.awsapps.com/start")
    assert result.returncode == 2
    assert "missing --sso-session" in result.stderr
    assert config.read_text() == ODD_CONFIG
    same = run("configure", "sso-session", "--start-url", START_URL, "--scopes", "a:b,c:d")
    assert same.returncode == 0, same.stderr
    assert sections(config)["sso-session corp"]["sso_registration_scopes"] == "a:b,c:d"


# --- naming an existing profile (issue 17): never silently another role ---------------

DEV = """\
# my dev profile
[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = us-east-1

[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""


def flags_for(account: str, role: str, *extra: str) -> list[str]:
    flags = list(ALL_FLAGS)
    flags[flags.index("--account-id") + 1] = account
    flags[flags.index("--role-name") + 1] = role
    return [*flags, "--scopes", "sso:account:access", "--profile", "dev", *extra]


@pytest.mark.parametrize(
    ("account", "role", "differ"),
    [("222222222222", "ReadOnly", "account"), ("111111111111", "Admin", "role")],
)
def test_without_a_terminal_another_role_under_an_existing_name_is_refused(
    config: Path, emulator: Emulator, account: str, role: str, differ: str
) -> None:
    config.write_text(DEV)
    result = run("configure", *flags_for(account, role))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ssoenv: profile 'dev' already exists in ~/.aws/config")
    assert (
        f"({differ} differ: it has account 111111111111, role ReadOnly, sso-session corp;"
        in lines[0]
    )
    assert f"this would write account {account}, role {role}, sso-session corp" in lines[0]
    assert "nothing was changed" in lines[0]
    assert "--overwrite" in lines[0] and "--profile NAME" in lines[0]  # both ways out
    assert config.read_text() == DEV
    assert not config.with_name("config.ssoenv-backup").exists()
    assert emulator.calls["StartDeviceAuthorization"] == 0  # refused before any login


def test_overwrite_replaces_it_and_says_what_it_was(config: Path) -> None:
    config.write_text(DEV)
    result = run("configure", *flags_for("222222222222", "ReadOnly", "--overwrite"))
    assert result.returncode == 0, result.stderr
    assert sections(config)["profile dev"] == {
        "sso_session": "corp",
        "sso_account_id": "222222222222",
        "sso_role_name": "ReadOnly",
        "region": "eu-west-1",
        "output": "json",
    }
    assert config.read_text().startswith("# my dev profile\n[profile dev]\n")  # in place
    assert config.with_name("config.ssoenv-backup").read_text() == DEV  # the backup stays
    assert (
        "replaced profile 'dev', which was account 111111111111, role ReadOnly, "
        "sso-session corp" in result.stderr
    )


def test_the_same_role_with_other_settings_is_an_update(config: Path) -> None:
    # Re-running configure for the same account, role and session: region and output
    # are settings, not who the profile is. No question, no --overwrite needed.
    config.write_text(DEV)
    result = run("configure", *flags_for("111111111111", "ReadOnly"))
    assert result.returncode == 0, result.stderr
    assert sections(config)["profile dev"]["region"] == "eu-west-1"
    assert "replaced" not in result.stderr
    again = run("configure", *flags_for("111111111111", "ReadOnly"))
    assert again.returncode == 0, again.stderr
    assert "nothing to change" in again.stderr


def test_a_profile_of_only_settings_is_filled_in(config: Path) -> None:
    config.write_text(ODD_CONFIG)  # [default] has region, output, cli_pager: no role
    result = run("configure", *ALL_FLAGS, "--profile", "default")
    assert result.returncode == 0, result.stderr
    assert sections(config)["default"]["sso_account_id"] == "111111111111"


def test_another_sso_session_is_another_profile(config: Path) -> None:
    config.write_text(DEV.replace("sso_session = corp", "sso_session = other"))
    result = run("configure", *flags_for("111111111111", "ReadOnly"))
    assert result.returncode == 2, result.stderr
    assert (
        "(sso-session differ: it has account 111111111111, role ReadOnly, sso-session other;"
        in result.stderr
    )


def test_a_legacy_profile_on_another_portal_is_another_profile(config: Path) -> None:
    legacy = ODD_CONFIG.replace(
        "sso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n"
        "sso_account_id",
        "sso_start_url = https://d-999.awsapps.com/start\nsso_region = us-east-1\nsso_account_id",
        1,
    )
    config.write_text(legacy)
    result = run("configure", *ALL_FLAGS, "--profile", "legacy")
    assert result.returncode == 2, result.stderr
    assert "start URL https://d-999.awsapps.com/start" in result.stderr
    assert config.read_text() == legacy


def test_a_role_arn_profile_is_another_profile_and_replacing_it_makes_it_sso(
    config: Path,
) -> None:
    assume = "[profile dev]\nrole_arn = arn:aws:iam::999999999999:role/X\nsource_profile = base\n"
    config.write_text(assume + "\n" + DEV.split("\n\n", 1)[1])
    refused = run("configure", *flags_for("111111111111", "ReadOnly"))
    assert refused.returncode == 2, refused.stderr
    assert "credentials from role_arn, source_profile" in refused.stderr
    done = run("configure", *flags_for("111111111111", "ReadOnly", "--overwrite"))
    assert done.returncode == 0, done.stderr
    # botocore tries role_arn before SSO: left in, it would not be the SSO role.
    assert sections(config)["profile dev"] == {
        "sso_session": "corp",
        "sso_account_id": "111111111111",
        "sso_role_name": "ReadOnly",
        "region": "eu-west-1",
        "output": "json",
    }


def test_without_a_terminal_a_role_chosen_by_the_portal_is_checked_too(
    config: Path, emulator: Emulator
) -> None:
    # No --account-id or --role-name: known only after the login, refused then.
    emulator.accounts = [Account("333333333333", "solo", "solo@example.com", ["Dev"])]
    config.write_text(DEV)
    result = run("configure", *ALL_FLAGS[:6], "--profile", "dev", "--no-browser")
    assert result.returncode == 2, result.stderr
    assert "profile 'dev' already exists" in result.stderr
    assert "account 333333333333, role Dev" in result.stderr
    assert config.read_text() == DEV


def spawn_configure(*flags: str) -> pexpect.spawn:
    return pexpect.spawn(
        SSOENV, ["configure", *flags], env=dict(os.environ), encoding="utf-8", timeout=30
    )


def test_at_a_terminal_no_leaves_the_profile_as_it_was(config: Path) -> None:
    # The old role's name holds a terminal escape: shown visibly, never obeyed.
    hostile = DEV.replace("sso_role_name = ReadOnly", "sso_role_name = Read\x1b[2JOnly")
    config.write_text(hostile)
    child = spawn_configure(*flags_for("222222222222", "ReadOnly"))
    child.expect_exact("ssoenv: profile 'dev' in ~/.aws/config is another role")
    child.expect_exact("now: account 111111111111, role Read\\x1b[2JOnly, sso-session corp")
    child.expect_exact("new: account 222222222222, role ReadOnly, sso-session corp")
    child.expect_exact("replace profile 'dev'? [y/N]: ")
    child.sendline("")  # the default is no
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2, child.before
    assert "profile 'dev' was left as it was; nothing was changed" in child.before
    assert "\x1b[2J" not in child.before
    assert config.read_text() == hostile
    assert not config.with_name("config.ssoenv-backup").exists()


def test_at_a_terminal_yes_replaces_it(config: Path) -> None:
    config.write_text(DEV)
    child = spawn_configure(*flags_for("111111111111", "Admin"))
    child.expect_exact("now: account 111111111111, role ReadOnly, sso-session corp")
    child.expect_exact("new: account 111111111111, role Admin, sso-session corp")
    child.expect_exact("replace profile 'dev'? [y/N]: ")
    child.sendline("y")
    child.expect_exact("replaced profile 'dev', which was account 111111111111, role ReadOnly")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert sections(config)["profile dev"]["sso_role_name"] == "Admin"
    assert config.with_name("config.ssoenv-backup").read_text() == DEV


def test_the_check_is_made_again_under_the_lock(tmp_path: Path) -> None:
    # The file may change during the questions and the login: what was agreed (here:
    # nothing) is checked against the file as it is when written.
    from ssoenv.commands.configure import profile_values, write
    from ssoenv.errors import ConfigError
    from ssoenv.model import SsoSession

    path = tmp_path / "config"
    path.write_text(DEV)
    session = SsoSession("corp", START_URL, "us-east-1", ("sso:account:access",), source="test")
    values, removed = profile_values(session, "222222222222", "ReadOnly", None, None)
    with pytest.raises(ConfigError, match="changed while ssoenv was asking"):
        write(path, tmp_path / "lock", session, ("dev", values, removed))
    assert path.read_text() == DEV


# --- the wizard accepts what it shows (issue 17, item 6) -------------------------------


def answer_session_questions(child: pexpect.spawn) -> None:
    """The four session questions of ODD_CONFIG's [sso-session corp], all defaults."""
    for question in ("SSO session name [corp]", f"SSO start URL [{START_URL}]", "SSO region"):
        child.expect_exact(question)
        child.sendline("")
    child.expect_exact("SSO registration scopes [sso:account:access]: ")
    child.sendline("")


def finish_profile_questions(child: pexpect.spawn, profile_default: str) -> None:
    child.expect_exact("Default region [us-east-1]: ")
    child.sendline("")
    child.expect_exact("Default output format [none]: ")
    child.sendline("")
    child.expect_exact(f"Profile name [{profile_default}]: ")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()


def test_menus_accept_the_account_name_and_names_in_any_case(config: Path) -> None:
    config.write_text(ODD_CONFIG)
    child = spawn_configure("--no-browser")
    answer_session_questions(child)
    child.expect_exact("2) 222222222222  prod")
    child.expect_exact("Which account? (number or account): ")
    child.sendline("DEV")  # the account name as shown, in another case
    child.expect_exact("2) ReadOnly")  # dev's roles, sorted: Admin, ReadOnly
    child.expect_exact("Which role? (number or role): ")
    child.sendline("readonly")
    finish_profile_questions(child, "dev.ReadOnly")  # populate's name for this role
    assert child.exitstatus == 0, child.before
    assert sections(config)["profile dev.ReadOnly"]["sso_role_name"] == "ReadOnly"


def test_menus_accept_the_account_id(config: Path) -> None:
    config.write_text(ODD_CONFIG)
    child = spawn_configure("--no-browser")
    answer_session_questions(child)
    child.expect_exact("Which account? (number or account): ")
    child.sendline("222222222222")
    child.expect_exact("using the only role: ReadOnly")
    finish_profile_questions(child, "prod.ReadOnly")
    assert child.exitstatus == 0, child.before
    assert sections(config)["profile prod.ReadOnly"]["sso_account_id"] == "222222222222"


def test_a_long_menu_is_filtered_by_typing(config: Path, emulator: Emulator) -> None:
    # 30 accounts: more than a screen. Text that is no entry narrows the menu.
    emulator.accounts = make_org(30, 2)
    # A hostile name among them: shown escaped in the filtered menu too, never obeyed.
    emulator.accounts[20] = Account("000000000021", "acct-0021\x1b[2J", "x@example.com", ["Admin"])
    config.write_text(ODD_CONFIG)
    child = spawn_configure("--no-browser")
    seen = io.StringIO()
    child.logfile_read = seen
    answer_session_questions(child)
    child.expect_exact("30) 000000000030  acct-0030")
    child.expect_exact("Which account? (number or account, or text to filter): ")
    child.sendline("ACCT-002")  # part of ten names, in another case
    child.expect_exact("ssoenv: 10 account(s) match 'ACCT-002': answer with its number")
    child.expect_exact("20) 000000000020  acct-0020")  # numbers as in the whole menu
    child.expect_exact("21) 000000000021  acct-0021\\x1b[2J")
    child.expect_exact("29) 000000000029  acct-0029")
    child.expect_exact("Which account? (number or account, or text to filter): ")
    child.sendline("nothing-like-it")
    child.expect_exact("answer a number from 1 to 30, or the account itself, or part of its name")
    child.sendline("t-0017")  # one left: Enter takes it
    child.expect_exact("ssoenv: 1 account(s) match 't-0017': press Enter for it")
    child.expect_exact("17) 000000000017  acct-0017")
    child.expect_exact("Which account? (number or account, or text to filter) [000000000017]: ")
    child.sendline("")
    child.expect_exact("Which role? (number or role): ")
    child.sendline("admin")
    finish_profile_questions(child, "acct-0017.Admin")
    assert child.exitstatus == 0, child.before
    assert sections(config)["profile acct-0017.Admin"]["sso_account_id"] == "000000000017"
    assert "\x1b[2J" not in seen.getvalue()


def test_menu_answers_are_matched_in_a_fixed_order() -> None:
    from ssoenv.prompter import pick

    options = [
        ("111111111111", "111111111111  2", "2"),  # an account *named* 2
        ("222222222222", "222222222222  Dev", "Dev"),
        ("333333333333", "333333333333  dev", "dev"),
        ("444444444444", "444444444444  prod", "prod"),
    ]
    assert pick(options, "2", filter_text=True) == (1, [])  # the number shown wins
    assert pick(options, "dev", filter_text=True) == (2, [])  # the exact name
    assert pick(options, "DEV", filter_text=True) == (None, [1, 2])  # ambiguous: both shown
    assert pick(options, "PROD", filter_text=False) == (3, [])
    assert pick(options, "rod", filter_text=False) == (None, [])  # a short menu: no filter
    assert pick(options, "rod", filter_text=True) == (None, [3])
    assert pick(options, "\N{SUPERSCRIPT TWO}", filter_text=False) == (None, [])  # not "2"
    assert pick(options, "5", filter_text=True) == (None, [])


def test_the_default_profile_name_is_the_one_populate_gives(config: Path) -> None:
    config.write_text(ODD_CONFIG)
    result = run("configure", *ALL_FLAGS)  # no --profile
    assert result.returncode == 0, result.stderr
    assert "profile 'dev.ReadOnly' is ready: `ssoenv use dev.ReadOnly`" in result.stderr
    # populate sees that role already served by this profile, under its own name.
    listed = run("populate", "--sso-session", "corp", "--dry-run", "--no-browser")
    assert listed.returncode == 0, listed.stderr
    assert "1 pair(s) already served by hand-written profiles" in listed.stderr
    assert "[profile dev.ReadOnly]" not in listed.stdout
    assert "[profile dev.Admin]" in listed.stdout


def test_an_account_without_a_name_is_named_by_its_id(config: Path, emulator: Emulator) -> None:
    emulator.accounts = [Account("333333333333", "", "solo@example.com", ["Dev"])]
    result = run("configure", *ALL_FLAGS[:6], "--no-browser")
    assert result.returncode == 0, result.stderr
    assert "profile '333333333333.Dev' is ready" in result.stderr


def test_an_empty_session_name_is_explained(config: Path) -> None:
    # No [sso-session] in the file: no default to offer, so an empty answer says why.
    child = spawn_configure("sso-session")
    child.expect_exact("SSO session name: ")
    child.sendline("")
    child.expect_exact("ssoenv: give the [sso-session] section a name (e.g. corp)")
    child.expect_exact("SSO session name: ")
    child.sendline("corp")
    child.expect_exact("SSO start URL: ")
    child.sendline(START_URL)
    child.expect_exact("SSO region: ")
    child.sendline("us-east1")  # botocore's name rule takes it; no region is called that
    child.expect_exact("ssoenv: SSO region 'us-east1' is not an AWS region like us-east-1")
    child.expect_exact("SSO region: ")
    child.sendline("eu-central-1")
    child.expect_exact("SSO registration scopes [sso:account:access]: ")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert sections(config)["sso-session corp"]["sso_region"] == "eu-central-1"


@pytest.mark.parametrize("region", ["us-east1", "useast1", "US-EAST-1", "local"])
def test_an_sso_region_no_partition_knows_is_refused_before_writing(
    config: Path, emulator: Emulator, region: str
) -> None:
    config.write_text(ODD_CONFIG)
    flags = ("--sso-session", "other", "--start-url", START_URL, "--sso-region", region)
    result = run("configure", "sso-session", *flags)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"ssoenv: SSO region '{region}' is not an AWS region like us-east-1; use the region"
        " of your IAM Identity Center instance (in its settings page)"
    ]
    assert config.read_text() == ODD_CONFIG
    full = run("configure", *[region if f == "us-east-1" else f for f in ALL_FLAGS])
    assert full.returncode == 2, full.stderr
    assert emulator.calls["StartDeviceAuthorization"] == 0  # refused before any login
    assert config.read_text() == ODD_CONFIG


@pytest.mark.parametrize("region", ["cn-north-1", "us-gov-west-1", "eusc-de-east-1"])
def test_sso_regions_of_other_partitions_are_accepted(config: Path, region: str) -> None:
    flags = ("--sso-session", "corp", "--start-url", START_URL, "--sso-region", region)
    result = run("configure", "sso-session", *flags)
    assert result.returncode == 0, result.stderr
    assert sections(config)["sso-session corp"]["sso_region"] == region
