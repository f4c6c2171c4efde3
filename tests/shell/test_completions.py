"""Completions in the real shells: bash through COMP_WORDS and the completion
function, zsh through a pseudo-terminal (zpty) pressing TAB with compadd
recording the matches, fish through `complete -C`. Each file also works on
its own, as a packager installs it, and a TAB with 2,000 profiles stays fast."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from ssoenv.awsini import classify, parse_text
from tests.shell.conftest import ROOT, lines_of, require
from tests.shell.test_completions_drift import visible_commands

pytestmark = pytest.mark.shell

PROFILES = {"default", "dev", "admin", "prod", "forbidden", "old", "static"}
FORMATS = {"bash", "zsh", "sh", "fish", "powershell", "nu", "env", "json"}

# Command line before the cursor -> the candidates every shell must offer.
CASES: dict[str, set[str]] = {
    "ssoenv u": {"use"},
    "ssoenv -": {"--debug", "--version", "--help", "-h"},
    "ssoenv use ": PROFILES,
    "ssoenv use d": {"default", "dev"},
    "ssoenv --debug use p": {"prod"},
    "ssoenv use --shell ": FORMATS,
    "ssoenv use -s z": {"zsh"},
    "ssoenv use dev --no-": {"--no-login", "--no-browser"},
    "ssoenv login --sso-session ": {"corp"},
    "ssoenv logout --sso-session c": {"corp"},
    "ssoenv init ": {"bash", "zsh", "fish", "nu", "pwsh", "direnv"},
    "ssoenv credential-process a": {"admin"},
    # Before `--`, exec's own options; after it, the command's own completion
    # (here ssoenv's again, which every harness has loaded).
    "ssoenv exec dev --no-": {"--no-browser"},
    "ssoenv exec dev -- ssoenv u": {"use"},
    "ssoenv exec --no-browser dev -- ssoenv use --no-": {"--no-login", "--no-browser"},
}


def all_cases() -> dict[str, set[str]]:
    return {"ssoenv ": set(visible_commands()), **CASES}


# bash: fill COMP_WORDS as readline would and call the completion function.
BASH_HARNESS = """
complete_line() {
    COMP_LINE=$1 COMP_POINT=${#1}
    read -r -a COMP_WORDS <<<"$1"
    [[ $1 == *' ' ]] && COMP_WORDS+=('')
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _ssoenv ssoenv "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '::line::%s\\n' "$1"
    printf '%s\\n' "${COMPREPLY[@]}"
}
for line in "$@"; do complete_line "$line"; done
# --shell=z: readline splits the word at "=" (COMP_WORDBREAKS).
COMP_WORDS=(ssoenv use --shell = z) COMP_CWORD=4 COMPREPLY=()
_ssoenv
printf '::line::%s\\n' 'ssoenv use --shell=z'
printf '%s\\n' "${COMPREPLY[@]}"
"""

FISH_HARNESS = """
for line in $argv
    echo "::line::$line"
    complete -C"$line" | string replace -r '\\t.*' ''
end
true
"""

# zsh: the inner shell records each match compadd is given (compadd -O does
# the same matching as a real add), and marks the end of each TAB.
ZSH_SETUP = """
PS1='' PS2='' RPS1='' PROMPT_EOL_MARK=''
unsetopt beep autolist automenu
fpath=($SSOENV_TEST_FPATH $fpath)
autoload -Uz compinit && compinit -u -D
[[ -n $SSOENV_TEST_INIT ]] && source $SSOENV_TEST_INIT
compadd() {
    if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd "$@"; return; fi
    local -a __hits
    builtin compadd -O __hits "$@"
    (( $#__hits )) && builtin print -rn -- "<m>${(pj:</m><m>:)__hits}</m>"
    builtin compadd "$@"
}
# `ssoenv exec P -- ssoenv ...` completes ssoenv inside ssoenv: only the outer
# call marks the end of the TAB.
typeset -gi __test_depth=0
__test_complete() {
    (( ++__test_depth ))
    _ssoenv "$@"
    (( --__test_depth )) || builtin print -rn -- '::done::'
}
compdef __test_complete ssoenv
bindkey '^I' complete-word
"""
ZSH_HARNESS = """
zmodload zsh/zpty || exit 2
zpty z zsh -f -i
zpty -w z "source ${(q)1}"
for line in "${@[2,-1]}"; do
    zpty -w -n z "$line"$'\\t'
    zpty -r z out '*::done::*' || exit 3
    print -r -- "::line::$line"
    print -r -- "$out"
    zpty -w -n z $'\\C-u'
done
zpty -d z
"""


def parse(output: str, *, zsh: bool = False) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for chunk in output.split("::line::")[1:]:
        line, _, rest = chunk.partition("\n")
        if zsh:
            found[line] = set(re.findall(r"<m>(.*?)</m>", rest))
        else:
            found[line] = set(lines_of(rest))
    return found


def complete_bash(env: dict[str, str], source: Path, lines: list[str]) -> dict[str, set[str]]:
    require("bash")
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-euo", "pipefail", "-c",
         f"source {source}\n{BASH_HARNESS}", "bash", *lines],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return parse(result.stdout)


def complete_fish(env: dict[str, str], source: Path, lines: list[str]) -> dict[str, set[str]]:
    require("fish")
    result = subprocess.run(
        ["fish", "--no-config", "--private", "-c", f"source {source}\n{FISH_HARNESS}", *lines],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return parse(result.stdout)


def complete_zsh(
    env: dict[str, str], tmp_path: Path, lines: list[str], *, init: Path | None, fpath: str = ""
) -> dict[str, set[str]]:
    require("zsh")
    setup = tmp_path / "setup.zsh"
    setup.write_text(ZSH_SETUP)
    env = {**env, "SSOENV_TEST_INIT": str(init or ""), "SSOENV_TEST_FPATH": fpath}
    result = subprocess.run(
        ["zsh", "-f", "-c", ZSH_HARNESS, "zsh", str(setup), *lines],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return parse(result.stdout, zsh=True)


def test_bash_completions(shell_env: dict[str, str], init_scripts: dict[str, Path]) -> None:
    cases = all_cases()
    found = complete_bash(shell_env, init_scripts["bash"], list(cases))
    for line, expected in cases.items():
        assert found[line] == expected, line
    assert found["ssoenv use --shell=z"] == {"zsh"}


def test_zsh_completions(
    shell_env: dict[str, str], init_scripts: dict[str, Path], tmp_path: Path
) -> None:
    cases = all_cases()
    found = complete_zsh(shell_env, tmp_path, list(cases), init=init_scripts["zsh"])
    for line, expected in cases.items():
        assert found[line] == expected, line


def test_fish_completions(shell_env: dict[str, str], init_scripts: dict[str, Path]) -> None:
    cases = all_cases()
    found = complete_fish(shell_env, init_scripts["fish"], list(cases))
    for line, expected in cases.items():
        assert found[line] == expected, line


def test_exec_completes_the_command_after_the_double_dash(
    shell_env: dict[str, str], init_scripts: dict[str, Path], tmp_path: Path
) -> None:
    """Command names on PATH, then the command's own arguments (files here)."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("ssoenv-test-tool-a", "ssoenv-test-tool-b"):
        (tools / name).write_text("#!/bin/sh\n")
        (tools / name).chmod(0o755)
    (tmp_path / "notes-1.txt").write_text("")
    env = {**shell_env, "PATH": f"{tools}:{shell_env['PATH']}"}
    command, argument = (
        "ssoenv exec dev -- ssoenv-test-to",
        f"ssoenv exec dev -- cat {tmp_path}/notes-",
    )
    want = {command: {"ssoenv-test-tool-a", "ssoenv-test-tool-b"}, argument: {"notes-1.txt"}}
    for found in (
        complete_bash(env, init_scripts["bash"], list(want)),
        complete_fish(env, init_scripts["fish"], list(want)),
        complete_zsh(env, tmp_path, list(want), init=init_scripts["zsh"]),
    ):
        assert found[command] == want[command]
        # zsh hands compadd the file name and the directory separately.
        assert {name.rsplit("/", 1)[-1] for name in found[argument]} == {"notes-1.txt"}


def test_bash_hands_the_command_its_own_line(
    shell_env: dict[str, str], init_scripts: dict[str, Path], tmp_path: Path
) -> None:
    """Without bash-completion loaded, the command's `complete -F` function gets
    the words, the cursor and the line as if the command had been typed alone."""
    source = tmp_path / "with-probe.bash"
    source.write_text(
        f"source {init_scripts['bash']}\n"
        '_probe() { COMPREPLY=("$COMP_CWORD|$1|$2|$3|$COMP_LINE|$COMP_POINT"); }\n'
        "complete -F _probe probe\n"
    )
    line = "ssoenv exec dev -- probe a b"
    assert complete_bash(shell_env, source, [line])[line] == {"2|probe|b|a|probe a b|9"}


def test_each_completion_file_works_on_its_own(shell_env: dict[str, str], tmp_path: Path) -> None:
    """As a packager installs them: no `ssoenv init`, just the file."""
    lines = ["ssoenv use d", "ssoenv init "]
    want = {
        "ssoenv use d": {"default", "dev"},
        "ssoenv init ": {"bash", "zsh", "fish", "nu", "pwsh", "direnv"},
    }
    folder = ROOT / "completions"
    for found in (
        complete_bash(shell_env, folder / "ssoenv.bash", lines),
        complete_fish(shell_env, folder / "ssoenv.fish", lines),
        complete_zsh(shell_env, tmp_path, lines, init=None, fpath=str(folder)),
    ):
        assert {line: found[line] for line in lines} == want


def test_profiles_come_from_aws_config_file(
    shell_env: dict[str, str], init_scripts: dict[str, Path], tmp_path: Path
) -> None:
    """The names botocore reads (ssoenv.awsini is its line-for-line copy):
    headers split into shell words, a line indented under a key is part of its
    value, a lone CR ends a line, comments and malformed headers name nothing."""
    config = tmp_path / "other-config"
    config.write_text(
        "[default]\n[profile  spaced ]\nregion = x\n  [profile continued]\n"
        "[profile crlf]\r\n[profile cr1]\r[profile cr2]\n"
        "[profile 'quoted name']\n[profile \"dq\"]\n[profileX glued]\n[profile a]b]\n"
        "[profile two words]\n[profile 'unclosed]\n# [profile comment]\n  ; [profile semi]\n"
        "[profile indented]\n  [profile indented-header]\n"
        "[sso-session corp-2]\n[services s]\n[profile default]\n",
        newline="",
    )
    want = {"default", "spaced", "crlf", "cr1", "cr2", "quoted name", "dq", "glued", "a]b"}
    want |= {"indented", "indented-header"}
    sections = parse_text(config.read_bytes().decode(), "config")
    assert want == {n for k, n in filter(None, map(classify, sections)) if k == "profile"}
    env = {**shell_env, "AWS_CONFIG_FILE": str(config)}
    line = "ssoenv use "
    # bash's candidates are what readline inserts: quoted.
    quoted = {"quoted name": "quoted\\ name", "a]b": "a\\]b"}
    assert complete_bash(env, init_scripts["bash"], [line])[line] == {
        quoted.get(name, name) for name in want
    }
    assert complete_fish(env, init_scripts["fish"], [line])[line] == want
    assert complete_zsh(env, tmp_path, [line], init=init_scripts["zsh"])[line] == want
    missing = {**shell_env, "AWS_CONFIG_FILE": str(tmp_path / "absent")}
    assert complete_bash(missing, init_scripts["bash"], [line])[line] == set()


def big_config(path: Path, profiles: int = 2000) -> Path:
    sections = ["[default]\nregion = us-east-1\n"]
    sections += [
        f"[profile p{i:04d}]\nsso_session = corp\nsso_account_id = {100000000000 + i}\n"
        f"sso_role_name = ReadOnly\nregion = eu-west-1\n"
        for i in range(profiles)
    ]
    sections.append("[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\n")
    path.write_text("\n".join(sections))
    return path


# The timing itself is `make bench`'s job (bench/bench.py runs these same scripts);
# the test checks what the timed TAB completes.
TIMED_TABS = 10

BASH_TIMING = f"""
COMP_WORDS=(ssoenv use '') COMP_CWORD=2
start=${{EPOCHREALTIME/[.,]/}}
for ((i = 0; i < {TIMED_TABS}; i++)); do _ssoenv; done
end=${{EPOCHREALTIME/[.,]/}}
echo "${{#COMPREPLY[@]}} $(((end - start) / {TIMED_TABS}))"
"""
FISH_TIMING = f"""
set -l start (date +%s%N)
for i in (seq {TIMED_TABS}); complete -C'ssoenv use ' >/dev/null; end
set -l end (date +%s%N)
echo (count (complete -C'ssoenv use ')) (math --scale 0 "($end - $start) / {TIMED_TABS} / 1000")
"""
# zsh: time _ssoenv inside the completion widget (matching and compadd
# included, drawing the list on the terminal not).
ZSH_TIMING_SETUP = """
PS1='' PS2='' RPS1='' PROMPT_EOL_MARK=''
unsetopt beep autolist automenu
zmodload zsh/datetime
autoload -Uz compinit && compinit -u -D
source $SSOENV_TEST_INIT
__test_complete() {
    local start=$EPOCHREALTIME
    _ssoenv "$@"
    builtin print -rn -- "::done::$(( (EPOCHREALTIME - start) * 1000000 ))::$compstate[nmatches]::"
}
compdef __test_complete ssoenv
bindkey '^I' complete-word
"""
ZSH_TIMING = f"""
zmodload zsh/zpty || exit 2
zpty z zsh -f -i
zpty -w z "source ${{(q)1}}"
zpty -w -n z 'ssoenv use '
for i in {{1..{TIMED_TABS}}}; do
    zpty -w -n z $'\\t'
    zpty -r z out '*::done::*::*::*' || exit 3
    print -r -- ${{${{out##*::done::}}%%::}}
done
zpty -d z
"""


@pytest.mark.parametrize("shell_name", ["bash", "zsh", "fish"])
def test_a_tab_completes_two_thousand_profiles_without_python(
    shell_name: str, shell_env: dict[str, str], init_scripts: dict[str, Path], tmp_path: Path
) -> None:
    require(shell_name)
    env = {**shell_env, "AWS_CONFIG_FILE": str(big_config(tmp_path / "config"))}
    if shell_name == "bash":
        argv = ["bash", "--noprofile", "--norc", "-c",
                f"source {init_scripts['bash']}\n{BASH_TIMING}"]  # fmt: skip
    elif shell_name == "fish":
        argv = ["fish", "--no-config", "-c", f"source {init_scripts['fish']}\n{FISH_TIMING}"]
    else:
        setup = tmp_path / "setup.zsh"
        setup.write_text(ZSH_TIMING_SETUP)
        env["SSOENV_TEST_INIT"] = str(init_scripts["zsh"])
        argv = ["zsh", "-f", "-c", ZSH_TIMING, "zsh", str(setup)]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    runs = [line.split() for line in lines_of(result.stdout)]
    if shell_name == "zsh":  # one line per TAB: microseconds, then the match count
        runs = [[count, us.split(".")[0]] for us, count in (r[0].split("::") for r in runs)]
    matches = {int(count) for count, _ in runs}
    per_tab_ms = sorted(int(us) for _, us in runs)[len(runs) // 2] / 1000
    print(f"{shell_name}: {per_tab_ms:.1f} ms per TAB over {max(matches)} profiles")
    assert matches == {2001}  # 2,000 profiles and default
