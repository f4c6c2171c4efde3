"""Nothing from outside reaches the terminal raw. Account and role names from the
portal, error codes from the server, profile names, role names and regions from
the config file, and values in the environment carry ESC sequences (set the
window title, clear the screen), a C1 CSI, DEL, a right-to-left override and a
zero-width space; every human-facing output they reach (the `accounts`, `list`
and `status` tables, one-line errors, `ssoenv:` lines, the wizard's prompts and
menus in a real pseudo-terminal, --debug tracebacks) shows them as visible
escapes (`\\x1b`), and no character a terminal would obey or that hides text
is written."""

from __future__ import annotations

import io
import os
import re
import subprocess
import time
from pathlib import Path

import pexpect
import pytest
from botocore.configloader import load_config as botocore_load_config

from tests.emulator import Account, Emulator
from tests.helpers import SSOENV
from tests.reliability.conftest import ssoenv_in_process

TITLE = "\x1b]0;pwned\x07"  # OSC 0: sets the window title
CLEAR = "\x1b[2J"  # CSI 2 J: clears the screen
C1 = "\x9b2J"  # the same with the one-character C1 CSI
HIDDEN = "\u202e\u200b\x7f"  # right-to-left override, zero-width space, DEL
EVIL = f"{TITLE}{CLEAR}{C1}{HIDDEN}"
SHOWN = "\\x1b]0;pwned\\x07\\x1b[2J\\x9b2J\\u202e\\u200b\\x7f"  # how EVIL is shown

START_URL = "https://d-1234567890.awsapps.com/start"
PROFILE = f"evil {EVIL} prod"  # a quoted [profile "…"] header, as botocore reads it


