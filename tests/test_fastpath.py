"""The fast paths of ssoenv.main: they parse and run exactly as typer does, their
grammar is the typer declaration's, and the commands that shells and programs
run (`init`, `use` from a warm cache, `hook-env`, `credential-process`, `exec`,
`status`, `list`) load none of the costly modules (structural facts, not
timings: see `make bench`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from ssoenv.cli import app
from ssoenv.main import FAST_COMMANDS, fast_parse
from tests.emulator import Emulator
from tests.helpers import SSOENV, run

CLICK = typer.main.get_command(app)
POSITIONAL = {"use": "profile", "init": "shell", "credential-process": "profile", "exec": "profile"}


def _expire_mid_minute(folder: Path) -> None:
    """Move the cached credentials' expiry to 30 min 30 s from now: the minutes
    `use` shows ("30m") stay the same for both runs, seconds apart."""
    from datetime import datetime, timedelta, timezone

    (cached,) = folder.glob("*.json")
    data = json.loads(cached.read_text())
    moment = datetime.now(timezone.utc) + timedelta(minutes=30, seconds=30)
    data["Credentials"]["Expiration"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    cached.write_text(json.dumps(data))


@pytest.mark.parametrize(
    "args",
    [
        ["use"],
        ["use", "dev"],
        ["use", "dev", "--shell", "bash"],
        ["use", "-s", "fish", "dev"],
        ["use", "--no-login", "dev", "--no-browser", "--use-device-code"],
        ["init", "zsh"],
        ["hook-env", "--shell", "bash"],
        ["hook-env", "-s", "zsh"],
        ["credential-process", "dev"],
        ["exec", "dev", "--", "aws", "s3", "ls"],
        ["exec", "--region", "eu-west-2", "dev", "--", "env"],
        ["use", "dev", "--region", "eu-west-2", "-s", "bash"],
        ["exec", "--no-browser", "dev", "--", "env"],
        ["exec", "dev", "--no-browser", "--", "env"],  # after PROFILE: the command's words
        ["exec", "dev", "terraform", "apply", "--auto-approve"],
        ["status"],
        ["status", "--json"],
        ["list", "--json"],
        ["logout"],
        ["logout", "--sso-session", "corp", "-s", "fish"],
    ],
)
def test_fast_parse_agrees_with_typer(args: list[str]) -> None:
    parsed = fast_parse(args)
    assert parsed is not None
    command, options = parsed
    expected = CLICK.commands[command].make_context(command, args[1:]).params  # type: ignore[attr-defined]
    positional = options.pop("positional")
    if command in POSITIONAL:
        options[POSITIONAL[command]] = positional[0] if positional else None
    if "rest" in options:
        options["argv"] = options.pop("rest")
        expected["argv"] = list(expected["argv"])
    assert {key: expected[key] for key in options} == options
    # Every option typer parsed to a non-default value was seen by the fast path.
    assert {k for k, v in expected.items() if v not in (None, False)} <= options.keys()


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["use", "--help"],
        ["use", "a", "b"],
        ["use", "--shell=bash"],
        ["use", "--shell"],
        ["use", "--bogus"],
        ["init"],
        ["init", "bash", "zsh"],
        ["hook-env"],
        ["login", "dev"],
        ["--debug", "use", "dev"],
        ["credential-process"],
        ["credential-process", "a", "b"],
        ["credential-process", "--help"],
        ["exec"],
        ["exec", "--help", "dev"],
        ["exec", "--", "dev", "true"],  # click drops this `--`: typer's job
        ["status", "extra"],
        ["status", "--json=1"],
        ["list", "--bogus"],
        ["logout", "--shell"],
        ["logout", "--sso-session", "--shell", "bash"],
        ["configure"],
        ["accounts"],
        ["populate"],
    ],
)
def test_anything_else_goes_to_typer(args: list[str]) -> None:
    assert fast_parse(args) is None


@pytest.mark.parametrize("command", sorted(FAST_COMMANDS))
def test_the_fast_grammar_is_the_typer_declaration(command: str) -> None:
    """One grammar: every option typer declares for the command is in the fast
    table with the same keyword and kind (flag or value), nothing more; the plain
    arguments allowed are typer's; a required option is required in both."""
    grammar = FAST_COMMANDS[command]
    declared = CLICK.commands[command].params  # type: ignore[attr-defined]
    options = [p for p in declared if p.param_type_name == "option"]
    flags = {word: p.name for p in options if p.is_flag for word in p.opts}
    values = {word: p.name for p in options if not p.is_flag for word in p.opts}
    assert (grammar.flags, grammar.values) == (flags, values)
    assert set(grammar.required) == {p.name for p in options if p.required}
    arguments = [p for p in declared if p.param_type_name == "argument"]
    single = [p for p in arguments if p.nargs == 1]
    required = sum(1 for p in single if p.required)
    assert grammar.positional == range(required, len(single) + 1)
    assert grammar.rest == any(p.nargs == -1 for p in arguments)


