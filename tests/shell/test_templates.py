"""How the shell scripts are made, and what they may keep in the environment.

bash and zsh share one template, shell/common.sh; shell/bash.sh and
shell/zsh.sh hold only what differs, and `ssoenv init` prints the shared part
followed by the shell's own. `make shell-scripts` writes the same scripts as
plain files for packagers. Every `SSOENV_*`/`__SSOENV_*` variable that a script
or ssoenv sets is read somewhere, so no dead state builds up in users' shells."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from ssoenv.commands.init import quote_path
from tests.shell.conftest import ROOT, SSOENV, require, run_script
from tests.shell.test_init import INIT_SHELLS, expected_init

pytestmark = pytest.mark.shell

SHELL_DIR = ROOT / "shell"
# What common.sh calls and each shell's part must define (see common.sh's header).
PROVIDED_BY_EACH_SHELL = ("__ssoenv_now", "__ssoenv_apply", "__ssoenv_doctor")
# The emulate line zsh runs first in a shared function, and bash skips.
ZSH_DEFAULTS = "[[ -n ${BASH_VERSION-} ]] || \\builtin emulate -L zsh"


def init(shell: str) -> str:
    result = subprocess.run(
        [str(SSOENV), "init", shell], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout


def functions_defined(text: str) -> set[str]:
    """The names of the functions a template defines (shfmt writes `name() {`)."""
    return set(re.findall(r"^\s*(\w+)\(\) \{", text, flags=re.MULTILINE))


def filled(text: str, shell: str) -> str:
    """A template as `ssoenv init SHELL` fills it in (this checkout's ssoenv)."""
    completions = {"bash": "ssoenv.bash", "zsh": "_ssoenv"}[shell]
    return (
        text.replace("@SSOENV_EXE@", str(SSOENV))
        .replace("@SSOENV_SHELL@", shell)
        .replace("@SSOENV_COMPLETIONS@", (ROOT / "completions" / completions).read_text())
    )


def test_bash_and_zsh_print_the_shared_part_then_their_own() -> None:
    common = (SHELL_DIR / "common.sh").read_text()
    for shell in ("bash", "zsh"):
        printed = init(shell)
        own = filled((SHELL_DIR / f"{shell}.sh").read_text(), shell)
        assert printed.endswith(own)
        assert printed[: -len(own)] == filled(common, shell)
    # The only difference between the two shared parts: the name given to
    # ssoenv (`hook-env --shell NAME`, and `use`/`logout` in the function).
    assert common.count("@SSOENV_SHELL@") == common.count("--shell @SSOENV_SHELL@") == 2


def test_the_shared_code_lives_once_and_each_shell_provides_what_it_calls() -> None:
    common = (SHELL_DIR / "common.sh").read_text()
    shared = functions_defined(common)
    assert {"__ssoenv_due", "__ssoenv_hook_env", "__ssoenv_precmd", "ssoenv", "ssoenv_prompt"} <= (
        shared
    )
    for name in PROVIDED_BY_EACH_SHELL:
        assert re.search(rf"\b{name}\b", common), f"common.sh no longer calls {name}"
    for shell in ("bash", "zsh"):
        own = functions_defined((SHELL_DIR / f"{shell}.sh").read_text())
        assert set(PROVIDED_BY_EACH_SHELL) <= own, shell
        # A function in both files would be defined twice, the shell's copy winning.
        assert not shared & own, (shell, shared & own)


def test_zsh_runs_every_shared_function_with_its_own_defaults() -> None:
    """A user's `setopt ksh_arrays` or `sh_word_split` must not change the shared
    code in zsh: each function starts with the emulate line (after saving `$?`,
    where the function keeps it). `__ssoenv_is_int` only matches its argument
    against a bracket pattern, which no option changes, and runs up to three
    times a prompt: it goes without."""
    common = (SHELL_DIR / "common.sh").read_text()
    bodies = dict(re.findall(r"^(\w+)\(\) \{\n(.*?)^\}", common, flags=re.MULTILINE | re.DOTALL))
    assert bodies.keys() == functions_defined(common)  # every function was found
    for name, body in bodies.items():
        if name == "__ssoenv_is_int":
            continue
        lines = [line.strip() for line in body.splitlines()]
        if "=$?" in lines[0]:
            lines = lines[1:]
        assert lines[0] == ZSH_DEFAULTS, name


def test_make_shell_scripts_writes_what_init_prints(tmp_path: Path) -> None:
    """The packagers' files are `ssoenv init`'s output, calling `ssoenv` from PATH."""
    make = require("make")
    folder = tmp_path / "packaged"
    result = subprocess.run(
        [make, "-s", "shell-scripts", f"PYTHON={sys.executable}", f"SHELL_SCRIPTS_DIR={folder}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    written = sorted(path.name for path in folder.iterdir())
    assert written == sorted(f"ssoenv.{s}".replace(".pwsh", ".ps1") for s in INIT_SHELLS)
    for shell in INIT_SHELLS:
        printed = init(shell)
        program = quote_path(shell, str(SSOENV))
        assert program in printed
        packaged = (folder / ("ssoenv.ps1" if shell == "pwsh" else f"ssoenv.{shell}")).read_text()
        assert packaged == printed.replace(program, quote_path(shell, "ssoenv"))
        assert packaged == expected_init(shell, "ssoenv")


# The same line in bash, zsh and fish.
SOURCE_AND_USE = 'source "$SCRIPT"; ssoenv use dev 2>/dev/null; echo "profile=$SSOENV_PROFILE"'


def test_a_packaged_script_works_once_sourced(
    shell: str, logged_in: dict[str, str], tmp_path: Path
) -> None:
    """Sourced as a file (no `ssoenv init` at start-up), the script finds ssoenv
    on PATH and `ssoenv use` changes the shell."""
    from ssoenv.commands.init import write_packaged

    write_packaged(str(tmp_path))
    env = {**logged_in, "SCRIPT": str(tmp_path / f"ssoenv.{shell}")}
    result = run_script(shell, SOURCE_AND_USE, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["profile=dev"]


# --- Dead state -------------------------------------------------------------

STATE = r"(?:__)?SSOENV_[A-Z0-9_]+"
# Shell: `NAME=value` (an assignment, an export, a command's environment),
# fish's `set -gx NAME value` and PowerShell's `$Env:NAME = value` (not `$null`,
# which unsets); read as `$NAME`, `${NAME...}`, awk's ENVIRON["NAME"], or in
# PowerShell through [Environment]::GetEnvironmentVariable('NAME') or __ssoenv_int 'NAME'.
SHELL_SETS = (
    rf"(?<![\w$])({STATE})=(?!=)",
    rf"\bset\s+(?:-[gxlU]+\s+)+({STATE})\b",
    rf"\$Env:({STATE}) = (?!\$null)",
)
SHELL_READS = (
    rf"\$\{{?({STATE})\b",
    rf"ENVIRON\[\"({STATE})\"\]",
    rf"(?:GetEnvironmentVariable\(|__ssoenv_int )'({STATE})'",
)


def shell_names(text: str, patterns: Iterable[str]) -> set[str]:
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return {name for pattern in patterns for name in re.findall(pattern, code)}


class PythonState(ast.NodeVisitor):
    """In ssoenv's modules: names set by `SetVar(NAME, ...)`, and names read by
    `environ.get(NAME)`, `environ[NAME]` or `NAME in environ`. NAME is a string
    or a module constant holding one (`emit.KEY_ID_VARIABLE`)."""

    def __init__(self, constants: dict[str, str]) -> None:
        self.constants = constants
        self.sets: set[str] = set()
        self.reads: set[str] = set()

    def name_of(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            value: str | None = node.value
        elif isinstance(node, ast.Name):
            value = self.constants.get(node.id)
        elif isinstance(node, ast.Attribute):
            value = self.constants.get(node.attr)
        else:
            value = None
        return value if value and re.fullmatch(STATE, value) else None

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        name = self.name_of(node.args[0]) if node.args else None
        if name and called == "SetVar":
            self.sets.add(name)
        elif name and called == "get":
            self.reads.add(name)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        name = self.name_of(node.slice)
        if name and isinstance(node.ctx, ast.Load):
            self.reads.add(name)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        name = self.name_of(node.left)
        if name and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            self.reads.add(name)
        self.generic_visit(node)


def python_state(sources: Iterable[str]) -> PythonState:
    trees = [ast.parse(source) for source in sources]
    constants = {
        target.id: statement.value.value
        for tree in trees
        for statement in tree.body
        if isinstance(statement, ast.Assign)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
        for target in statement.targets
        if isinstance(target, ast.Name)
    }
    state = PythonState(constants)
    for tree in trees:
        state.visit(tree)
    return state


def dead_state(shell_sources: Iterable[str], python_sources: Iterable[str]) -> set[str]:
    shell_sources, python_sources = list(shell_sources), list(python_sources)
    python = python_state(python_sources)
    sets = python.sets | {n for text in shell_sources for n in shell_names(text, SHELL_SETS)}
    reads = python.reads | {n for text in shell_sources for n in shell_names(text, SHELL_READS)}
    return sets - reads


def shipped_shell_sources() -> list[str]:
    folders = (ROOT / "shell", ROOT / "completions")
    return [path.read_text() for folder in folders for path in sorted(folder.iterdir())]


def shipped_python_sources() -> list[str]:
    return [path.read_text() for path in sorted((ROOT / "ssoenv").rglob("*.py"))]


def test_every_state_variable_that_is_set_is_read_somewhere() -> None:
    assert dead_state(shipped_shell_sources(), shipped_python_sources()) == set()


def test_the_scan_sees_the_state_there_is() -> None:
    """The check above is only as good as its scan: it finds the variables that
    each kind of code sets and reads (through constants too)."""
    python = python_state(shipped_python_sources())
    assert {"__SSOENV_KEY_ID", "__SSOENV_MARKER", "SSOENV_RETRYING", "SSOENV_PROFILE"} <= (
        python.sets
    )
    assert {"__SSOENV_KEY_ID", "__SSOENV_CRED_FILE", "__SSOENV_SHELL_PID"} <= python.reads
    shell = shipped_shell_sources()
    assert {"__SSOENV_RETRY_AT", "__SSOENV_SHELL_PID", "__SSOENV_PREFIX"} <= {
        n for text in shell for n in shell_names(text, SHELL_SETS)
    }
    powershell = (ROOT / "shell" / "ssoenv.ps1").read_text()
    assert {"__SSOENV_RETRY_AT", "__SSOENV_SHELL_PID"} <= shell_names(powershell, SHELL_SETS)
    assert {"__SSOENV_REFRESH_AT", "__SSOENV_MARKER", "SSOENV_DOCTOR"} <= shell_names(
        powershell, SHELL_READS
    )
    assert {"__SSOENV_REFRESH_AT", "__SSOENV_MARKER", "__SSOENV_PREFIX"} <= {
        n for text in shell for n in shell_names(text, SHELL_READS)
    }


@pytest.mark.parametrize(
    ("shell_code", "python_code"),
    [
        # What ssoenv did until it was found: exported, never read.
        ("", 'ops = [SetVar("__SSOENV_CRED_MTIME", str(mtime))]'),
        ("", 'MTIME = "__SSOENV_CRED_MTIME"\nops = [SetVar(emit.MTIME, "1")]'),
        ("export __SSOENV_CRED_MTIME=1\n", ""),
        ("set -gx __SSOENV_CRED_MTIME 1\n", ""),
        # Unsetting or testing for a variable is not reading its value.
        ("set -q __SSOENV_CRED_MTIME\n", 'ops = [SetVar("__SSOENV_CRED_MTIME", "1")]'),
        ("# read ${__SSOENV_CRED_MTIME} here\n", 'ops = [SetVar("__SSOENV_CRED_MTIME", "1")]'),
    ],
)
def test_the_scan_finds_dead_state(shell_code: str, python_code: str) -> None:
    assert dead_state([shell_code], [python_code]) == {"__SSOENV_CRED_MTIME"}
    # ...and a single reader, in either language, brings it to life.
    assert dead_state([shell_code, 'echo "${__SSOENV_CRED_MTIME-}"'], [python_code]) == set()
    reader = 'environ.get("__SSOENV_CRED_MTIME")'
    assert dead_state([shell_code], [python_code, reader]) == set()