def run_raw(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`ssoenv ARGS` as a shell runs it, its output decoded exactly (no newline
    translation), so every character it wrote can be looked at."""
    proc = subprocess.run(
        [SSOENV, *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode()
    )


def assert_inert(*texts: str) -> None:
    """Nothing but printable characters and line ends: no control character, no
    C1, no format character a terminal would obey or that would hide text."""
    for text in texts:
        obeyed = sorted({ch for ch in text if ch != "\n" and not ch.isprintable()})
        assert not obeyed, (obeyed, text)


@pytest.fixture
def hostile_config(aws_env: Path) -> Path:
    """A profile whose name, role name and region hold EVIL, read by botocore as such."""
    aws_env.write_text(
        aws_env.read_text() + f'\n[profile "{PROFILE}"]\nsso_session = corp\n'
        f"sso_account_id = 111111111111\nsso_role_name = Role{EVIL}\nregion = eu{EVIL}\n"
    )
    profile = botocore_load_config(str(aws_env))["profiles"][PROFILE]
    assert (profile["sso_role_name"], profile["region"]) == (f"Role{EVIL}", f"eu{EVIL}")
    return aws_env


# --------------------------------------------------------------------------- the function


def test_printable_shows_every_obeyed_or_hidden_character_as_an_escape() -> None:
    from ssoenv.text import printable

    assert printable(EVIL) == SHOWN
    assert printable("tab\there\nnew\rline") == "tab\\there\\nnew\\rline"
    assert printable("\ud800 \U000e0001 \u2028 \xa0") == "\\ud800 \\U000e0001 \\u2028 \\xa0"
    plain = "dév 日本 a\\x1b b ~`'\"$(x)"  # letters of any script, backslashes: as they are
    assert printable(plain) is plain
    assert printable(printable(EVIL)) == SHOWN  # escaping twice changes nothing more
    assert_inert(printable("".join(map(chr, range(0x3000)))))


# --------------------------------------------------------------------------- tables


def test_the_accounts_table_escapes_names_from_the_portal(
    aws_env: Path, emulator: Emulator
) -> None:
    emulator.accounts = [
        Account("111111111111", f"dev{EVIL}", "dev@example.com", [f"Role{EVIL}", "Admin"]),
        Account("222222222222", "prod", "prod@example.com", ["ReadOnly"]),
    ]
    assert ssoenv_in_process("login", "dev", "--no-browser").returncode == 0
    result = run_raw("accounts")
    assert result.returncode == 0, result.stderr
    assert_inert(result.stdout, result.stderr)
    lines = result.stdout.splitlines()
    assert f"111111111111  dev{SHOWN}  Role{SHOWN}" in lines
    # Widths are measured on what is shown: the ROLE column starts at one offset.
    role_column = lines[0].index("ROLE")
    assert [line[role_column:] for line in lines[1:]] == [
        "Admin",
        f"Role{SHOWN}",
        "ReadOnly",
    ]


def test_the_list_table_escapes_names_and_values_from_the_config(hostile_config: Path) -> None:
    result = run_raw("list")
    assert result.returncode == 0, result.stderr
    assert_inert(result.stdout, result.stderr)
    (line,) = [line for line in result.stdout.splitlines() if "pwned" in line]
    cells = re.split(" {2,}", line)
    assert cells[1:6] == [
        f"evil {SHOWN} prod",
        "corp",
        "111111111111",
        f"Role{SHOWN}",
        f"eu{SHOWN}",
    ]
    header = result.stdout.splitlines()[0]
    assert line.index("corp") == header.index("SSO SESSION")


def test_status_escapes_what_the_environment_says(aws_env: Path) -> None:
    env = {
        "SSOENV_PROFILE": PROFILE,
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_REGION": f"eu{EVIL}",
    }
    valid = run_raw("status", env={**env, "SSOENV_EXPIRES": str(int(time.time()) + 3600)})
    assert valid.returncode == 0, valid.stderr
    assert_inert(valid.stdout, valid.stderr)
    assert f"profile:      evil {SHOWN} prod" in valid.stdout.splitlines()
    assert f"region:       eu{SHOWN}" in valid.stdout.splitlines()
    expired = run_raw("status", env={**env, "SSOENV_EXPIRES": str(int(time.time()) - 60)})
    assert expired.returncode == 4
    assert_inert(expired.stdout, expired.stderr)
    assert f"the credentials of 'evil {SHOWN} prod' expired at" in expired.stderr


# --------------------------------------------------------------------------- one-line errors


def test_an_error_quoting_the_config_is_one_escaped_line(
    logged_in: Emulator, hostile_config: Path
) -> None:
    result = run_raw("use", PROFILE, "--shell", "bash")
    assert result.returncode == 6, result.stderr
    assert result.stdout == ""
    assert_inert(result.stderr)
    assert result.stderr.startswith(f"ssoenv: role 'Role{SHOWN}' in account 111111111111 ")
    assert result.stderr.count("\n") == 1


def test_an_error_code_from_the_server_is_one_escaped_line(logged_in: Emulator) -> None:
    # A failing portal: the error code (header and __type) is shown after the retries.
    # An HTTP header is Latin-1: the code holds everything but the bidi and zero-width.
    code = f"Boom{TITLE}{CLEAR}{C1}\x7f"
    logged_in.inject("GetRoleCredentials", 503, code, message=f"down {EVIL}", times=3)
    result = run_raw("use", "dev", "--shell", "bash")
    assert result.returncode == 7, result.stderr
    assert result.stdout == ""
    assert_inert(result.stderr)
    assert "(Boom\\x1b]0;pwned\\x07\\x1b[2J\\x9b2J\\x7f, still after 3 tries)" in result.stderr
    assert f"still after 3 tries): down {SHOWN}" in result.stderr  # the message, escaped too
    assert result.stderr.count("\n") == 1


def test_a_debug_traceback_escapes_the_message(logged_in: Emulator, hostile_config: Path) -> None:
    result = run_raw("--debug", "use", PROFILE, "--shell", "bash")
    assert result.returncode == 1  # as for any uncaught exception
    assert result.stdout == ""
    assert "Traceback" in result.stderr
    assert_inert(result.stderr)
    assert f"AccessDenied: role 'Role{SHOWN}' in account 111111111111" in result.stderr


def test_lines_about_a_login_escape_the_start_url(aws_env: Path, emulator: Emulator) -> None:
    aws_env.write_text(aws_env.read_text().replace(START_URL, START_URL + EVIL))
    result = run_raw("login", "dev", "--no-browser")
    assert result.returncode == 0, result.stderr
    assert_inert(result.stdout, result.stderr)
    assert f"ssoenv: log in to {START_URL}{SHOWN}; the page must show the code " in result.stderr


# --------------------------------------------------------------------------- the wizard


def test_the_wizard_escapes_defaults_and_menus_in_a_terminal(
    aws_env: Path, emulator: Emulator
) -> None:
    emulator.accounts = [
        Account("111111111111", f"dev{EVIL}", "dev@example.com", [f"Role{EVIL}", "Admin"]),
        Account("222222222222", "prod", "prod@example.com", ["ReadOnly"]),
    ]
    # The file's session suggests a hostile start URL as the default answer.
    aws_env.write_text(aws_env.read_text().replace(START_URL, START_URL + EVIL))
    child = pexpect.spawn(
        SSOENV, ["configure", "--no-browser"], env=dict(os.environ), encoding="utf-8", timeout=15
    )
    terminal_log = io.StringIO()  # every character the terminal received
    child.logfile_read = terminal_log
    child.expect_exact("SSO session name [corp]: ")
    child.sendline("")
    child.expect_exact(f"SSO start URL [{START_URL}{SHOWN}]: ")
    child.sendline(START_URL)
    child.expect_exact("SSO region [us-east-1]: ")
    child.sendline("")
    child.expect_exact("SSO registration scopes [sso:account:access]: ")
    child.sendline("")
    child.expect_exact(f"1) 111111111111  dev{SHOWN}")
    child.expect_exact("Which account? (number or account): ")
    child.sendline("1")
    child.expect_exact("1) Admin")
    child.expect_exact(f"2) Role{SHOWN}")
    child.expect_exact("Which role? (number or role): ")
    child.sendline("2")
    child.expect_exact("Default region [us-east-1]: ")
    child.sendline("")
    child.expect_exact("Default output format [none]: ")
    child.sendline("")
    # The default profile name is populate's, sanitised: nothing in it is left to escape.
    child.expect_exact("Profile name [dev-0-pwned-2J-2J.Role-0-pwned-2J-2J]: ")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    # The role name cannot be written to the config either: the refusal is escaped too.
    assert child.exitstatus == 2
    shown = terminal_log.getvalue()
    assert_inert(shown.replace("\r", ""))
    assert shown.splitlines()[-1].startswith(f"ssoenv: sso_role_name value 'Role{SHOWN}' cannot")
