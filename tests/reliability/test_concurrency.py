"""Many shells at once. 32 `ssoenv use dev` started together while the token is in
its refresh window make exactly one refresh and one credential fetch between
them (the emulator rotates refresh tokens strictly, so a second refresh with
the same token would fail), all get the same credentials, every cache file
stays valid JSON and botocore still reads the session. 32 mixed `logout`s and
`use`s never crash and never leave a half-written file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ssoenv.cache import parse_timestamp
from tests.emulator import Emulator
from tests.helpers import SSOENV, eval_in_bash
from tests.reliability.conftest import age_token, credentials_dir, token_file
from tests.test_interop import botocore_credentials

PROCESSES = 32


def start_all(commands: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Start every command before waiting on any: they really run at once."""
    started = [
        subprocess.Popen(
            [SSOENV, *command],
            stdin=subprocess.DEVNULL,  # no terminal: they never log in
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for command in commands
    ]
    results = []
    for process in started:
        stdout, stderr = process.communicate(timeout=120)
        results.append(
            subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        )
    return results


def cache_files(home: Path) -> list[Path]:
    places = [home / ".aws" / "sso" / "cache", credentials_dir(home)]
    return sorted(p for place in places if place.is_dir() for p in place.iterdir())


def assert_every_cache_file_is_whole(home: Path) -> None:
    for path in cache_files(home):
        assert not path.name.endswith(".tmp"), f"temp file left behind: {path}"
        assert isinstance(json.loads(path.read_bytes()), dict), path
        assert path.stat().st_mode & 0o777 == 0o600, path


def exported(stdout: str) -> tuple[str, str, str]:
    lines = eval_in_bash(
        stdout, 'printf "%s\\n" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN"'
    ).splitlines()
    return lines[0], lines[1], lines[2]


@pytest.mark.slow
@pytest.mark.parametrize("profiles", [["dev"], ["dev", "prod", "admin"]], ids=["dev", "3-profiles"])
def test_32_shells_in_the_refresh_window_refresh_once_and_fetch_once(
    logged_in: Emulator, isolated_env: Path, profiles: list[str]
) -> None:
    before = age_token(isolated_env)
    shutil.rmtree(credentials_dir(isolated_env), ignore_errors=True)
    logged_in.reset_counts()
    chosen = [profiles[n % len(profiles)] for n in range(PROCESSES)]

    results = start_all([["use", profile, "--shell", "bash"] for profile in chosen])

    for result in results:
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    refreshes = logged_in.calls["CreateToken:refresh_token"]
    fetches = logged_in.calls["GetRoleCredentials"]
    print(f"\n{PROCESSES} processes: {refreshes} refresh, {fetches} GetRoleCredentials")
    assert refreshes == 1
    assert fetches == len(profiles)  # one per profile
    assert logged_in.calls["StartDeviceAuthorization"] == 0
    for profile in profiles:
        same = {exported(r.stdout) for r, p in zip(results, chosen, strict=True) if p == profile}
        assert len(same) == 1

    assert_every_cache_file_is_whole(isolated_env)
    after = json.loads(token_file(isolated_env).read_text())
    assert after["refreshToken"] != before["refreshToken"]  # the rotated one was kept
    expires = parse_timestamp(after["expiresAt"])
    assert expires is not None and (expires - datetime.now(timezone.utc)).total_seconds() > 3000
    # botocore reads the session the 32 left behind, without refreshing it again.
    assert botocore_credentials("dev")["method"] == "sso"
    assert logged_in.calls["CreateToken:refresh_token"] == 1


@pytest.mark.slow
def test_32_mixed_logouts_and_uses_never_crash_or_tear_a_file(
    logged_in: Emulator, isolated_env: Path
) -> None:
    age_token(isolated_env)  # the uses refresh while the logouts remove
    profiles = ["dev", "prod", "admin"]
    # The logouts start first: most uses then meet a session that is going away.
    commands = [["logout", "--shell", "bash"]] * (PROCESSES // 4) + [
        ["use", profiles[n % 3], "--shell", "bash"] for n in range(PROCESSES - PROCESSES // 4)
    ]

    results = start_all(commands)

    outcomes: dict[int, int] = {}
    for command, result in zip(commands, results, strict=True):
        assert "Traceback" not in result.stderr, result.stderr
        outcomes[result.returncode] = outcomes.get(result.returncode, 0) + 1
        if command[0] == "logout":
            assert result.returncode == 0, result.stderr
            # ssoenv's own state is always cleared (the credentials only when this
            # shell's are ssoenv's: tests/test_logout_foreign_keys.py).
            assert "unset SSOENV_PROFILE" in result.stdout
        elif result.returncode == 0:
            assert exported(result.stdout)[0].startswith("ASIA")
        else:
            # Logged out under its feet: one line naming the login, nothing to eval.
            assert result.returncode == 4, result.stderr
            assert result.stdout == ""
            assert result.stderr.splitlines()[-1].endswith(f"run `ssoenv login {command[1]}`")
    print(f"\n{PROCESSES} processes: exit codes {outcomes}")
    assert_every_cache_file_is_whole(isolated_env)
    # Once a logout has removed the token, nothing non-interactive brings it back.
    assert not token_file(isolated_env).exists()


def test_a_process_stuck_holding_the_lock_costs_one_line_not_a_traceback(
    logged_in: Emulator, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another ssoenv holding the session's lock (say, stuck on a slow network)
    makes a waiter give up after LOCK_WAIT seconds with a clear error."""
    from ssoenv import engine, files
    from ssoenv.errors import NetworkError
    from ssoenv.model import Endpoints, SsoSession
    from ssoenv.settings import Settings
    from tests.conftest import FakeClock

    clock = FakeClock()
    ctx = engine.Context(
        settings=Settings.from_environ(os.environ),
        now=clock.now,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    )
    corp = SsoSession("corp", "https://d-1234567890.awsapps.com/start", "us-east-1", None, "t")
    endpoints = Endpoints(logged_in.url, logged_in.url)
    monkeypatch.setattr(engine, "LOCK_WAIT", 0.2)
    stuck = files.locked(ctx.lock_path(ctx.tokens.path(corp).name))  # the other process
    with stuck, pytest.raises(NetworkError, match=r"busy with the session corp for 0\.2 s"):
        engine.usable_token(ctx, corp, endpoints)
    assert engine.usable_token(ctx, corp, endpoints) is not None  # free again