# What each costs a command that imports it, measured on the 2-core CI machine
# (python -X importtime, and whole-command timings in `make bench`).
COSTLY = {
    "typer": "~70 ms",
    "requests": "~150 ms",
    "dataclasses": "~10 ms, then ~1 ms per frozen class",
    "logging": "~8 ms",
    "typing": "~5 ms",
    "tempfile": "~4 ms",
    "hashlib": "~2.5 ms (OpenSSL)",
    "inspect": "~6 ms",
    "shellingham": "reads /proc",
    # Output formats nobody asked for (every test below asks for bash).
    "ssoenv.shells.fish": "",
    "ssoenv.shells.nu": "",
    "ssoenv.shells.powershell": "",
    "ssoenv.shells.dotenv": "",
}

PROBE = f"""
import sys
from ssoenv.main import main
code = main(sys.argv[1:])
loaded = [name for name in {sorted({**COSTLY, "pydantic": ""})!r} if name in sys.modules]
sys.stderr.write("LOADED=" + ",".join(loaded) + "\\n")
sys.exit(code)
"""


def loaded_modules(*args: str, env: dict[str, str] | None = None, allow_fail: bool = False) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    assert allow_fail or result.returncode == 0, result.stderr
    return result.stderr.rsplit("LOADED=", 1)[1].strip()


def test_init_loads_nothing_costly() -> None:
    assert loaded_modules("init", "bash") == ""
    assert loaded_modules("init", "pwsh") == ""  # its path quoted without ssoenv.shells


def test_warm_use_and_a_fresh_hook_load_nothing_costly(aws_env: Path, emulator: Emulator) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    assert run("use", "dev", "--shell", "bash").returncode == 0  # warms the cache
    assert loaded_modules("use", "dev", "--shell", "bash") == ""
    assert loaded_modules("hook-env", "--shell", "bash", env={"SSOENV_PROFILE": "dev"}) == ""


def test_what_programs_run_loads_neither_typer_nor_the_network(
    aws_env: Path, emulator: Emulator
) -> None:
    """credential-process (every SDK call of such a profile), exec, status and
    list: no CLI framework, no `requests` (pydantic comes with typer)."""
    assert run("login", "dev", "--no-browser").returncode == 0
    assert run("use", "dev", "--shell", "bash").returncode == 0  # warms the cache
    assert loaded_modules("credential-process", "dev") == ""
    assert loaded_modules("exec", "dev", "--", "true") == ""
    state = {"SSOENV_PROFILE": "dev", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}
    for args in (["status"], ["status", "--json"], ["list"], ["list", "--json"]):
        loaded = loaded_modules(*args, env=state, allow_fail=True).split(",")
        assert not {"typer", "requests", "pydantic"} & set(loaded), args


SHELL_PROBE = """
import sys
from ssoenv.main import main
code = main(sys.argv[1:])
names = ("ssoenv.emit", "ssoenv.markers", "ssoenv.shells")
sys.stderr.write("LOADED=" + ",".join(name for name in names if name in sys.modules) + "\\n")
sys.exit(code)
"""


