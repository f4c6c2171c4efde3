"""Through the `ssoenv` shell function in real bash, zsh and fish: `ssoenv
logout` unsets only what ssoenv set. A user's own keys stay (named in one line,
never with their values); ssoenv's own credentials and state go as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shell.conftest import run_script, steps

pytestmark = pytest.mark.shell

KEY = "AKIAMINE0000000000"
SECRET = "my-own-secret"
EXPORT = {
    "bash": f"export AWS_ACCESS_KEY_ID={KEY} AWS_SECRET_ACCESS_KEY={SECRET}",
    "zsh": f"export AWS_ACCESS_KEY_ID={KEY} AWS_SECRET_ACCESS_KEY={SECRET}",
    "fish": f"set -gx AWS_ACCESS_KEY_ID {KEY}; set -gx AWS_SECRET_ACCESS_KEY {SECRET}",
}
EXPORT_KEY_ID = {
    "bash": f"export AWS_ACCESS_KEY_ID={KEY}",
    "zsh": f"export AWS_ACCESS_KEY_ID={KEY}",
    "fish": f"set -gx AWS_ACCESS_KEY_ID {KEY}",
}
CREDENTIALS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
)


def ssoenv_state(env: dict[str, str]) -> list[str]:
    """ssoenv's variables still set (the marker's path outlives a logout by design)."""
    return [k for k in env if k.startswith(("SSOENV_", "__SSOENV_")) and k != "__SSOENV_MARKER"]


def left_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("ssoenv: left ")]


def test_logout_leaves_static_keys_the_user_exported(
    shell: str, logged_in: dict[str, str], init_scripts: dict[str, Path]
) -> None:
    script = f"{EXPORT[shell]}\nssoenv logout\nstep\n"
    result = run_script(shell, script, logged_in, init=init_scripts[shell])
    assert result.returncode == 0, result.stderr
    (after,) = steps(result.stdout)
    assert after["AWS_ACCESS_KEY_ID"] == KEY
    assert after["AWS_SECRET_ACCESS_KEY"] == SECRET
    assert left_lines(result.stderr) == [
        "ssoenv: left AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY as they are: ssoenv did not set them"
    ]
    assert KEY not in result.stderr and SECRET not in result.stderr
    assert "logged out of " in result.stderr  # the session itself did end


def test_logout_after_use_clears_as_before(
    shell: str, logged_in: dict[str, str], init_scripts: dict[str, Path]
) -> None:
    script = "ssoenv use dev\nstep\nssoenv logout\nstep\n"
    result = run_script(shell, script, logged_in, init=init_scripts[shell])
    assert result.returncode == 0, result.stderr
    used, after = steps(result.stdout)
    assert used["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert [k for k in CREDENTIALS if k in after] == []
    assert ssoenv_state(after) == []
    assert "AWS_REGION" not in after
    assert left_lines(result.stderr) == []


def test_logout_leaves_a_key_id_the_user_exported_after_use(
    shell: str, logged_in: dict[str, str], init_scripts: dict[str, Path]
) -> None:
    script = f"ssoenv use dev\nstep\n{EXPORT_KEY_ID[shell]}\nssoenv logout\nstep\n"
    result = run_script(shell, script, logged_in, init=init_scripts[shell])
    assert result.returncode == 0, result.stderr
    used, after = steps(result.stdout)
    assert after["AWS_ACCESS_KEY_ID"] == KEY
    # Decided for the set: the rest may belong to the user's key, so it stays too.
    for name in CREDENTIALS[1:]:
        assert after[name] == used[name], name
    assert ssoenv_state(after) == []
    assert "AWS_REGION" not in after  # ssoenv's region still goes
    assert left_lines(result.stderr) == [
        "ssoenv: left AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, "
        "AWS_CREDENTIAL_EXPIRATION as they are: AWS_ACCESS_KEY_ID is no longer the key ssoenv set"
    ]
    assert KEY not in result.stderr
