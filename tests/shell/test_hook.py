"""The prompt hook: it keeps $?, refreshes credentials inside the refresh
window, says once that a login is needed and backs off, and on a normal prompt
starts no process at all (counted with strace)."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.emulator import Emulator
from tests.shell.conftest import SHELLS, SSOENV, STRICT, lines_of, require, run_script, steps

pytestmark = pytest.mark.shell

# `export NAME=VALUE` in each shell (the variable must reach ssoenv hook-env).
SET = {"bash": "export {}={}", "zsh": "export {}={}", "fish": "set -gx {} {}"}


def setvar(shell: str, name: str, value: object) -> str:
    return SET[shell].format(name, value)


KEEPS_STATUS = {
    "bash": """
ssoenv use dev 2>/dev/null
(exit 7) || __ssoenv_precmd || echo "fresh=$?"
export __SSOENV_REFRESH_AT=1
(exit 5) || __ssoenv_precmd || echo "due=$?"
unset SSOENV_PROFILE
(exit 3) || __ssoenv_precmd || echo "inactive=$?"
""",
    "fish": """
function fails --argument-names code; return $code; end
ssoenv use dev 2>/dev/null
fails 7; __ssoenv_precmd; echo "fresh=$status"
set -gx __SSOENV_REFRESH_AT 1
fails 5; __ssoenv_precmd; echo "due=$status"
set -e SSOENV_PROFILE
fails 3; __ssoenv_precmd; echo "inactive=$status"
""",
}
KEEPS_STATUS["zsh"] = KEEPS_STATUS["bash"]


def test_the_hook_keeps_the_exit_status(
    shell: str, logged_in: dict[str, str], init_scripts: dict[str, Path]
) -> None:
    result = run_script(shell, KEEPS_STATUS[shell], logged_in, init=init_scripts[shell])
    assert result.returncode == 0, result.stderr
    assert lines_of(result.stdout) == ["fresh=7", "due=5", "inactive=3"]


def test_the_hook_refreshes_inside_the_window(
    shell: str, logged_in: dict[str, str], init_scripts: dict[str, Path], emulator: Emulator
) -> None:
    # Credentials living 5 minutes are inside the 10-minute window from the
    # start; moving __SSOENV_REFRESH_AT into the past stands for time passing.
    emulator.credential_ttl = 300
    script = f"""
