"""`ssoenv init SHELL`: the files in shell/ with the completions inside; sourcing
it prints nothing, sourcing it twice changes nothing, and the hooks of other
tools keep their place and keep running."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ssoenv.commands.init import SCRIPTS
from ssoenv.shells import get_shell
from tests.shell.conftest import ROOT, SHELLS, SSOENV, require, run_script

pytestmark = pytest.mark.shell

COMPLETIONS = {
    "bash": "ssoenv.bash",
    "zsh": "_ssoenv",
    "fish": "ssoenv.fish",
    "nu": "ssoenv.nu",
    "pwsh": "ssoenv.ps1",
}
# bash and zsh: the code they share, then their own part; fish, nu, pwsh: a file of their own.
PARTS = {
    "bash": ("common.sh", "bash.sh"),
    "zsh": ("common.sh", "zsh.sh"),
    "fish": ("ssoenv.fish",),
    "nu": ("ssoenv.nu",),
    "pwsh": ("ssoenv.ps1",),
    "direnv": ("direnv.sh",),  # a direnv library, in bash, with no completions
}
COMPLETIONS["direnv"] = ""
# Every name `ssoenv init` takes: the real shells run here, PowerShell
# (tests/test_pwsh.py parses its script; no pwsh can be installed here) and direnv.
INIT_SHELLS = (*SHELLS, "nu", "pwsh", "direnv")


def expected_init(shell: str, exe: str, root: Path = ROOT) -> str:
    """What `ssoenv init` must print: the shell's parts one after the other, the
    program's path quoted for the shell, the shell's name, and the completion file."""
    template = "".join((root / "shell" / part).read_text() for part in PARTS[shell])
    completions = (
        (root / "completions" / COMPLETIONS[shell]).read_text() if COMPLETIONS[shell] else ""
    )
    plain = exe.replace("/", "").replace(".", "").replace("_", "").replace("-", "").isalnum()
    # A plain path needs no quotes, but in PowerShell, where a bare path is an expression.
    if shell == "pwsh":
        shown = get_shell("powershell").quote(exe)
    else:
        shown = exe if plain else get_shell("bash" if shell == "direnv" else shell).quote(exe)
    return (
        template.replace("@SSOENV_EXE@", shown)
        .replace("@SSOENV_SHELL@", shell)
        .replace("@SSOENV_COMPLETIONS@", completions)
    )


@pytest.mark.parametrize(
    ("exe", "plain"),
    [
        ("/opt/my tools/ssoenv", False),
        ("/x/it's $(here)/ssoenv", False),
        ("/a/b-c_d.e/ssoenv", True),
    ],
)
def test_the_program_path_is_quoted_when_it_must_be(exe: str, plain: bool) -> None:
    from ssoenv.commands.init import quote_path

    for shell in ("bash", "zsh", "fish", "nu"):
        expected = exe if plain else get_shell(shell).quote(exe)
        assert quote_path(shell, exe) == expected
        assert plain or expected != exe
    # PowerShell reads a bare path as an expression: its path is always a string.
    assert quote_path("pwsh", exe) == get_shell("powershell").quote(exe)
    assert quote_path("pwsh", exe).startswith("'")


def test_init_prints_the_shell_file_with_its_completions() -> None:
    for shell in INIT_SHELLS:
        result = subprocess.run(
            [str(SSOENV), "init", shell], capture_output=True, text=True, check=True
        )
        assert result.stdout == expected_init(shell, str(SSOENV))
        assert "@SSOENV_" not in result.stdout
        assert result.stderr == ""


def test_init_rejects_other_shells() -> None:
    result = subprocess.run([str(SSOENV), "init", "tcsh"], capture_output=True, text=True)
    assert result.returncode != 0
    assert result.stdout == ""
    assert f"supports {', '.join(SCRIPTS)}, not 'tcsh'" in result.stderr
    assert set(INIT_SHELLS) == set(SCRIPTS)


# Each script sources the real `ssoenv init` twice under strict flags, with
# another tool's hook already in place, then shows the hooks and runs them.
SOURCE_TWICE = {
    "bash": """
