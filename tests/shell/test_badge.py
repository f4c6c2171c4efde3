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


BADGE_ONLY = {
    "bash": 'echo "badge=$(ssoenv_prompt)"; ssoenv_prompt -v b; echo "variable=$b"',
    "zsh": 'echo "badge=$(ssoenv_prompt)"; ssoenv_prompt -v b; echo "variable=$b"',
    "fish": 'set -l badge (ssoenv_prompt); echo "badge=$badge"',
}


def badge_of(shell: str, env: dict[str, str], init: Path, **variables: str) -> set[str]:
    result = run_script(shell, BADGE_ONLY[shell], {**env, **variables}, init=init)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return {line.split("=", 1)[1] for line in lines_of(result.stdout)}


def test_the_badge_tells_a_retry_from_a_needed_login(
    shell: str, shell_env: dict[str, str], init_scripts: dict[str, Path]
) -> None:
    """`~`: the hook's last refresh failed for a reason that may pass (network,
    server, another shell busy) and it retries; `!`: only a login helps."""
    now = int(time.time())
    keys = {"SSOENV_PROFILE": "dev", "SSOENV_EXPIRES": str(now + 42 * M + 30)}
    later, ended = str(now + 86400), str(now - 5)
    init = init_scripts[shell]
    retrying = badge_of(
        shell, shell_env, init, **keys, SSOENV_SESSION_EXPIRES=later, SSOENV_RETRYING="1"
    )
    assert retrying == {"dev 42m~"}
    ended_too = badge_of(
        shell, shell_env, init, **keys, SSOENV_SESSION_EXPIRES=ended, SSOENV_RETRYING="1"
    )
    assert ended_too == {"dev 42m!"}
    assert badge_of(shell, shell_env, init, **keys, SSOENV_SESSION_EXPIRES=later) == {"dev 42m"}


def test_the_badge_never_sends_a_control_character_to_the_terminal(
    shell: str, shell_env: dict[str, str], init_scripts: dict[str, Path]
) -> None:
    """A profile name from a shared config, holding a window-title sequence and
    a screen clear: the badge shows it defused, in a UTF-8 and in the C locale."""
    now = int(time.time())
    hostile = "dev\x1b]0;pwned\x07\x1b[2J\x7fx"
    for locale in ("C.UTF-8", "C"):
        env = {**shell_env, "LC_ALL": locale}
        found = badge_of(
            shell,
            env,
            init_scripts[shell],
            SSOENV_PROFILE=hostile,
            SSOENV_EXPIRES=str(now + 42 * M + 30),
            SSOENV_SESSION_EXPIRES=str(now + 86400),
        )
        assert found == {"dev?]0;pwned??[2J?x 42m"}, (locale, found)
