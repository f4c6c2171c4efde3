"""A profile or sso-session name from the config file, completed by a real TAB
in a real interactive bash, zsh and fish (pseudo-terminal, `ssoenv init`
loaded), then run by a real Enter: the command receives exactly the name, and
nothing in the name runs. Names come from a shared or generated config, so
each one here is what an attacker would write in a section header; botocore
reads `[profile 'NAME']` as NAME (shell words), and so does the completion.

Instead of the real program, `ssoenv` is a function that records its argv
(NUL-separated), so the test sees exactly what a person's Enter passes."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest

from ssoenv.awsini import classify
from tests.shell.conftest import Interactive

pytestmark = pytest.mark.shell

# Each name is alone in its config file, so a TAB after the typed text is a
# unique completion. {S} is a sentinel path: a name that runs code creates it.
HOSTILE = [
    "pr$(touch${IFS}{S}.1)",
    "pr`touch${IFS}{S}.2`",
    "pr;touch${IFS}{S}.3",
    "pr|touch${IFS}{S}.4",
    "pr&touch${IFS}{S}.5&",
    "pr>{S}.6",
    "pr<{S}.7",
    "(touch${IFS}{S}.8)",
    "pr 'single' \"double\" back\\slash",
    "pr\\",
    "pr*?[ab]",
    "~root",
    "!!pr",
    "pr!x",
    "#pr",
    "pr{a,b}",
    "=pr",
    "-pr=x",
    "pr:a=b",
    "$HOME",
    "%pr ^x",
    "prü-日本",
]

# Text typed before the TAB, for names starting with "pr": a prefix, and an
# opening quote the completion has to continue.
TYPED = [
    ("pr$(touch${IFS}{S}.9)", "pr"),
    ("pr$(touch${IFS}{S}.10)", "'pr"),
    ("pr$(touch${IFS}{S}.11)x'y", "'pr"),
    ('pr$(touch${IFS}{S}.12)`x`!y"z\\', '"pr'),
    ("pr:a$(touch${IFS}{S}.13)", "pr:"),
    ("~root", "\\~"),
    ("~root", "'~"),
]

# PS2 shows when Enter leaves the line open (an unclosed quote): the test
# then cancels the line instead of waiting for a command that never runs.
PS2 = "@@PS2@@ "
# The command records its argv (NUL-separated) in the file ARGV.
RECORD_SH = "ssoenv() { printf '%s\\0' \"$@\" >ARGV; }\nPS2='" + PS2 + "'\n"
RECORDER = {
    "bash": RECORD_SH + "bind 'set show-all-if-ambiguous on'",
    "zsh": "autoload -Uz compinit && compinit -u -D\n" + RECORD_SH,
    "fish": "function ssoenv; printf '%s\\0' $argv >ARGV; end",
}
EXPORT = {"bash": "export {}={}", "zsh": "export {}={}", "fish": "set -gx {} {}"}


def header(kind: str, name: str) -> str:
    """A section header botocore reads as (kind, name): the name as is when
    botocore takes it so (no blank, quote or backslash), else shell-quoted."""
    text = f"{kind} {name}"
    if classify(text) != (kind, name):
        text = f"{kind} {shlex.quote(name)}"
    assert classify(text) == (kind, name)
    return f"[{text}]\n"


class Completer:
    """One interactive shell; type() presses TAB, then Enter, then reads argv."""

    def __init__(
        self, shell: str, env: dict[str, str], init: Path, interactive: Any, tmp: Path, rc: str = ""
    ) -> None:
        self.shell = shell
        self.tmp = tmp
        self.argv_file = tmp / "argv"
        self.configs = 0
        env = {**env, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        self.term: Interactive = interactive(
            shell, env, init, RECORDER[shell].replace("ARGV", str(self.argv_file)) + "\n" + rc
        )
        self.term.child.timeout = 10

    def use_config(self, text: str) -> None:
        self.configs += 1
        config = self.tmp / f"config-{self.configs}"
        config.write_text(text, encoding="utf-8")
        self.term.run(EXPORT[self.shell].format("AWS_CONFIG_FILE", config))

    def type(self, line: str) -> tuple[list[str] | None, str]:
        """Type `line`, TAB, Enter: the argv the command got (None when it
        did not run), and what the terminal showed."""
        self.argv_file.unlink(missing_ok=True)
        child = self.term.child
        child.send(line + "\t")
        child.send("\r")
        open_line = self.sync() == 1
        shown = str(child.before)
        if open_line:
            child.send("\x03")
            self.sync()
        if open_line or not self.argv_file.exists():
            return None, shown
        return self.argv_file.read_bytes().decode().split("\0")[:-1], shown

    def sync(self) -> int:
        """Wait until the shell has read what was typed: a second command
        line, read once the first has run, prints a marker (its echo does
        not hold it). 1 when a continuation prompt came instead."""
        self.term.count += 1
        self.term.child.send(f"printf ':%s:done:\\n' {self.term.count}\r")
        return int(self.term.child.expect([rf":{self.term.count}:done:", PS2]))


@pytest.fixture
def completer(
    shell: str,
    shell_env: dict[str, str],
    init_scripts: dict[str, Path],
    interactive: Any,
    tmp_path: Path,
) -> Completer:
    return Completer(shell, shell_env, init_scripts[shell], interactive, tmp_path)


def sentinels(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.glob("sentinel*"))


def test_a_completed_profile_name_is_passed_as_is_and_never_runs(
    completer: Completer, tmp_path: Path
) -> None:
    sentinel = str(tmp_path / "sentinel")
    wrong = {}
    for pattern, typed in [(name, "") for name in HOSTILE] + TYPED:
        name = pattern.replace("{S}", sentinel)
        completer.use_config(header("profile", name) + "region = eu-west-1\n")
        argv, _ = completer.type(f"ssoenv use {typed.replace('{S}', sentinel)}")
        if completer.shell == "fish" and name.startswith("~") and not typed:
            # fish would insert the ~ unquoted: offered once "\~" or "'~" is typed.
            expected = ["use"]
        else:
            expected = ["use", name]
        if argv != expected:
            wrong[f"{typed}<TAB> for {name!r}"] = argv
    assert (wrong, sentinels(tmp_path)) == ({}, [])


@pytest.mark.parametrize(
    ("kind", "line"),
    [
        ("profile", "ssoenv exec "),
        ("profile", "ssoenv credential-process "),
        ("profile", "ssoenv configure --profile "),
        ("profile", "ssoenv configure --profile="),
        ("sso-session", "ssoenv login --sso-session "),
        ("sso-session", "ssoenv logout --sso-session="),
    ],
)
def test_every_name_position_is_quoted(
    completer: Completer, tmp_path: Path, kind: str, line: str
) -> None:
    name = f"co$(touch${{IFS}}{tmp_path}/sentinel)`touch${{IFS}}{tmp_path}/sentinel2`:x=y"
    completer.use_config(header(kind, name))
    argv = line.split()[1:]
    if line.endswith("="):
        argv[-1] += name
    else:
        argv.append(name)
    got, _ = completer.type(line)
    assert (got, sentinels(tmp_path)) == (argv, [])


def test_bash_follows_the_users_comp_wordbreaks(
    shell_env: dict[str, str], init_scripts: dict[str, Path], interactive: Any, tmp_path: Path
) -> None:
    """Without ":" in COMP_WORDBREAKS (a common setting), readline replaces
    the whole word, "pr:" included."""
    completer = Completer(
        "bash", shell_env, init_scripts["bash"], interactive, tmp_path,
        rc="COMP_WORDBREAKS=${COMP_WORDBREAKS//:}",
    )  # fmt: skip
    name = f"pr:a$(touch${{IFS}}{tmp_path}/sentinel)"
    completer.use_config(header("profile", name))
    got, _ = completer.type("ssoenv use pr:")
    assert (got, sentinels(tmp_path)) == (["use", name], [])


def test_names_with_control_characters_are_not_offered(completer: Completer) -> None:
    """ESC, BEL, tab, C1 and bidi controls would reach the terminal raw in a
    list of candidates: such names are skipped, so a TAB completes the one
    clean name (with show-all-if-ambiguous, bash would list them otherwise)."""
    names = ["ok", "esc\x1b]0;pwned\x07", "tab\tx", "csi\x9b31m", "bidi\u202egpj.exe"]
    completer.use_config("".join(header("profile", name) for name in names))
    argv, shown = completer.type("ssoenv use ")
    assert argv == ["use", "ok"]
    for raw in ("\x1b]0;pwned", "\x07", "\x9b", "\u202e"):
        assert raw not in shown