def test_what_programs_run_loads_no_shell_machinery(aws_env: Path, emulator: Emulator) -> None:
    """credential-process prints JSON and exec starts a child: the exports, the
    shells' formats and the marker files are for `use` and the prompt hook."""
    assert run("login", "dev", "--no-browser").returncode == 0
    assert run("use", "dev", "--shell", "bash").returncode == 0  # warms the cache
    for args in (["credential-process", "dev"], ["exec", "dev", "--", "true"]):
        done = subprocess.run(
            [sys.executable, "-c", SHELL_PROBE, *args], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr.rsplit("LOADED=", 1)[1].strip() == "", args


def test_a_cold_use_goes_to_the_network(aws_env: Path, emulator: Emulator) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    loaded = loaded_modules("use", "dev", "--shell", "bash").split(",")
    assert "requests" in loaded  # (which brings logging, typing, hashlib... with it)
    assert "typer" not in loaded


TYPER_PROBE = """
import sys
from ssoenv.main import _run_typer
sys.exit(_run_typer(sys.argv[1:]))
"""

# The whole program (errors mapped to exit codes as main() maps them) with every
# command line going to typer.
TYPER_MAIN_PROBE = """
import sys
from ssoenv import main
main.fast_parse = lambda args: None
sys.exit(main.main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["use", "dev"],  # no --shell: the shell is detected
        ["use", "dev", "--shell", "bash"],
        ["use", "-s", "fish", "dev"],
        ["use", "--no-login", "dev", "--no-browser", "--use-device-code"],
        ["use", "--shell", "json", "dev"],
    ],
)
def test_fast_path_runs_as_typer_does(aws_env: Path, emulator: Emulator, args: list[str]) -> None:
    """Same stdout, stderr and exit code through the fast path and through typer."""
    assert run("login", "dev", "--no-browser").returncode == 0
    assert run("use", "dev", "--shell", "bash").returncode == 0  # warm: both print the same
    _expire_mid_minute(Path(os.environ["XDG_CACHE_HOME"]) / "ssoenv" / "credentials")
    env = {**os.environ, "SHELL": "/bin/zsh"}
    fast = run(*args, env=env)
    typer_run = subprocess.run(
        [sys.executable, "-c", TYPER_PROBE, *args], capture_output=True, text=True, env=env
    )
    assert fast.returncode == typer_run.returncode == 0, fast.stderr + typer_run.stderr
    assert "AWS_SECRET_ACCESS_KEY" in fast.stdout or "SecretAccessKey" in fast.stdout
    assert (fast.stdout, fast.stderr) == (typer_run.stdout, typer_run.stderr)


BUG_PROBE = """
import sys
from ssoenv import main
from ssoenv.commands import use

def broken(*args, **kwargs):
    raise TypeError("AKIA-SECRET-VALUE")

use.run = broken
sys.exit(main.main(sys.argv[1:]))
"""


@pytest.mark.parametrize("debug", [False, True])
def test_a_bug_is_one_line_without_its_text_unless_debugging(debug: bool) -> None:
    env = {**os.environ, "SSOENV_DEBUG": "1" if debug else ""}
    result = subprocess.run(
        [sys.executable, "-c", BUG_PROBE, "use", "dev"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 1
    if debug:
        assert "Traceback" in result.stderr and "AKIA-SECRET-VALUE" in result.stderr
    else:
        assert result.stderr.splitlines() == [
            "ssoenv: internal error (TypeError); run the command again with --debug to see "
            "where, and report it"
        ]


@pytest.mark.parametrize(
    "args",
    [
        ["credential-process", "dev"],
        ["credential-process", "nosuch"],
        ["exec", "dev", "--", "printenv", "AWS_REGION"],
        ["exec", "dev", "--", "sh", "-c", "exit 7"],
        ["exec", "dev"],
        ["status"],
        ["status", "--json"],
        ["list"],
        ["list", "--json"],
    ],
)
def test_what_programs_run_runs_as_typer_does(
    aws_env: Path, emulator: Emulator, args: list[str]
) -> None:
    """Same stdout, stderr and exit code through the fast path and through typer,
    failures included (an unknown profile, a command's own exit status)."""
    assert run("login", "dev", "--no-browser").returncode == 0
    assert run("use", "dev", "--shell", "bash").returncode == 0
    _expire_mid_minute(Path(os.environ["XDG_CACHE_HOME"]) / "ssoenv" / "credentials")
    env = {**os.environ, "SSOENV_PROFILE": "dev", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"}
    assert fast_parse(args) is not None
    fast = run(*args, env=env)
    typer_run = subprocess.run(
        [sys.executable, "-c", TYPER_MAIN_PROBE, *args], capture_output=True, text=True, env=env
    )
    assert (fast.returncode, fast.stdout, fast.stderr) == (
        typer_run.returncode,
        typer_run.stdout,
        typer_run.stderr,
    )


def test_logout_runs_as_typer_does(aws_env: Path, emulator: Emulator) -> None:
    results = []
    for argv in ([SSOENV], [sys.executable, "-c", TYPER_MAIN_PROBE]):
        assert run("login", "dev", "--no-browser").returncode == 0
        assert run("use", "dev", "--shell", "bash").returncode == 0
        done = subprocess.run(
            [*argv, "logout", "--shell", "bash"], capture_output=True, text=True, env=os.environ
        )
        results.append((done.returncode, done.stdout, done.stderr))
    assert results[0] == results[1]
    assert results[0][0] == 0 and "logged out of" in results[0][2]
