"""The completion files against the CLI itself: every visible command of the
typer app has its row in completions/ssoenv.bash, completions/_ssoenv,
completions/ssoenv.fish, completions/ssoenv.nu and completions/ssoenv.ps1 (one
table per file: each shell completes without Python), with the same positional argument and the same
options (those taking a value marked `=`); hidden commands (hook-env) and
commands the CLI no longer has have none. Adding a command to the CLI without
adding its row (one line per file) fails here. The awk that reads the config's
section headers is the same in the three files."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

import pytest

from tests.shell.conftest import ROOT

pytestmark = pytest.mark.shell

FILES = ("ssoenv.bash", "_ssoenv", "ssoenv.fish", "ssoenv.nu", "ssoenv.ps1")


@dataclass(frozen=True)
class Row:
    argument: str  # the first positional's name, the command's own name for a group, or -
    options: frozenset[str]
    taking_value: frozenset[str]


def typer_group() -> Any:
    import typer.main

    from ssoenv.cli import app

    return typer.main.get_command(app)


def _options(command: Any) -> list[Any]:
    return [p for p in command.params if p.param_type_name == "option" and not p.hidden]


def cli_rows() -> dict[str, Row]:
    rows = {}
    for name, command in typer_group().commands.items():
        if command.hidden:
            continue
        positionals = [p.name for p in command.params if p.param_type_name == "argument"]
        argument = name if getattr(command, "commands", None) else next(iter(positionals), "-")
        options, values = set(), set()
        for param in _options(command):
            for spelling in (*param.opts, *param.secondary_opts):
                options.add(spelling)
                if not param.is_flag:
                    values.add(spelling)
        rows[name] = Row(argument, frozenset(options), frozenset(values))
    return rows


def visible_commands() -> list[str]:
    return list(cli_rows())


def _row(argument: str, words: list[str]) -> Row:
    return Row(
        argument or "-",
        frozenset(word.rstrip("=") for word in words),
        frozenset(word.rstrip("=") for word in words if word.endswith("=")),
    )


def bash_rows(text: str) -> dict[str, Row]:
    match = re.search(r"local table='\n(.*?)\n'", text, re.DOTALL)
    assert match, "completions/ssoenv.bash: no `local table='...'` block"
    rows = {}
    for line in match.group(1).splitlines():
        if line.strip():
            name, argument, *options = line.split()
            rows[name] = _row(argument, options)
    return rows


def zsh_rows(text: str) -> dict[str, Row]:
    match = re.search(r"^table=\(\n(.*?)\n\)", text, re.DOTALL | re.MULTILINE)
    assert match, "completions/_ssoenv: no `table=(...)` block"
    rows = {}
    for line in match.group(1).splitlines():
        row = line.strip()
        if row:
            assert row.startswith("'") and row.endswith("'"), row
            name, argument, options, _description = row[1:-1].replace("'\\''", "'").split(":", 3)
            rows[name] = _row(argument, options.split())
    return rows


def fish_rows(text: str) -> dict[str, Row]:
    rows = {}
    for line in text.splitlines():
        if line.startswith("__ssoenv_command "):
            _, name, argument, _description, *options = shlex.split(line)
            rows[name] = _row(argument, options)
    assert rows, "completions/ssoenv.fish: no `__ssoenv_command` line"
    return rows


def nu_rows(text: str) -> dict[str, Row]:
    match = re.search(r"^const __SSOENV_TABLE = '\n(.*?)\n'", text, re.DOTALL | re.MULTILINE)
    assert match, "completions/ssoenv.nu: no `const __SSOENV_TABLE = '...'` block"
    return bash_rows(f"local table='\n{match.group(1)}\n'")


def pwsh_rows(text: str) -> dict[str, Row]:
    match = re.search(r"\$table = @'\n(.*?)\n'@", text, re.DOTALL)
    assert match, "completions/ssoenv.ps1: no `$table = @'...'@` block"
    return bash_rows(f"local table='\n{match.group(1)}\n'")


PARSERS = {
    "ssoenv.bash": bash_rows,
    "_ssoenv": zsh_rows,
    "ssoenv.fish": fish_rows,
    "ssoenv.nu": nu_rows,
    "ssoenv.ps1": pwsh_rows,
}


@pytest.mark.parametrize("file", FILES)
def test_every_command_and_option_is_completed(file: str) -> None:
    rows = PARSERS[file]((ROOT / "completions" / file).read_text())
    assert rows == cli_rows()


def mentions(file: str, text: str, spelling: str) -> bool:
    """Whether the file completes the option `spelling`: as written on the
    command line (a row's `--opt=` counts), or as fish's `-l name`/`-s n`."""
    written = rf"(?<![\w-]){re.escape(spelling)}(?![\w-])"
    flag = "-l" if spelling.startswith("--") else "-s"
    fish = rf"{flag} {re.escape(spelling.lstrip('-'))}(?![\w-])"
    return bool(re.search(written, text) or (file == "ssoenv.fish" and re.search(fish, text)))


@pytest.mark.parametrize("file", FILES)
def test_root_options_and_subcommands_of_groups_are_completed(file: str) -> None:
    text = (ROOT / "completions" / file).read_text()
    group = typer_group()
    help_options = group.context_settings.get("help_option_names", ["--help"])
    for spelling in [*help_options, *(o for p in _options(group) for o in p.opts)]:
        assert mentions(file, text, spelling), spelling
    for name, command in group.commands.items():
        for sub_name, sub in (getattr(command, "commands", None) or {}).items():
            assert sub_name in text, f"{name} {sub_name}"
            for param in _options(sub):
                for spelling in param.opts:
                    assert mentions(file, text, spelling), f"{name} {sub_name} {spelling}"


def test_hidden_commands_are_not_completed() -> None:
    hidden = [name for name, c in typer_group().commands.items() if c.hidden]
    assert "hook-env" in hidden
    for file in FILES:
        text = (ROOT / "completions" / file).read_text()
        for name in hidden:
            assert name not in text, f"{file} completes the hidden command {name}"


def test_zsh_knows_how_to_complete_every_option() -> None:
    """_ssoenv builds _arguments specs from its `option` table: a missing entry
    would be an empty spec."""
    text = (ROOT / "completions" / "_ssoenv").read_text()
    table = re.search(r"^option=\(\n(.*?)\n\)", text, re.DOTALL | re.MULTILINE)
    assert table
    known = {line.split()[0] for line in table.group(1).splitlines() if line.strip()}
    used = set().union(*(row.options for row in zsh_rows(text).values()))
    assert used <= known


def header_awk(text: str) -> str:
    """The awk program part that reads section headers into names, unindented."""
    match = re.search(
        r"^\s*# A header names a section.*?^\s*controls = [^\n]*$", text, re.DOTALL | re.MULTILINE
    )
    assert match, "no awk from '# A header names a section' to 'controls = ...'"
    return "\n".join(line.strip() for line in match.group(0).splitlines())


def test_the_three_files_read_headers_with_the_same_awk() -> None:
    """One reading of botocore's headers (shlex words, continuation lines,
    control characters), copied in each file: the copies stay the same."""
    # nushell and PowerShell read them with their own builtins, no awk.
    awk_files = [file for file in FILES if file not in ("ssoenv.nu", "ssoenv.ps1")]
    programs = {file: header_awk((ROOT / "completions" / file).read_text()) for file in awk_files}
    assert programs["_ssoenv"] == programs["ssoenv.bash"]
    assert programs["ssoenv.fish"] == programs["ssoenv.bash"]
