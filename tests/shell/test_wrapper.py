"""The `ssoenv` shell function: `use` and `logout` change the shell through
eval; everything else (and --shell, --help) runs the program as it is; a
failure evaluates nothing; user aliases cannot hijack it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.shell.conftest import require, run_script, steps

pytestmark = pytest.mark.shell

ACTIVE = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "SSOENV_PROFILE",
    "SSOENV_EXPIRES",
    "SSOENV_SESSION_EXPIRES",
    "__SSOENV_REFRESH_AT",
    "__SSOENV_CRED_FILE",
)
PID = {"bash": "$$", "zsh": "$$", "fish": "$fish_pid"}
MARKER = "$XDG_RUNTIME_DIR/ssoenv/marker.$$"
# A subshell shares $$ with its shell: its `use` must leave the shell's marker
# alone; the shell's own `use` creates it.
MARKER_CHECKS = dict.fromkeys(
    ("bash", "zsh"),
    f"""[[ -e {MARKER} ]] && echo marker=present
rm -f {MARKER}
(ssoenv use dev 2>/dev/null)
[[ -e {MARKER} ]] || echo subshell-left-it-alone
ssoenv use dev 2>/dev/null""",
)


def test_use_and_logout_through_the_wrapper(
    shell: str, logged_in: dict[str, str], init_scripts: dict[str, Path]
) -> None:
    script = f"""
ssoenv use dev
step
echo "pid={PID[shell]}"
{MARKER_CHECKS.get(shell, "")}
ssoenv logout
step
"""
    result = run_script(shell, script, logged_in, init=init_scripts[shell])
    assert result.returncode == 0, result.stderr
    used, cleared = steps(result.stdout)
    for name in ACTIVE:
        assert used.get(name), name
        assert name not in cleared, name
    assert used["SSOENV_PROFILE"] == "dev"
    assert used["AWS_REGION"] == "eu-west-1"
    assert used["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert "AWS_REGION" not in cleared
    assert "using 'dev'" in result.stderr
    if shell != "fish":  # fish compares the file's mtime itself, without a marker
        pid = next(line[4:] for line in result.stdout.splitlines() if line.startswith("pid="))
        marker = Path(os.environ["XDG_RUNTIME_DIR"]) / "ssoenv" / f"marker.{pid}"
        assert "marker=present" in result.stdout.splitlines()
        assert "subshell-left-it-alone" in result.stdout.splitlines()
        # zsh removes its marker when it exits; bash leaves it (its EXIT trap is the user's).
        assert marker.exists() is (shell == "bash")
    assert not Path(used["__SSOENV_CRED_FILE"]).exists()  # logout removed it


WRAPPER_PASSES_THROUGH = {
    "bash": """
ssoenv use dev --shell json
step
ssoenv --version
ssoenv use dev -s env | grep -c '^AWS_ACCESS_KEY_ID='
ssoenv use dev 2>/dev/null
ssoenv use no-such-profile 2>/dev/null || echo "status=$?"
step
""",
    "fish": """
ssoenv use dev --shell json
step
ssoenv --version
ssoenv use dev -s env | grep -c '^AWS_ACCESS_KEY_ID='
ssoenv use dev 2>/dev/null
ssoenv use no-such-profile 2>/dev/null; or echo "status=$status"
step
""",
}
WRAPPER_PASSES_THROUGH["zsh"] = WRAPPER_PASSES_THROUGH["bash"]


def test_other_commands_and_other_formats_run_as_they_are(
    shell: str, logged_in: dict[str, str], init_scripts: dict[str, Path]
) -> None:
    result = run_script(shell, WRAPPER_PASSES_THROUGH[shell], logged_in, init=init_scripts[shell])
    assert result.returncode == 0, result.stderr
    before, after = steps(result.stdout)
    assert "SSOENV_PROFILE" not in before  # --shell json printed, evaluated nothing
    printed = result.stdout.split("__STEP__")[0]
    assert json.loads(printed)["Version"] == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("ssoenv ") for line in lines)  # --version
    assert "1" in lines  # the dotenv format went to stdout
    # The failed `use` kept its exit status and left the shell as it was.
    assert "status=3" in lines
    assert after["SSOENV_PROFILE"] == "dev"


@pytest.mark.parametrize("shell_name", ["bash", "zsh"])
def test_aliases_cannot_hijack_the_script(
    shell_name: str, logged_in: dict[str, str], init_scripts: dict[str, Path]
) -> None:
    require(shell_name)
    hijack = " ".join(
        f"{name}='echo HIJACKED {name}'"
        for name in (
            "builtin",
            "command",
            "eval",
            "export",
            "local",
            "printf",
            "return",
            "trap",
            "typeset",
            "unset",
            "awk",
            "date",
            "emulate",
        )
    )
    script = f"""
{"shopt -s expand_aliases" if shell_name == "bash" else ""}
alias {hijack}
source {init_scripts[shell_name]}
ssoenv use dev
__SSOENV_REFRESH_AT=1
__ssoenv_precmd
__ssoenv_precmd
echo "badge=$(ssoenv_prompt)"
step
ssoenv logout
step
"""
    result = run_script(shell_name, script, logged_in)
    assert result.returncode == 0, result.stderr
    assert "HIJACKED" not in result.stdout + result.stderr
    used, cleared = steps(result.stdout)
    assert used["SSOENV_PROFILE"] == "dev"
    assert "badge=dev " in result.stdout
    assert "SSOENV_PROFILE" not in cleared


DOCTOR = {
    "bash": 'PROMPT_COMMAND="history -a"  # a framework replaced the hook',
    "zsh": "precmd_functions=(other_prompt)  # a framework replaced the hook",
}


@pytest.mark.parametrize("shell_name", ["bash", "zsh"])
def test_a_lost_hook_is_reported_once(
    shell_name: str, logged_in: dict[str, str], init_scripts: dict[str, Path]
) -> None:
    require(shell_name)
    script = f"""
{DOCTOR[shell_name]}
ssoenv use dev
echo __SECOND__ >&2
ssoenv use dev
"""
    result = run_script(shell_name, script, logged_in, init=init_scripts[shell_name])
    assert result.returncode == 0, result.stderr
    first, second = result.stderr.split("__SECOND__\n")
    assert first.count("the prompt hook is not in") == 1
    assert "prompt hook" not in second
    silenced = run_script(
        shell_name,
        f"{DOCTOR[shell_name]}\nssoenv use dev",
        {**logged_in, "SSOENV_DOCTOR": "0"},
        init=init_scripts[shell_name],
    )
    assert "prompt hook" not in silenced.stderr