ssoenv use dev 2>/dev/null
step
{setvar(shell, "__SSOENV_REFRESH_AT", 1)}
__ssoenv_precmd
step
__ssoenv_precmd
step
"""
    started = int(time.time())
    result = run_script(shell, script, logged_in, init=init_scripts[shell])
    assert result.returncode == 0, result.stderr
    used, refreshed, unchanged = steps(result.stdout)
    assert refreshed["AWS_ACCESS_KEY_ID"] != used["AWS_ACCESS_KEY_ID"]
    assert refreshed["AWS_SESSION_TOKEN"] != used["AWS_SESSION_TOKEN"]
    assert unchanged["AWS_ACCESS_KEY_ID"] == refreshed["AWS_ACCESS_KEY_ID"]
    assert emulator.calls["GetRoleCredentials"] == 2  # `use`, then one refresh
    # The next refresh is at least a minute away, and no back-off is armed.
    assert int(refreshed["__SSOENV_REFRESH_AT"]) >= started + 60
    assert "__SSOENV_RETRY_AT" not in refreshed
    assert result.stderr == ""


def test_an_expired_session_is_reported_once_then_backed_off(
    shell: str, logged_in: dict[str, str], init_scripts: dict[str, Path], emulator: Emulator
) -> None:
    emulator.credential_ttl = 300
    used = subprocess.run(
        [str(SSOENV), "use", "dev", "--shell", shell],
        env=logged_in,
        capture_output=True,
        text=True,
        check=True,
    )
    emulator.expire_access_tokens()  # the session ends on the server
    emulator.revoke_refresh_tokens()
    apply = {
        "bash": 'eval "$USE_CODE"',
        "zsh": 'eval "$USE_CODE"',
        "fish": 'printf "%s" "$USE_CODE" | source',
    }[shell]
    script = f"""
{apply}
{setvar(shell, "__SSOENV_REFRESH_AT", 1)}
__ssoenv_precmd
echo __FIRST_PROMPT_DONE__ >&2
step
{"set -l badge (ssoenv_prompt)" if shell == "fish" else "badge=$(ssoenv_prompt)"}
echo "badge=$badge"
__ssoenv_precmd
{setvar(shell, "__SSOENV_RETRY_AT", 1)}
__ssoenv_precmd
step
"""
    result = run_script(
        shell, script, {**logged_in, "USE_CODE": used.stdout}, init=init_scripts[shell]
    )
    assert result.returncode == 0, result.stderr
    first, later = result.stderr.split("__FIRST_PROMPT_DONE__\n")
    assert len(lines_of(first)) == 1
    assert "ssoenv login dev" in first
    assert lines_of(later) == []  # said once, not on every prompt
    failed, failed_again = steps(result.stdout)
    now = int(time.time())
    assert failed["__SSOENV_WARNED"] == "dev"
    assert failed["__SSOENV_FAILURES"] == "1"
    assert int(failed["__SSOENV_RETRY_AT"]) >= now + 50
    assert int(failed["SSOENV_SESSION_EXPIRES"]) <= now
    assert failed["AWS_ACCESS_KEY_ID"]  # the keys still work for a few minutes
    badge = next(line for line in lines_of(result.stdout) if line.startswith("badge="))
    assert re.fullmatch(r"badge=dev [1-5]m!", badge)  # keys valid, login needed
    # The retry waits longer each time.
    assert failed_again["__SSOENV_FAILURES"] == "2"
    assert int(failed_again["__SSOENV_RETRY_AT"]) >= now + 110


def trace_processes(argv: list[str], env: dict[str, str], tmp_path: Path) -> list[str]:
    """The processes `argv` starts between the __COUNT_BEGIN__ and __COUNT_END__
    lines it prints: every fork, vfork, non-thread clone and execve, by strace."""
    require("strace")
    trace = tmp_path / "strace.out"
    result = subprocess.run(
        ["strace", "-f", "-qq", "-o", str(trace), "-e", "trace=process,write", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if "ptrace" in result.stderr and "not permitted" in result.stderr:
        pytest.skip("strace cannot trace here (ptrace is not permitted)")
    assert result.returncode == 0, result.stderr
    counted, inside = [], False
    for line in trace.read_text().splitlines():
        if "__COUNT_BEGIN__" in line:
            inside = True
        elif "__COUNT_END__" in line:
            inside = False
        elif (
            inside
            and re.search(r"\b(fork|vfork|clone3?|execve)\(", line)
            and "CLONE_THREAD" not in line  # a thread is not a process
        ):
            counted.append(line)
    return counted


PROMPTS = 100
LOOP = {
    "bash": f"for ((i = 0; i < {PROMPTS}; i++)); do __ssoenv_precmd; ssoenv_prompt -v b; done",
    "zsh": f"for ((i = 0; i < {PROMPTS}; i++)); do __ssoenv_precmd; ssoenv_prompt -v b; done",
    "fish": f"set -l i 0; while test $i -lt {PROMPTS}; set i (math $i + 1); "
    "emit fish_prompt; set -l b (ssoenv_prompt); end",
}


def count_script(shell: str, init: Path, setup: str = "") -> str:
    return f"""
source {init}
ssoenv use dev 2>/dev/null
{setup}
echo __COUNT_BEGIN__
{LOOP[shell]}
echo __COUNT_END__
"""


@pytest.mark.parametrize("shell_name", SHELLS)
def test_a_fresh_prompt_starts_no_process(
    shell_name: str, logged_in: dict[str, str], init_scripts: dict[str, Path], tmp_path: Path
) -> None:
    require(shell_name)
    script = count_script(shell_name, init_scripts[shell_name])
    started = trace_processes([*STRICT[shell_name], script], logged_in, tmp_path)
    if shell_name == "fish":
        # fish 3.5+ needs none (`path mtime`); older fish one `date` per prompt.
        assert len(started) <= 2 * PROMPTS, started[:4]  # one fork + one exec each
        print(f"fish: {len(started)} fork/exec calls over {PROMPTS} prompts")
    else:
        assert started == []


def test_bash_without_a_clock_runs_one_date_per_prompt(
    logged_in: dict[str, str], init_scripts: dict[str, Path], tmp_path: Path
) -> None:
    """bash before 4.2 (macOS's 3.2) has neither EPOCHSECONDS nor printf %(%s)T;
    forcing that clock here must cost exactly one `date` per active prompt, and
    nothing while no profile is active."""
    require("bash")
    script = count_script("bash", init_scripts["bash"], "__ssoenv_pick_clock 3 2")
    started = trace_processes([*STRICT["bash"], script], logged_in, tmp_path)
    forks = [line for line in started if "execve(" not in line]
    execs = [line for line in started if "execve(" in line]
    # One per precmd, one per badge: each a single fork + exec of date.
    assert len(forks) == 2 * PROMPTS
    assert len(execs) == 2 * PROMPTS
    assert all("/date" in line for line in execs)
    inactive = count_script(
        "bash", init_scripts["bash"], "__ssoenv_pick_clock 3 2\nunset SSOENV_PROFILE"
    )
    assert trace_processes([*STRICT["bash"], inactive], logged_in, tmp_path) == []
