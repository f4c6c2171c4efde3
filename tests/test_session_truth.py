"""A session ended on the server is not "already logged in", and times tell the
truth (issue 17, items 1 and 5): a token the portal refused is remembered in
ssoenv's own state (the AWS CLI's file is left as it is), `login` then logs in,
`list`/`status` say so, `accounts`/`populate` offer the login at a terminal; a
refused refresh is no longer "refreshable"; `status` does not pass the client
registration's expiry off as the session's; `use` counts minutes as the badge."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pexpect
import pytest

from tests.emulator import Emulator
from tests.helpers import SSOENV, eval_in_bash, run


def token_file(home: Path) -> Path:
    name = hashlib.sha1(b"corp").hexdigest()
    return home / ".aws" / "sso" / "cache" / f"{name}.json"


def state(profile: str = "dev") -> dict[str, object]:
    result = run("list", "--json")
    assert result.returncode == 0, result.stderr
    row: dict[str, object] = next(r for r in json.loads(result.stdout) if r["profile"] == profile)
    return row


def end_session_on_server(emulator: Emulator) -> None:
    """What a revoked session, a portal sign-out or a restarted instance look like."""
    emulator.expire_access_tokens()
    emulator.revoke_refresh_tokens()


def test_after_the_portal_rejects_the_token_login_logs_in(
    aws_env: Path, emulator: Emulator, isolated_env: Path
) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    before = token_file(isolated_env).read_bytes()
    end_session_on_server(emulator)

    result = run("accounts")
    assert result.returncode == 4
    assert result.stderr.strip().splitlines() == [
        "ssoenv: the portal no longer accepts the SSO session of corp (ended on the server); "
        "run `ssoenv login --sso-session corp`"
    ]
    # The AWS CLI's file is not rewritten to carry the mark.
    assert token_file(isolated_env).read_bytes() == before
    row = state()
    assert row["state"] == "rejected"
    listed = run("list")
    assert "ended on the server" in listed.stdout and "login needed" in listed.stdout

    login = run("login", "dev", "--no-browser")
    assert login.returncode == 0, login.stderr
    assert "already logged in" not in login.stderr
    assert "logged in to" in login.stderr
    assert emulator.calls["StartDeviceAuthorization"] == 2
    assert state()["state"] == "logged-in"
    assert run("accounts").returncode == 0


def test_use_without_a_terminal_names_the_login(aws_env: Path, emulator: Emulator) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    end_session_on_server(emulator)
    result = run("use", "dev", "--shell", "bash")
    assert result.returncode == 4
    assert "run `ssoenv login dev`" in result.stderr
    assert state()["state"] == "rejected"
    # Known now: a second try does not ask the portal again.
    emulator.reset_counts()
    assert run("use", "admin", "--shell", "bash").returncode == 4
    assert emulator.calls["GetRoleCredentials"] == 0


def test_a_new_token_from_the_aws_cli_clears_the_mark(
    aws_env: Path, emulator: Emulator, isolated_env: Path
) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    end_session_on_server(emulator)
    assert run("accounts").returncode == 4
    assert state()["state"] == "rejected"
    # `aws sso login` writes a new token into the same file.
    path = token_file(isolated_env)
    data = json.loads(path.read_text())
    data["accessToken"] = "a-new-token-from-the-aws-cli"
    path.write_text(json.dumps(data))
    assert state()["state"] == "logged-in"


def test_a_rejected_access_token_is_refreshed_when_the_refresh_token_still_works(
    aws_env: Path, emulator: Emulator
) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    emulator.expire_access_tokens()  # the refresh token stays good
    result = run("accounts")
    assert result.returncode == 0, result.stderr
    assert emulator.calls["CreateToken:refresh_token"] == 1
    assert emulator.calls["StartDeviceAuthorization"] == 1  # no second login
    assert state()["state"] == "logged-in"


@pytest.mark.parametrize("command", [["accounts"], ["populate", "--dry-run"]])
def test_at_a_terminal_accounts_and_populate_offer_the_login(
    aws_env: Path, emulator: Emulator, command: list[str]
) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    end_session_on_server(emulator)
    child = pexpect.spawn(
        SSOENV, [*command, "--no-browser"], env=dict(os.environ), encoding="utf-8", timeout=60
    )
    try:
        child.expect_exact("the page must show the code")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    assert emulator.calls["StartDeviceAuthorization"] == 2
    assert state()["state"] == "logged-in"


def test_a_refused_refresh_is_not_refreshable(
    aws_env: Path, emulator: Emulator, isolated_env: Path
) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    path = token_file(isolated_env)
    data = json.loads(path.read_text())
    data["expiresAt"] = (datetime.now(timezone.utc) - timedelta(minutes=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    path.write_text(json.dumps(data))
    assert state()["state"] == "refreshable"
    emulator.revoke_refresh_tokens()
    assert run("use", "dev", "--shell", "bash").returncode == 4  # the refresh is refused
    row = state()
    assert row["state"] == "expired"
    assert row["refreshable"] is False
    assert row["refresh_failed_at"] is not None
    text = run("list").stdout
    assert "refreshable" not in text
    assert "refresh refused at" in text


def test_status_does_not_pass_the_registration_expiry_off_as_the_session(
    aws_env: Path, emulator: Emulator
) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    code = run("use", "dev", "--shell", "bash")
    assert code.returncode == 0, code.stderr
    env = dict(line.split("=", 1) for line in eval_in_bash(code.stdout).splitlines())
    registration = datetime.fromtimestamp(int(env["SSOENV_SESSION_EXPIRES"]), timezone.utc)
    assert registration - datetime.now(timezone.utc) > timedelta(days=30)  # the trap
    shown = run("status", env=env)
    assert shown.returncode == 0, shown.stderr
    lines = dict(line.split(":", 1) for line in shown.stdout.splitlines())
    assert f"{registration.astimezone():%Y-%m-%d}" not in shown.stdout
    assert lines["session"].strip().endswith(", refreshable")
    assert (
        lines["login needed"].strip() == "when the portal ends the session (not known in advance)"
    )
    found = json.loads(run("status", "--json", env=env).stdout)
    assert found["session_expires"] is None
    assert found["refreshable"] is True


@pytest.mark.shell  # the badge is drawn by a real bash
@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.9])
def test_use_counts_the_minutes_as_the_badge(
    aws_env: Path,
    emulator: Emulator,
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fraction: float,
) -> None:
    """`use` says "(1h00m)" where the badge, a second later by the same clock,
    says "dev 1h00m": both round the two moments down to the second first."""
    from ssoenv import runtime
    from ssoenv.main import main

    assert run("login", "dev", "--no-browser").returncode == 0
    assert run("use", "dev", "--shell", "bash").returncode == 0  # the credentials are cached
    cached = next((isolated_env / ".cache" / "ssoenv" / "credentials").glob("*.json"))
    expires = datetime.strptime(
        json.loads(cached.read_text())["Credentials"]["Expiration"], "%Y-%m-%dT%H:%M:%SZ"
    ).replace(tzinfo=timezone.utc)
    # One hour before the expiry, and a fraction of a second after that second began.
    now = expires - timedelta(hours=1) + timedelta(seconds=fraction)

    class Clock(datetime):
        @classmethod
        def now(cls, tz: object = None) -> Clock:
            return cls.fromtimestamp(now.timestamp(), timezone.utc)

    monkeypatch.setattr(runtime, "datetime", Clock)
    capsys.readouterr()
    assert main(["use", "dev", "--shell", "bash"]) == 0
    out, err = capsys.readouterr()
    assert "(1h00m)" in err, err

    init = run("init", "bash").stdout
    pinned = int(now.timestamp())  # the shell's clock has whole seconds only
    script = f'{init}\neval "$1"\n__ssoenv_now() {{ __ssoenv_t={pinned}; }}\nssoenv_prompt\n'
    badge = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script, "bash", out],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PATH": f"{Path(SSOENV).parent}:{os.environ['PATH']}"},
    )
    assert badge.stdout.strip().splitlines()[-1] == "dev 1h00m"