__other_hook() { echo other-hook-ran; }
PROMPT_COMMAND='__other_hook'
{ eval "$(ssoenv init bash)"; eval "$(ssoenv init bash)"; } >"$OUT" 2>&1
echo "hooks=$PROMPT_COMMAND"
eval "$PROMPT_COMMAND"
""",
    "zsh": """
__other_hook() { echo other-hook-ran; }
precmd_functions=(__other_hook)
{ eval "$(ssoenv init zsh)"; eval "$(ssoenv init zsh)"; } >"$OUT" 2>&1
echo "hooks=${precmd_functions[*]}"
for f in "${precmd_functions[@]}"; do "$f"; done
echo "after-first-prompt=${precmd_functions[*]}"
""",
    "fish": """
function __other_hook --on-event fish_prompt; echo other-hook-ran; end
begin; ssoenv init fish | source; ssoenv init fish | source; end >$OUT 2>&1
functions --handlers-type generic | string match -r '__\\w+_hook|__ssoenv_precmd' | read -z h
echo hooks=(string join ' ' (string split \\n -n -- $h))
emit fish_prompt
echo completions=(count (complete -C'ssoenv u'))
""",
}
EXPECTED_HOOKS = {
    "bash": "hooks=__ssoenv_precmd;__other_hook",
    "zsh": "hooks=__ssoenv_precmd __other_hook __ssoenv_compdef",
    "fish": "hooks=__other_hook __ssoenv_precmd",
}


def test_sourcing_twice_is_silent_and_keeps_other_hooks(
    shell: str, shell_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "sourcing-output"
    result = run_script(shell, SOURCE_TWICE[shell], {**shell_env, "OUT": str(out)})
    assert result.returncode == 0, result.stderr
    assert out.read_text() == ""  # nothing on stdout or stderr while sourcing
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert EXPECTED_HOOKS[shell] in lines
    assert lines.count("other-hook-ran") == 1
    if shell == "zsh":  # compinit never ran: the deferred compdef dropped itself
        assert "after-first-prompt=__ssoenv_precmd __other_hook" in lines
    if shell == "fish":
        assert "completions=1" in lines  # sourced twice, completed once


def test_bash_keeps_an_array_prompt_command(shell_env: dict[str, str], init_scripts: dict) -> None:
    require("bash")
    script = """
if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] < 501)); then echo old-bash; exit 0; fi
PROMPT_COMMAND=('echo first' 'echo second')
source "$INIT"; source "$INIT"
declare -p PROMPT_COMMAND
for command in "${PROMPT_COMMAND[@]}"; do eval "$command"; done
"""
    result = run_script("bash", script, {**shell_env, "INIT": str(init_scripts["bash"])})
    assert result.returncode == 0, result.stderr
    if result.stdout.strip() == "old-bash":
        pytest.skip("PROMPT_COMMAND arrays need bash 5.1")
    lines = result.stdout.splitlines()
    assert lines[0] == (
        'declare -a PROMPT_COMMAND=([0]="__ssoenv_precmd" [1]="echo first" [2]="echo second")'
    )
    assert lines[1:] == ["first", "second"]


def test_zsh_registers_the_completion_once_compinit_has_run(
    shell_env: dict[str, str], init_scripts: dict
) -> None:
    require("zsh")
    script = """
autoload -Uz compinit && compinit -u -D
source "$INIT"; source "$INIT"
echo "completer=${_comps[ssoenv]}"
echo "hooks=${precmd_functions[*]}"
"""
    result = run_script(
        "zsh", script, {**shell_env, "INIT": str(init_scripts["zsh"])}, strict=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["completer=_ssoenv", "hooks=__ssoenv_precmd"]
