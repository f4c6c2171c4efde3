"""`logout` (and the prompt hook's clearing after a logout elsewhere) unsets
only what ssoenv set: a user's own keys (static keys, another tool's export)
stay, named in one line on stderr, never with their values (issue 17)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ssoenv import emit
from ssoenv.model import RoleCredentials
from ssoenv.settings import Settings, ShellState
from ssoenv.shells import SetVar, UnsetVar
from tests.emulator import Emulator
from tests.helpers import eval_in_bash, run

# The user's own static keys; values a terminal must never see.
MINE = {
    "AWS_ACCESS_KEY_ID": "AKIAMINE0000000000",
    "AWS_SECRET_ACCESS_KEY": "my-own-secret\x1b]0;owned\x07",
}
NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)


def env_after(code: str) -> dict[str, str]:
    lines = eval_in_bash(code).splitlines()
    return dict(line.split("=", 1) for line in lines)


def exported(env: dict[str, str]) -> str:
    return "".join(f"export {k}='{v}'\n" for k, v in env.items())


def shell(env: dict[str, str]) -> ShellState:
    """What a shell holding `env` tells ssoenv."""
    return Settings.from_environ(env).shell_state


def unset_names(change: emit.Change) -> set[str]:
    return {op.name for op in change.ops if isinstance(op, UnsetVar)}


def role(key_id: str = "ASIAFROMSSOENV00001") -> RoleCredentials:
    return RoleCredentials(
        access_key_id=key_id,
        secret_access_key="sso-secret",
        session_token="sso-token",
        expiration=NOW + timedelta(hours=1),
    )


def used_environ(key_id: str = "ASIAFROMSSOENV00001") -> dict[str, str]:
    """The environment after `emit.use` (what a shell holds after `ssoenv use dev`)."""
    change = emit.use(
        "dev",
        "eu-west-1",
        role(key_id),
        NOW + timedelta(hours=8),
        settings=Settings.from_environ({}),
        now=NOW,
        refresh_window=timedelta(minutes=10),
    )
    return {op.name: op.value for op in change.ops if isinstance(op, SetVar)}


# --- the rule, on emit ---------------------------------------------------------


def test_use_records_the_key_id_it_exported() -> None:
    env = used_environ()
    assert env[emit.KEY_ID_VARIABLE] == env["AWS_ACCESS_KEY_ID"] == "ASIAFROMSSOENV00001"


def test_clear_after_use_unsets_the_credentials_and_says_nothing() -> None:
    change = emit.clear(shell(used_environ()))
    assert set(emit.CREDENTIAL_VARIABLES) <= unset_names(change)
    assert {"AWS_REGION", "AWS_DEFAULT_REGION", emit.KEY_ID_VARIABLE} <= unset_names(change)
    assert change.notes == []


def test_clear_where_use_never_ran_leaves_static_keys_and_names_them() -> None:
    change = emit.clear(shell({**MINE, "AWS_REGION": "us-east-2"}))
    assert unset_names(change).isdisjoint({*MINE, "AWS_REGION"})
    assert set(emit.STATE_VARIABLES) <= unset_names(change)  # ssoenv's own state: always
    assert change.notes == [
        "left AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY as they are: ssoenv did not set them"
    ]


def test_a_key_id_replaced_after_use_keeps_the_whole_credential_set() -> None:
    env = {**used_environ(), "AWS_ACCESS_KEY_ID": "AKIAMINE0000000000"}
    change = emit.clear(shell(env))
    assert unset_names(change).isdisjoint(emit.CREDENTIAL_VARIABLES)
    assert {"SSOENV_PROFILE", "__SSOENV_REFRESH_AT", emit.KEY_ID_VARIABLE} <= unset_names(change)
    assert change.notes == [
        "left AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, "
        "AWS_CREDENTIAL_EXPIRATION as they are: AWS_ACCESS_KEY_ID is no longer the key ssoenv set"
    ]


def test_an_unset_key_id_does_not_keep_ssoenvs_secret_alive() -> None:
    env = used_environ()
    del env["AWS_ACCESS_KEY_ID"]
    change = emit.clear(shell(env))
    assert set(emit.CREDENTIAL_VARIABLES) <= unset_names(change)
    assert change.notes == []


def test_an_empty_record_claims_nothing() -> None:
    change = emit.clear(shell({**MINE, emit.KEY_ID_VARIABLE: ""}))
    assert unset_names(change).isdisjoint(MINE)


# --- the program ----------------------------------------------------------------


@pytest.fixture
def logged_in(aws_env: Path, emulator: Emulator) -> Emulator:
    result = run("login", "dev", "--no-browser")
    assert result.returncode == 0, result.stderr
    return emulator


def test_logout_in_a_shell_where_use_never_ran_leaves_static_keys(logged_in: Emulator) -> None:
    result = run("logout", "--shell", "bash", env=MINE)
    assert result.returncode == 0, result.stderr
    after = env_after(exported(MINE) + result.stdout)
    assert {k: after.get(k) for k in MINE} == MINE
    said = [line for line in result.stderr.splitlines() if "left " in line]
    assert said == [
        "ssoenv: left AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY as they are: ssoenv did not set them"
    ]
    assert "my-own-secret" not in result.stderr and "AKIAMINE" not in result.stderr
    assert logged_in.calls["Logout"] == 1  # the session still ended


def test_logout_after_use_then_the_users_own_key_leaves_it(logged_in: Emulator) -> None:
    used = env_after(run("use", "dev", "--shell", "bash").stdout)
    assert used["SSOENV_PROFILE"] == "dev"
    shell = {**used, "AWS_ACCESS_KEY_ID": "AKIAMINE0000000000"}
    result = run("logout", "--shell", "bash", env=shell)
    assert result.returncode == 0, result.stderr
    after = env_after(exported(shell) + result.stdout)
    assert after["AWS_ACCESS_KEY_ID"] == "AKIAMINE0000000000"
    assert [k for k in after if k.startswith(("SSOENV_", "__SSOENV_"))] == []
    assert "AWS_REGION" not in after  # ssoenv's region goes, as before
    assert "is no longer the key ssoenv set" in result.stderr
    assert "AKIAMINE" not in result.stderr


def test_logout_after_use_still_clears_the_credentials(logged_in: Emulator) -> None:
    used = env_after(run("use", "dev", "--shell", "bash").stdout)
    result = run("logout", "--shell", "bash", env=used)
    assert result.returncode == 0, result.stderr
    after = env_after(exported(used) + result.stdout)
    assert [k for k in after if k in emit.CREDENTIAL_VARIABLES] == []
    assert "left " not in result.stderr


@pytest.mark.parametrize(
    ("elsewhere", "said"),
    [
        # Another terminal logged out: the hook clears ssoenv's state.
        ("logout", "was logged out"),
        # A plain refresh (or another terminal's): it stops managing the shell.
        (None, "stopped refreshing 'dev'"),
    ],
)
def test_the_hook_never_puts_ssoenvs_keys_over_the_users_own(
    logged_in: Emulator, elsewhere: str | None, said: str
) -> None:
    """After `use`, the user exports a key id of their own: whatever the prompt
    hook does next, it leaves that key and says why."""
    used = env_after(run("use", "dev", "--shell", "bash").stdout)
    if elsewhere:
        assert run(elsewhere).returncode == 0  # no --shell: this shell is untouched
    shell = {**used, "AWS_ACCESS_KEY_ID": "AKIAMINE0000000000"}
    result = run("hook-env", "--shell", "bash", env=shell)
    assert result.returncode == 0, result.stderr
    after = env_after(exported(shell) + result.stdout)
    assert after["AWS_ACCESS_KEY_ID"] == "AKIAMINE0000000000"
    assert "SSOENV_PROFILE" not in after
    assert said in result.stderr
    assert "is no longer the key ssoenv set" in result.stderr
