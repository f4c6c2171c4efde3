"""ssoenv.shells: every value survives the trip through each real shell byte for
byte, no value ever runs as code, unsets unset quietly, the shell is chosen as
documented, and the output of each format matches its golden file.

Real shells: bash, zsh, dash (else `bash --posix`), fish and nu. A missing one
skips its tests, unless CI is set. PowerShell cannot be installed here, so its
output is read back by a small reader of PowerShell's own string grammar.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssoenv.errors import UsageError
from ssoenv.settings import Settings
from ssoenv.shells import SHELLS, EnvOp, SetVar, Shell, UnsetVar, detect_shell, get_shell
from ssoenv.shells.base import net_effect
from ssoenv.shells.dotenv import dotenv_quote
from ssoenv.shells.fish import fish_quote
from ssoenv.shells.nu import nu_quote
from ssoenv.shells.posix import bash_quote, sh_quote
from ssoenv.shells.powershell import powershell_quote

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"

# --------------------------------------------------------------------------- values

# Fragments that have broken some shell quoter somewhere.
TRICKY = [
    *"'\"$`\\;&|#!*?~% ",  # metacharacters, one at a time
    *"\n\r\t\x1b\x7f\x01",  # control characters
    *"\u2018\u2019\u201a\u201b",  # the other single quotes PowerShell honours
    *"\u2028\x85\xa0é€😀\ufeff\u202e",  # separators, BOM, right-to-left override
    *"\uf600\ufdd0",  # in the code point ranges fish uses internally
    *["!!", "[a]", "{a,b}", "~root", "=ls", ":=ls", "%1", "-e", "-n", "--", "  ", "\r\n"],
    *["$(id)", "${HOME}", "$HOME", "[char]0x41", "export X=1"],
    *[r"\x41", r"\n", r"\'", r"'\''", r"\\", r"\u{41}"],  # other quoting schemes' escapes
]
_chars = st.characters(codec="utf-8", exclude_characters="\x00")  # no NUL, no surrogates
VALUES = st.one_of(
    st.text(_chars, max_size=30),
    st.lists(st.one_of(st.sampled_from(TRICKY), st.text(_chars, max_size=4)), max_size=12).map(
        "".join
    ),
    # Long values: a few KiB, well under Linux's 128 KiB limit per variable.
    st.builds(lambda s, n: s * n, st.text(_chars, min_size=1, max_size=10), st.integers(50, 400)),
)
VALUE_LISTS = st.lists(VALUES, min_size=1, max_size=16)

SAMPLE_VALUES = [
    "",
    "plain",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY+z",
    "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==",
    'it\'s "$(id)" `date` ${HOME};\n\tnext \u2018q\u2019 \u00fc \u20ac',
    "".join(TRICKY),
    "ends in a backslash \\",
    "=ls",  # zsh would expand these two to a command path if they were bare
    "a:=ls:~/x",
    "~",
    "%1",
    "-e",
    "--",
    "-\x1f",  # not printable ASCII and starts with `-`: dash's printf took it for an option
    "-\u00e9",
    "\\",
    "'",
    "\n",
    "x" * 50_000,
]


def names(count: int) -> list[str]:
    return [f"SSOENV_T{i}" for i in range(count)]


def set_ops(values: Sequence[str]) -> list[EnvOp]:
    return [SetVar(name, value) for name, value in zip(names(len(values)), values, strict=True)]


def statements(shell: Shell, ops: Sequence[EnvOp]) -> str:
    """The line-by-line output, for formats whose `render` writes a record."""
    return "".join(
        shell.set(op.name, op.value) if isinstance(op, SetVar) else shell.unset(op.name)
        for op in ops
    )


# --------------------------------------------------------------------------- real shells


def _require(path: str | None, what: str) -> str:
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not installed, and CI is set")
    pytest.skip(f"{what} is not installed")


def find_nu() -> str | None:
    """`nu` on PATH, else the binary `npm install --prefix .ci/node nushell` unpacks."""
    found = shutil.which("nu")
    if found:
        return found
    # The native binary first: .bin/nu is a node launcher that costs ~50 ms a run.
    native = sorted((ROOT / ".ci/node/node_modules/@nushell").glob("*/bin/nu"))
    launcher = ROOT / ".ci/node/node_modules/.bin/nu"
    for candidate in [*native, launcher]:
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


# Each runner reads the rendered text on stdin and ends by exec'ing `env -0`, so
# what is checked is what a child process of the user's shell really receives.
_POSIX_EVAL = 'eval "$(cat)" || exit 97; exec env -0'
_FISH_FLAGS = ("--no-config", "--private")
_FISH_SOURCE = "source; or exit 97; exec env -0"
_FISH_EVAL = "eval (cat); or exit 97; exec env -0"
_NU_LOAD = "$in | from json | load-env; ^env -0"


@dataclass(frozen=True)
class Runner:
    id: str
    shell: str  # key in SHELLS
    binary: Callable[[], str]  # skips (or fails under CI) when the shell is missing
    args: tuple[str, ...]
    code: bool = False  # nu only: feed the set/unset statements, not the JSON record

    def argv(self) -> list[str]:
        binary = self.binary()
        args = self.args
        if args[0] == "--posix" and os.path.basename(binary) != "bash":
            args = args[1:]
        return [binary, *args]

    def text(self, ops: Sequence[EnvOp]) -> str:
        shell = SHELLS[self.shell]
        return statements(shell, ops) if self.code else shell.render(ops)


def _which(name: str) -> Callable[[], str]:
    return lambda: _require(shutil.which(name), name)


def _sh() -> str:
    # dash is the strictest common POSIX sh; bash --posix when it is missing.
    return shutil.which("dash") or _require(shutil.which("bash"), "bash")


RUNNERS = [
    Runner("bash", "bash", _which("bash"), ("--noprofile", "--norc", "-c", _POSIX_EVAL)),
    Runner("zsh", "zsh", _which("zsh"), ("-f", "-c", _POSIX_EVAL)),
    Runner("sh", "sh", _sh, ("--posix", "-c", _POSIX_EVAL)),
    Runner("fish-source", "fish", _which("fish"), (*_FISH_FLAGS, "-c", _FISH_SOURCE)),
    # `eval (ssoenv use dev)`: fish splits the output at newlines and eval
    # joins the pieces with spaces.
    Runner("fish-eval", "fish", _which("fish"), (*_FISH_FLAGS, "-c", _FISH_EVAL)),
    Runner("nu-json", "nu", lambda: _require(find_nu(), "nu"), ("-n", "--stdin", "-c", _NU_LOAD)),
    Runner("nu-code", "nu", lambda: _require(find_nu(), "nu"), ("-n",), code=True),
]
REAL_SHELL_PARAMS = [pytest.param(r, id=r.id, marks=pytest.mark.shell) for r in RUNNERS]


@dataclass(frozen=True)
class Result:
    environ: dict[bytes, bytes]
    stderr: bytes


def run(
    runner: Runner,
    ops: Sequence[EnvOp],
    *,
    extra_env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Result:
    """Apply `ops` in a fresh `runner` shell; return the environment its child sees."""
    text = runner.text(ops)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ["HOME"],
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "dumb",
        **(extra_env or {}),
    }
    argv = runner.argv()
    with tempfile.TemporaryDirectory() as scratch:
        stdin = text.encode()
        if runner.code:  # nu cannot eval text: run it as a script file
            script = Path(scratch) / "ops.nu"
            script.write_bytes(stdin + b"^env -0\n")
            argv, stdin = [*argv, str(script)], b""
        proc = subprocess.run(
            argv,
            input=stdin,
            capture_output=True,
            env=env,
            cwd=cwd or scratch,
            timeout=60,
            check=False,
        )
    assert proc.returncode == 0, (proc.returncode, proc.stderr.decode(errors="replace"), text)
    environ = dict(entry.partition(b"=")[::2] for entry in proc.stdout.split(b"\0") if entry)
    return Result(environ, proc.stderr)


def assert_round_trip(runner: Runner, values: Sequence[str]) -> None:
    result = run(runner, set_ops(values))
    assert result.stderr == b""
    for name, value in zip(names(len(values)), values, strict=True):
        assert result.environ.get(name.encode()) == value.encode(), (name, value)


@pytest.mark.parametrize("runner", REAL_SHELL_PARAMS)
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(values=VALUE_LISTS)
def test_values_round_trip_through_the_real_shell(runner: Runner, values: list[str]) -> None:
    assert_round_trip(runner, values)


@pytest.mark.parametrize("runner", REAL_SHELL_PARAMS)
def test_sample_values_round_trip(runner: Runner) -> None:
    assert_round_trip(runner, SAMPLE_VALUES)


@pytest.mark.parametrize("runner", REAL_SHELL_PARAMS)
def test_malicious_values_stay_data(runner: Runner, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    pwned = work / "pwned"
    attacks = [
        f"$(touch {pwned})",
        f"`touch {pwned}`",
        f"'; touch {pwned}; '",
        f'"; touch {pwned}; "',
        f"\ntouch {pwned}\n",
        f"'\ntouch {pwned}\n'",
        f"x'; touch {pwned}; echo '",
        f"\\'; touch {pwned}; '",
        f"'\"; touch {pwned} #",
        f'"; ^touch {pwned}; "',  # nu
        f"'\\x27; touch {pwned}; echo \\x27'",
        f"{{a,b}}; touch {pwned}",
        f"\r\ntouch {pwned}\r\n",
        f"\x1b]0;x\x07; touch {pwned}",
    ]
    # Run in the empty `work`: a relative `touch` would land there too.
    result = run(runner, set_ops(attacks), cwd=work)
    assert not pwned.exists()
    assert list(work.iterdir()) == []
    for name, value in zip(names(len(attacks)), attacks, strict=True):
        assert result.environ[name.encode()] == value.encode()


@pytest.mark.parametrize("runner", REAL_SHELL_PARAMS)
def test_unset_removes_the_variable_quietly(runner: Runner) -> None:
    # A variable that exists, one set and then unset, and one that never existed
    # (last, so its status is the script's status).
    ops: list[EnvOp] = [
        UnsetVar("SSOENV_GONE"),
        SetVar("SSOENV_BRIEF", "x"),
        UnsetVar("SSOENV_BRIEF"),
        SetVar("SSOENV_KEPT", "kept"),
        UnsetVar("SSOENV_NEVER_SET"),
    ]
    result = run(runner, ops, extra_env={"SSOENV_GONE": "1", "SSOENV_OTHER": "2"})
    assert result.stderr == b""
    assert b"SSOENV_GONE" not in result.environ
    assert b"SSOENV_BRIEF" not in result.environ
    assert b"SSOENV_NEVER_SET" not in result.environ
    assert result.environ[b"SSOENV_KEPT"] == b"kept"
    assert result.environ[b"SSOENV_OTHER"] == b"2"


@pytest.mark.shell
def test_fish_unset_leaves_a_universal_variable_alone() -> None:
    fish = _require(shutil.which("fish"), "fish")
    text = SHELLS["fish"].render([SetVar("SSOENV_U", "global"), UnsetVar("SSOENV_U")])
    script = "set -U SSOENV_U saved; source; or exit 97; printf '%s' $SSOENV_U"
    # Without --no-config, which turns universal variables into globals; the
    # isolated_env fixture gives fish an empty XDG_CONFIG_HOME to keep them in.
    proc = subprocess.run(
        [fish, "-c", script], input=text.encode(), capture_output=True, timeout=60, check=False
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"saved", b"")


@pytest.mark.shell
@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_ansi_c_quoting_in_the_c_locale(shell: str) -> None:
    """$'...' must not depend on a UTF-8 locale: bytes above 0x7f pass through."""
    binary = _require(shutil.which(shell), shell)
    values = ["é€😀\n'", "\x1b\\x41\u2028", "\u00ff\x7f"]
    text = SHELLS[shell].render(set_ops(values))
    proc = subprocess.run(
        [binary, "-c", _POSIX_EVAL],
        input=text.encode(),
        capture_output=True,
        env={"PATH": os.environ["PATH"], "LC_ALL": "C"},
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (0, b"")
    environ = dict(e.partition(b"=")[::2] for e in proc.stdout.split(b"\0") if e)
    for name, value in zip(names(len(values)), values, strict=True):
        assert environ[name.encode()] == value.encode()


# --------------------------------------------------------------------------- one line each


def env_writable(value: str) -> bool:
    """Whether the env format writes `value` (see ssoenv/shells/dotenv.py)."""
    return not re.search(r"['\\$\x00-\x1f\x7f-\x9f]", value)


@pytest.mark.slow  # Hypothesis, 7 formats: ~5 s, a sixth of the edit-test loop
@given(values=VALUE_LISTS)
@pytest.mark.parametrize("shell", ["bash", "zsh", "sh", "fish", "powershell", "nu", "env"])
def test_one_ascii_statement_per_line(shell: str, values: list[str]) -> None:
    """Every shell format is printable ASCII, one statement a line, whatever the values."""
    if shell == "env":  # the env format refuses what it cannot write (tested below)
        values = [v for v in values if env_writable(v)]
    ops = [*set_ops(values), UnsetVar("SSOENV_GONE")]
    expected = len(values) + (0 if shell == "env" else 1)
    for text, count in [
        (statements(SHELLS[shell], ops), expected),
        (SHELLS[shell].render(ops), 1 if shell == "nu" else expected),  # nu: one record
    ]:
        lines = text.split("\n")
        assert len(lines) == count + 1 and lines[-1] == ""
        if shell != "env":  # env keeps text above U+007E as UTF-8 (see dotenv.py)
            assert re.fullmatch(r"[\x20-\x7e\n]*", text), text
        assert "\r" not in text


# --------------------------------------------------------------------------- unit: quoters


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "''"),
        ("abc-DEF_1.2/3+4@5:6,7", "abc-DEF_1.2/3+4@5:6,7"),
        ("a=b", "'a=b'"),  # zsh: `=cmd` expands at a word start and after `:`
        ("%1", "'%1'"),
        ("a b", "'a b'"),
        ("$(id) `id` ${x} ~ *", "'$(id) `id` ${x} ~ *'"),
        ("it's", r"$'it\'s'"),
        ("a\nb", r"$'a\nb'"),
        ("\t\r", r"$'\t\r'"),
        ("\x1bA", r"$'\x1bA'"),  # exactly two hex digits, even before a hex letter
        ("\x7f", r"$'\x7f'"),
        ("back\\slash", "'back\\slash'"),
        ("back\\slash'", r"$'back\\slash\''"),
        # Above U+007F: the UTF-8 bytes, escaped, so that the output is ASCII.
        ("é€😀", r"$'\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80'"),
        ("é\n", r"$'\xc3\xa9\n'"),
        ("中'; touch x; 中'", r"$'\xe4\xb8\xad\'; touch x; \xe4\xb8\xad\''"),
        ("\x85\xa0", r"$'\xc2\x85\xc2\xa0'"),
    ],
)
def test_bash_quote(value: str, expected: str) -> None:
    assert bash_quote(value) == expected
    assert SHELLS["zsh"].quote(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "''"),
        ("plain/+=", "'plain/+='"),
        ("plain/+", "plain/+"),
        ("it's", "'it'\\''s'"),
        ("$(id)\\", "'$(id)\\'"),
        # Not printable ASCII: the shell's printf makes the bytes from octal escapes.
        ("a\nb", '"$(\\command printf ' + r"'a\012b'" + ')"'),
        ("é'%\\1", '"$(\\command printf ' + r"'\303\251\047%%\\1'" + ')"'),
        # Command substitution drops trailing newlines: they follow, quoted.
        ("\x1b5\n\n", '"$(\\command printf ' + r"'\0335'" + ")\"'\n\n'"),
    ],
)
def test_sh_quote(value: str, expected: str) -> None:
    assert sh_quote(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("x y", "export A='x y'\n"),
        ("é\n", r"A=$(\command printf '\303\251\012_'); export A=" + '"${A%_}"\n'),
    ],
)
def test_sh_set(value: str, expected: str) -> None:
    assert SHELLS["sh"].set("A", value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "''"),
        ("plain", "'plain'"),
        ("it's", r"'it\'s'"),
        ("back\\slash", r"'back\\slash'"),
        ("a\nb", r"'a'\n'b'"),
        ("\n", r"\n"),
        ("\x1b[0m\t", r"\x1b'[0m'\t"),
        ("$x (y) {a,b} *", "'$x (y) {a,b} *'"),
        ("é€", r"\Xc3\Xa9\Xe2\X82\Xac"),
        ("中'; touch x; 中'", r"\Xe4\Xb8\Xad'\'; touch x; '\Xe4\Xb8\Xad'\''"),
    ],
)
def test_fish_quote(value: str, expected: str) -> None:
    assert fish_quote(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "''"),
        ("plain", "'plain'"),
        ("it's", "'it''s'"),
        ("\u2018q\u2019", "('' + [char]0x2018 + 'q' + [char]0x2019)"),
        ("é😀x", "('' + [char]0xE9 + [char]0xD83D + [char]0xDE00 + 'x')"),
        ('$x `n "', "'$x `n \"'"),
        ("a\nb", "('a' + [char]0x0A + 'b')"),
        ("\n", "('' + [char]0x0A)"),
        ("\r\n'", "('' + [char]0x0D + [char]0x0A + '''')"),
    ],
)
def test_powershell_quote(value: str, expected: str) -> None:
    assert powershell_quote(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", '""'),
        ("plain", '"plain"'),
        ('say "hi" \\o/', '"say \\"hi\\" \\\\o/"'),
        ("$x (y)", '"$x (y)"'),
        ("a\nb\t\x1b", '"a\\nb\\t\\u{1b}"'),
        ("é😀\x7f", '"\\u{e9}\\u{1f600}\\u{7f}"'),
    ],
)
def test_nu_quote(value: str, expected: str) -> None:
    assert nu_quote(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ""),
        ("abc+/=", "abc+/="),
        ("a b #c", "'a b #c'"),
        ('q"`x` (y) *', "'q\"`x` (y) *'"),
        ("é€😀", "'é€😀'"),
    ],
)
def test_dotenv_quote(value: str, expected: str) -> None:
    assert dotenv_quote(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("it's", "a single quote"),
        ("back\\slash", "a backslash"),
        ("${HOME}", "a dollar sign"),
        ("$(id)", "a dollar sign"),
        ("a\nb", "a control character"),
        ("a\rb", "a control character"),
        ("\x7f", "a control character"),
        ("\x9b", "a control character"),  # C1 CSI
    ],
)
def test_dotenv_refuses_what_a_reader_would_misread(value: str, reason: str) -> None:
    with pytest.raises(
        UsageError, match=f"^cannot write this value in env format: it holds {reason}"
    ):
        dotenv_quote(value)
    with pytest.raises(UsageError) as info:
        SHELLS["env"].render([SetVar("AWS_SESSION_TOKEN", f"x{value}x")])
    message = str(info.value)
    assert message.startswith(
        f"cannot write AWS_SESSION_TOKEN in env format: its value holds {reason}"
    )
    assert f"x{value}x" not in message  # a value may be a secret: never shown
    assert "\n" not in message
    assert info.value.hint is not None and "--shell sh" in info.value.hint


@pytest.mark.parametrize("shell", list(SHELLS))
@pytest.mark.parametrize("value", ["a\0b", "\0", "bad \udc80 byte"])
def test_values_that_no_environment_can_hold_are_refused(shell: str, value: str) -> None:
    refused = r"cannot contain NUL|must be valid Unicode"
    with pytest.raises(ValueError, match=refused):
        SHELLS[shell].quote(value)
    with pytest.raises(ValueError, match=refused):
        SHELLS[shell].set("SSOENV_T", value)
    with pytest.raises(ValueError, match=refused):
        SHELLS[shell].render([SetVar("SSOENV_T", value)])


@pytest.mark.parametrize("shell", list(SHELLS))
@pytest.mark.parametrize("name", ["", "1A", "A-B", "A B", "A=B", "A\n", "Ä", "A;B", "$(id)", "A.B"])
def test_invalid_names_are_refused(shell: str, name: str) -> None:
    with pytest.raises(ValueError, match="invalid environment variable name"):
        SHELLS[shell].set(name, "v")
    with pytest.raises(ValueError, match="invalid environment variable name"):
        SHELLS[shell].unset(name)
    with pytest.raises(ValueError, match="invalid environment variable name"):
        SHELLS[shell].render([UnsetVar(name)])


def test_registry() -> None:
    assert list(SHELLS) == ["bash", "zsh", "sh", "fish", "powershell", "nu", "env"]
    assert all(shell.name == key for key, shell in SHELLS.items())


def test_statement_shapes() -> None:
    assert SHELLS["bash"].set("A", "1") == "export A=1\n"
    assert SHELLS["bash"].unset("A") == "unset A\n"
    assert SHELLS["sh"].set("A", "x y") == "export A='x y'\n"
    assert SHELLS["fish"].set("A", "1") == "set -gx A '1';\n"
    assert SHELLS["fish"].unset("A") == "if set -q -g A; set -e -g A; end;\n"
    assert SHELLS["powershell"].set("A", "1") == "$Env:A = '1'\n"
    assert SHELLS["powershell"].unset("A") == "$Env:A = $null\n"
    assert SHELLS["nu"].set("A", "1") == '$env.A = "1"\n'
    assert SHELLS["nu"].unset("A") == "hide-env -i A\n"
    assert SHELLS["env"].set("A", "1") == "A=1\n"
    assert SHELLS["env"].unset("A") == ""


def test_record_formats_keep_the_last_state() -> None:
    ops: list[EnvOp] = [
        SetVar("A", "1"),
        UnsetVar("B"),
        UnsetVar("A"),
        SetVar("B", "2"),
        SetVar("C", "3"),
        UnsetVar("D"),
    ]
    assert SHELLS["nu"].render(ops) == '{"A": null, "B": "2", "C": "3", "D": null}\n'
    assert SHELLS["env"].render(ops) == "B=2\nC=3\n"
    assert SHELLS["nu"].render([]) == "{}\n"
    assert SHELLS["env"].render([]) == ""


# --------------------------------------------------------------------------- PowerShell


PS_QUOTES = "'\u2018\u2019\u201a\u201b"
_PS_CHAR = re.compile(r"\[char\]0x([0-9A-F]{2,4})")
_PS_SET = re.compile(r"\$Env:([A-Za-z_][A-Za-z0-9_]*) = ")
_PS_UNSET = re.compile(r"\$Env:([A-Za-z_][A-Za-z0-9_]*) = \$null")


def ps_verbatim(src: str, i: int) -> tuple[str, int]:
    """Read a verbatim string at src[i] as PowerShell's tokenizer does: any of five
    quote characters opens and closes it, and inside it a pair of them stands for
    the second one."""
    assert src[i] in PS_QUOTES, src[i:]
    out, i = [], i + 1
    while True:
        if i >= len(src):
            raise AssertionError(f"unterminated string in {src!r}")
        if src[i] in PS_QUOTES:
            if i + 1 < len(src) and src[i + 1] in PS_QUOTES:
                out.append(src[i + 1])
                i += 2
                continue
            return "".join(out), i + 1
        out.append(src[i])
        i += 1


def ps_expression(src: str, i: int) -> tuple[str, int]:
    """A verbatim string, or `(term + term ...)` of verbatim strings and
    [char]0xNNNN (UTF-16 code units, which the sum joins), whose first term is
    a string."""
    if src[i] != "(":
        return ps_verbatim(src, i)
    parts: list[str] = []
    i += 1
    while True:
        match = _PS_CHAR.match(src, i)
        if match and parts:
            parts.append(chr(int(match.group(1), 16)))
            i = match.end()
        else:
            text, i = ps_verbatim(src, i)
            parts.append(text)
        if src.startswith(" + ", i):
            i += 3
        elif src.startswith(")", i):
            # A character above U+FFFF is two [char]s, a surrogate pair.
            units = "".join(parts).encode("utf-16-le", "surrogatepass")
            return units.decode("utf-16-le"), i + 1
        else:
            raise AssertionError(f"unexpected {src[i:]!r}")


def ps_apply(script: str) -> dict[str, str | None]:
    """Run `script` as far as environment variables go; None means removed."""
    env: dict[str, str | None] = {}
    lines = script.split("\n")
    assert lines[-1] == ""
    for line in lines[:-1]:
        assert "\r" not in line  # Invoke-Expression may get the output one line at a time
        if match := _PS_UNSET.fullmatch(line):
            env[match.group(1)] = None
        elif match := _PS_SET.match(line):
            value, end = ps_expression(line, match.end())
            assert end == len(line), f"trailing text after the value: {line[end:]!r}"
            env[match.group(1)] = value
        else:
            raise AssertionError(f"not a statement ssoenv writes: {line!r}")
    return env


@pytest.mark.slow  # 300 examples
@settings(max_examples=300)
@given(values=VALUE_LISTS)
def test_powershell_round_trip(values: list[str]) -> None:
    ops = [*set_ops(values), UnsetVar("SSOENV_GONE")]
    assert ps_apply(SHELLS["powershell"].render(ops)) == net_effect(ops)


def test_powershell_reader_knows_the_quote_variants() -> None:
    # The reader must not be laxer than PowerShell: a lone U+2019 ends a string.
    assert ps_verbatim("'it\u2019s'", 0) == ("it", 4)
    assert ps_verbatim("'it\u2019\u2019s'", 0) == ("it\u2019s", 7)
    assert ps_verbatim("\u2018a'", 0) == ("a", 3)


# --------------------------------------------------------------------------- dotenv

# Go's unicode.IsSpace, and compose-go's narrower isSpace (no line breaks).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(
    chr(c) for c in range(0x2000, 0x200B)
)
_COMPOSE_SPACE = "\t\v\f\r \x85\xa0"


def compose_env_file(text: str) -> dict[str, str]:
    """Read `text` as docker compose reads an `env_file:`: a line-for-line port of
    `parse`, `locateKeyName` and `extractVarValue` in compose-go's
    dotenv/parser.go (v2, 2025), for what ssoenv writes. docker compose cannot
    be installed here. Not ported, and refused instead of guessed: variable
    expansion (`$` outside single quotes) and double-quoted values."""
    out: dict[str, str] = {}
    src = text.removeprefix("\ufeff")
    while True:
        # getStatementStart: skip white space and comment lines.
        src = src.lstrip(_GO_SPACE)
        if not src:
            return out
        if src[0] == "#":
            src = src[src.index("\n") :] if "\n" in src else ""
            continue
        # locateKeyName
        if re.match(r"export\s+", src):
            src = src.removeprefix("export").lstrip(_COMPOSE_SPACE)
        match = re.match(r"[^=:\n]*", src)
        assert match is not None
        key = match.group(0)
        assert re.fullmatch(r"[\w.\-\[\] \t\v\f\r\x85\xa0]*", key), f"compose refuses {key!r}"
        assert src[match.end() : match.end() + 1] != "\n", "an inherited variable"
        key = key.rstrip(_GO_SPACE)
        assert " " not in key, "compose: key cannot contain a space"
        src = src[match.end() + 1 :].lstrip(_COMPOSE_SPACE)
        # extractVarValue
        if src[:1] not in ("'", '"'):
            value, _, src = src.partition("\n")
            value = value.partition(" #")[0].rstrip(_GO_SPACE)
            assert "$" not in value, "compose would expand variables here"
            out[key] = value
            continue
        assert src[0] == "'", "double quotes: not ported (ssoenv does not write them)"
        out[key], src = _compose_single_quoted(src)


def _compose_single_quoted(src: str) -> tuple[str, str]:
    """The quoted-value loop of compose-go's extractVarValue, for `'`: a `\\`
    before the quote escapes it, any other `\\` is kept; (value, rest)."""
    chars: list[str] = []
    escaped = False
    for i in range(1, len(src)):
        char = src[i]
        if char != "'":
            if not escaped and char == "\\":
                escaped = True
                continue
            if escaped:
                escaped = False
                chars.append("\\")
            chars.append(char)
            continue
        if escaped:  # \' does not end the value
            escaped = False
            chars.append(char)
            continue
        return "".join(chars), src[i + 1 :]
    raise AssertionError(f"compose: unterminated quoted value {src!r}")


def test_the_compose_reader_reads_as_compose_does() -> None:
    """Cases from compose-go's own parser tests and the code above."""
    text = (
        "# comment\nA=plain # comment\nexport B='x y'\n  C = 'a\\'b'\nD='a\\\\b'\nE=\n"
        "F='multi\nline'\n"
    )
    assert compose_env_file(text) == {
        "A": "plain",
        "B": "x y",
        "C": "a'b",  # \' is an escaped quote
        "D": "a\\\\b",  # \\ stays two backslashes
        "E": "",
        "F": "multi\nline",
    }
    with pytest.raises(AssertionError, match="unterminated"):
        compose_env_file("A='ends in a backslash\\'\n")


def posix_sh_env_file(text: str) -> dict[str, str]:
    """`set -a; . ./.env` in dash (or bash --posix): the environment it exports."""
    sh = _sh()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / ".env"
        path.write_bytes(text.encode())
        argv = [sh, "-c", "set -a; . ./.env || exit 97; exec env -0"]
        if os.path.basename(sh) == "bash":
            argv.insert(1, "--posix")
        # Nothing but PATH: what the file sets is all that differs.
        proc = subprocess.run(
            argv,
            cwd=scratch,
            env={"PATH": os.environ["PATH"], "LC_ALL": "C"},
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert (proc.returncode, proc.stderr) == (0, b""), (proc.stderr, text)
        assert [p.name for p in Path(scratch).iterdir()] == [".env"], "something ran"
    pairs = (entry.partition(b"=") for entry in proc.stdout.split(b"\0") if entry)
    environ = {k.decode(): v.decode() for k, _, v in pairs}
    # The names the file sets (not the shell's own PWD, SHLVL, ...).
    return {k: environ[k] for k in re.findall(r"^(\w+)=", text, re.MULTILINE) if k in environ}


def env_readers() -> list[Callable[[str], dict[str, str]]]:
    dotenv = pytest.importorskip("dotenv", reason="python-dotenv is not installed")

    def python_dotenv(interpolate: bool) -> Callable[[str], dict[str, str]]:
        def read(text: str) -> dict[str, str]:
            with tempfile.TemporaryDirectory() as scratch:
                path = Path(scratch) / ".env"
                path.write_bytes(text.encode())  # read back as python-dotenv reads a file
                values = dotenv.dotenv_values(path, interpolate=interpolate)
            return {k: v for k, v in values.items() if v is not None}

        return read

    return [python_dotenv(False), python_dotenv(True), compose_env_file, posix_sh_env_file]


@pytest.mark.shell
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=VALUE_LISTS)
def test_env_format_reads_back_alike_in_all_three_readers_or_is_refused(
    values: list[str],
) -> None:
    """python-dotenv (with and without interpolation), docker compose's parser
    and a POSIX shell sourcing the file read back every value ssoenv writes; a
    value it refuses is one that some reader would misread."""
    ops: list[EnvOp] = [*set_ops(values), UnsetVar("SSOENV_GONE")]
    writable = [op for op in ops if not isinstance(op, SetVar) or env_writable(op.value)]
    for op in ops:
        if op not in writable:
            with pytest.raises(UsageError, match="cannot write SSOENV_T"):
                SHELLS["env"].render([op])
    text = SHELLS["env"].render(writable)
    expected = {k: v for k, v in net_effect(writable).items() if v is not None}
    for read in env_readers():
        assert read(text) == expected, read


@pytest.mark.shell
def test_env_format_refusals_are_misread_by_some_reader() -> None:
    """What the env format refuses really is misread by a reader when it is
    written in single quotes: the refusals are needed, not only cautious."""
    dotenv = pytest.importorskip("dotenv", reason="python-dotenv is not installed")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / ".env"
        path.write_text("SSOENV_A='a\\\\b'\nSSOENV_B='${PATH}'\n")
        assert dotenv.dotenv_values(path)["SSOENV_A"] == "a\\b"  # \\ decoded
        assert dotenv.dotenv_values(path)["SSOENV_B"] != "${PATH}"  # expanded
    with pytest.raises(AssertionError, match="unterminated"):
        compose_env_file("SSOENV_A='ends in \\'\n")
    assert posix_sh_env_file("SSOENV_A='a\\'\n") == {"SSOENV_A": "a\\"}  # the shell keeps it


# --------------------------------------------------------------------------- detect_shell


def test_get_shell_unknown() -> None:
    with pytest.raises(UsageError, match="unknown shell 'tcsh'") as info:
        get_shell("tcsh")
    assert info.value.hint == "choose one of: bash, zsh, sh, fish, powershell, nu, env, json"


@pytest.fixture
def no_shellingham(monkeypatch: pytest.MonkeyPatch) -> None:
    import shellingham

    def fail() -> tuple[str, str]:
        raise shellingham.ShellDetectionFailure()

    monkeypatch.setattr(shellingham, "detect_shell", fail)


@pytest.fixture
def shellingham_says(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    import shellingham

    def say(name: str) -> None:
        monkeypatch.setattr(shellingham, "detect_shell", lambda: (name, f"/usr/bin/{name}"))

    return say


def env(variables: dict[str, str]) -> Settings:
    """The settings of an environment holding only `variables`."""
    return Settings.from_environ(variables)


def test_explicit_flag_wins(shellingham_says: Callable[[str], None]) -> None:
    shellingham_says("zsh")
    environ = {"SSOENV_SHELL": "fish", "SHELL": "/bin/bash"}
    assert detect_shell("nu", env(environ)).name == "nu"
    assert detect_shell("pwsh", env(environ)).name == "powershell"
    assert detect_shell("env", env(environ)).name == "env"


def test_ssoenv_shell_beats_detection(shellingham_says: Callable[[str], None]) -> None:
    shellingham_says("zsh")
    assert detect_shell(None, env({"SSOENV_SHELL": "fish", "SHELL": "/bin/bash"})).name == "fish"
    assert detect_shell(None, env({"SSOENV_SHELL": "dash"})).name == "sh"


def test_unknown_explicit_or_configured_shell() -> None:
    with pytest.raises(UsageError, match="unknown shell 'csh'"):
        detect_shell("csh", env({}))
    with pytest.raises(UsageError, match="unknown shell 'xonsh'"):
        detect_shell(None, env({"SSOENV_SHELL": "xonsh"}))


@pytest.mark.parametrize(
    ("detected", "expected"),
    [
        ("bash", "bash"),
        ("zsh", "zsh"),
        ("fish", "fish"),
        ("dash", "sh"),
        ("ksh", "sh"),
        ("mksh", "sh"),
        ("ash", "sh"),
        ("busybox", "sh"),
        ("sh", "sh"),
        ("pwsh", "powershell"),
        ("powershell", "powershell"),
        ("nu", "nu"),
    ],
)
def test_shellingham_beats_shell_variable(
    shellingham_says: Callable[[str], None], detected: str, expected: str
) -> None:
    shellingham_says(detected)
    assert detect_shell(None, env({"SHELL": "/bin/tcsh"})).name == expected


def test_shellingham_finds_an_unsupported_shell(shellingham_says: Callable[[str], None]) -> None:
    shellingham_says("tcsh")
    with pytest.raises(UsageError, match="'tcsh', which ssoenv does not support") as info:
        detect_shell(None, env({"SHELL": "/bin/bash"}))
    assert info.value.hint is not None and "--shell" in info.value.hint


@pytest.mark.usefixtures("no_shellingham")
@pytest.mark.parametrize(
    ("shell_var", "expected"),
    [
        ("/bin/bash", "bash"),
        ("/usr/local/bin/fish", "fish"),
        ("/usr/bin/zsh", "zsh"),
        ("/bin/dash", "sh"),
        ("/opt/microsoft/powershell/7/pwsh", "powershell"),
        ("-zsh", "zsh"),
    ],
)
def test_shell_variable_fallback(shell_var: str, expected: str) -> None:
    assert detect_shell(None, env({"SHELL": shell_var})).name == expected


@pytest.mark.usefixtures("no_shellingham")
def test_nothing_found() -> None:
    for environ in ({}, {"SHELL": ""}, {"SSOENV_SHELL": "", "SHELL": " "}):
        with pytest.raises(UsageError, match="cannot tell which shell") as info:
            detect_shell(None, env(environ))
        assert info.value.hint is not None and "--shell" in info.value.hint
    with pytest.raises(UsageError, match="'tcsh', which ssoenv does not support"):
        detect_shell(None, env({"SHELL": "/bin/tcsh"}))


def test_shellingham_is_not_imported_with_the_module() -> None:
    code = "import sys, ssoenv.shells; assert 'shellingham' not in sys.modules, 'imported'"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr


# --------------------------------------------------------------------------- golden files

GOLDEN_OPS: list[EnvOp] = [
    SetVar("AWS_ACCESS_KEY_ID", "ASIAEXAMPLEEXAMPLE01"),
    SetVar("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY+z"),
    SetVar("AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ=="),
    SetVar("AWS_REGION", "eu-west-1"),
    SetVar("SSOENV_PROFILE", "dev"),
    SetVar("SSOENV_EXPIRES", "1767225600"),
    SetVar("SSOENV_NOTE", 'it\'s "$(id)" `date` ${HOME};\n\tnext \u2018q\u2019 \u00fc \u20ac \\'),
    SetVar("SSOENV_EMPTY", ""),
    UnsetVar("AWS_PROFILE"),
    UnsetVar("AWS_DEFAULT_PROFILE"),
]


def assert_golden(name: str, text: str) -> None:
    """Compare with tests/golden/<name>; UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text.encode())
        return
    assert path.is_file(), f"{path} is missing: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert path.read_bytes().decode() == text, f"{path} differs: review, then UPDATE_GOLDEN=1"


# The env format refuses SSOENV_NOTE above (a quote, `$`, a newline): its golden
# file has a note it can write.
GOLDEN_ENV_OPS: list[EnvOp] = [
    SetVar("SSOENV_NOTE", 'it is "q" `date` (x); #1 \u2018q\u2019 \u00fc \u20ac')
    if isinstance(op, SetVar) and op.name == "SSOENV_NOTE"
    else op
    for op in GOLDEN_OPS
]


@pytest.mark.parametrize("shell", list(SHELLS))
def test_golden(shell: str) -> None:
    ops = GOLDEN_ENV_OPS if shell == "env" else GOLDEN_OPS
    assert_golden(f"use.{shell}", SHELLS[shell].render(ops))


def test_golden_nu_record_is_json() -> None:
    record = json.loads((GOLDEN / "use.nu").read_text(encoding="utf-8"))
    assert record == net_effect(GOLDEN_OPS)
