"""`ssoenv_prompt`, the prompt badge: profile and minutes left, "!" when a
login is needed while the keys still work, "expired" after they expire."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.shell.conftest import lines_of, require, run_script

pytestmark = pytest.mark.shell

# Times are set 30 s past the minute: the script may take a few seconds.
M = 60


def cases(now: int) -> list[tuple[str | None, object, object, str]]:
    """(SSOENV_PROFILE, SSOENV_EXPIRES, SSOENV_SESSION_EXPIRES, expected badge)."""
    day = now + 86400
    return [
        ("dev", now + 42 * M + 30, day, "dev 42m"),
        ("dev", now + 59 * M + 30, day, "dev 59m"),
        ("dev", now + 65 * M + 30, day, "dev 1h05m"),
        ("prod", now + 12 * 60 * M + 30, day, "prod 12h00m"),
        ("dev", now + 30, day, "dev 0m"),
        ("dev", now + 42 * M + 30, now - 5, "dev 42m!"),  # keys fine, log in again
        ("dev", now - 5, day, "dev expired"),
        ("dev", now - 5, now - 5, "dev expired"),
        ("dev", "", "", "dev"),  # no expiry known
        ("dev", "soon", "never", "dev"),  # garbage is not arithmetic
        (None, now + 42 * M + 30, day, ""),  # no profile: no badge
    ]


def script_for(shell: str, now: int) -> str:
    lines = []
    for profile, expires, session, _ in cases(now):
        if shell == "fish":
            lines.append(
                f"set -gx SSOENV_PROFILE {profile}" if profile else "set -e SSOENV_PROFILE"
            )
            lines.append(f"set -gx SSOENV_EXPIRES '{expires}'")
            lines.append(f"set -gx SSOENV_SESSION_EXPIRES '{session}'")
            lines.append('set -l badge (ssoenv_prompt); echo "badge=$badge"')
        else:
            lines.append(f"export SSOENV_PROFILE={profile}" if profile else "unset SSOENV_PROFILE")
            lines.append(f"export SSOENV_EXPIRES='{expires}' SSOENV_SESSION_EXPIRES='{session}'")
            lines.append('echo "badge=$(ssoenv_prompt)"')
            # -v VAR: the same text, set without a subshell.
            lines.append('ssoenv_prompt -v badge; echo "variable=$badge"')
    return "\n".join(lines)


def expected(shell: str, now: int) -> list[str]:
    out = []
    for *_, badge in cases(now):
        out.append(f"badge={badge}")
        if shell != "fish":
            out.append(f"variable={badge}")
    return out


def test_the_badge(shell: str, shell_env: dict[str, str], init_scripts: dict[str, Path]) -> None:
    now = int(time.time())
    result = run_script(shell, script_for(shell, now), shell_env, init=init_scripts[shell])
    assert result.returncode == 0, result.stderr
    assert lines_of(result.stdout) == expected(shell, now)
    assert result.stderr == ""


def test_the_badge_with_the_clock_of_bash_3(
    shell_env: dict[str, str], init_scripts: dict[str, Path]
) -> None:
    require("bash")
    now = int(time.time())
    script = "__ssoenv_pick_clock 3 2\n" + script_for("bash", now)
    result = run_script("bash", script, shell_env, init=init_scripts["bash"])
    assert result.returncode == 0, result.stderr
    assert lines_of(result.stdout) == expected("bash", now)
