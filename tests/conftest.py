"""Isolation for every test: a private HOME and XDG dirs, no AWS_* or SSOENV_*
variable from the developer's environment, so nothing touches the real ~/.aws.
And the two tiers: `make test` runs every test, `make test-fast` the ones that
start no process (see "Tiers" below)."""

from __future__ import annotations

import dis
import functools
import inspect
import os
import pty
import subprocess
import sys
from collections.abc import Generator, Iterator
from pathlib import Path
from types import CodeType, FunctionType, ModuleType
from typing import TYPE_CHECKING, Any

import pexpect
import pytest

from tests import helpers


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    home.mkdir()
    for name in list(os.environ):
        if name.startswith(("AWS_", "SSOENV_", "__SSOENV_", "XDG_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    # A browser must never open from a test.
    monkeypatch.setenv("BROWSER", "true")
    return home


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A local IAM Identity Center on 127.0.0.1, port chosen by the kernel."""
    from tests.emulator import Emulator

    with Emulator() as emu:
        yield emu


@pytest.fixture
def aws_env(emulator: Emulator, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every SSO call at the emulator, exactly as botocore is pointed, and
    write a config with an sso-session profile `dev` and a legacy profile `old`."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", emulator.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", emulator.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", emulator.url)
    config = isolated_env / ".aws" / "config"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(SAMPLE_CONFIG)
    return config


SAMPLE_CONFIG = """\
[default]
region = us-east-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = eu-west-1

[profile admin]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin

[profile prod]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = us-west-2

[profile forbidden]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = Admin

[profile old]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111111111111
sso_role_name = ReadOnly

[profile static]
aws_access_key_id = AKIAEXAMPLE
aws_secret_access_key = example

[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""


class FakeClock:
    """Injected time: `sleep` advances it instead of waiting."""

    def __init__(self) -> None:
        from datetime import datetime, timezone

        self.start = datetime.now(timezone.utc)
        self.offset = 0.0
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        from datetime import timedelta

        return self.start + timedelta(seconds=self.offset)

    def monotonic(self) -> float:
        return self.offset

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += seconds

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# Tiers. `make test` runs every test; `make test-fast` (the edit-test loop) runs
# `pytest -m "not shell and not slow"`: the tests that start no process. Starting
# processes is what makes the suite take minutes: a shell, a pseudo-terminal, and
# above all the ssoenv program, whose interpreter and imports cost 0.1-0.4 s of
# CPU at each start.
#   shell: starts a real shell (bash, zsh, fish, dash, nu), strace or a
#          pseudo-terminal: every test under tests/shell/ (its conftest holds the
#          fixtures that start shells), the real-shell runners' parameters, every
#          test that reaches pexpect, pty or eval_in_bash, and a few by hand.
#   slow:  starts any other process (the ssoenv program, python), or waits
#          seconds (by hand: Hypothesis tests with hundreds of examples).
# The marks are read off the code when the tests are collected, and checked while
# they run: a test that starts a shell without `shell`, or a process with neither
# mark, fails. So a mark the reading misses is found by the first run.

SHELL_TESTS = Path(__file__).parent / "shell"

# What starts a pseudo-terminal or a shell, and what starts any process.
_SHELL_STARTERS = frozenset(
    map(id, (pexpect.spawn, pexpect.run, pty.fork, pty.spawn, os.forkpty, helpers.eval_in_bash))
)
_PROCESS_STARTERS = _SHELL_STARTERS | frozenset(
    map(
        id,
        (
            subprocess.Popen,
            subprocess.run,
            subprocess.call,
            subprocess.check_call,
            subprocess.check_output,
            os.fork,
            os.system,
            os.posix_spawn,
            os.posix_spawnp,
        ),
    )
)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by these marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        fixtures = [d.func for defs in item._fixtureinfo.name2fixturedefs.values() for d in defs]
        in_shell_tests = item.path.is_relative_to(SHELL_TESTS)
        tier = "shell" if in_shell_tests else tier_of(item.function, *fixtures)
        if tier:
            item.add_marker(tier)


def tier_of(*code: object) -> str | None:
    """`shell` if these functions reach what starts a shell or a pseudo-terminal,
    `slow` if they reach what starts another process: through whatever their
    code names, and the code of the functions and classes of tests/ it names,
    however deep."""
    reached: set[int] = set()
    pending = list(code)
    seen: set[CodeType] = set()
    while pending:
        for function in _functions_of_tests(pending.pop()):
            if function.__code__ not in seen:
                seen.add(function.__code__)
                reached.update(map(id, _named(function)))
                pending += _named(function)
    if reached & _SHELL_STARTERS:
        return "shell"
    return "slow" if reached & _PROCESS_STARTERS else None


def _functions_of_tests(thing: object) -> Iterator[FunctionType]:
    """`thing` if it is a function of tests/; the methods of a class of tests/."""
    module = getattr(thing, "__module__", None)
    if not isinstance(module, str) or not module.startswith("tests"):
        return
    if isinstance(thing, FunctionType):
        yield thing
    elif inspect.isclass(thing):
        for member in vars(thing).values():
            yield from _functions_of_tests(getattr(member, "__func__", member))


@functools.cache
def _named(function: FunctionType) -> tuple[object, ...]:
    """The globals the code of `function` (nested functions included) loads, and
    the attributes it takes from modules: `subprocess.run` is subprocess.run."""
    named: list[object] = []
    codes = [function.__code__]
    while codes:
        code = codes.pop()
        codes += [const for const in code.co_consts if isinstance(const, CodeType)]
        loaded: object = None
        for instruction in dis.get_instructions(code):
            if instruction.opname == "LOAD_GLOBAL":
                loaded = function.__globals__.get(instruction.argval)
            elif instruction.opname in ("LOAD_ATTR", "LOAD_METHOD") and isinstance(
                loaded, ModuleType
            ):
                loaded = getattr(loaded, instruction.argval, None)
            else:
                loaded = None
            if loaded is not None:
                named.append(loaded)
    return tuple(named)


# The check while the tests run: every process this pytest starts, as Python's
# audit events tell (subprocess, pexpect and os all raise them).
PSEUDO_TERMINAL = "a pseudo-terminal"
SHELLS = frozenset({"bash", "zsh", "fish", "dash", "sh", "nu", "strace", PSEUDO_TERMINAL})
started: list[str] = []  # by the test running now: its setup and its call


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "subprocess.Popen":
        started.append(Path(os.fsdecode(args[0])).name)  # the executable
    elif event == "os.forkpty":
        started.append(PSEUDO_TERMINAL)
    elif event in ("os.fork", "os.system", "os.posix_spawn"):
        started.append(event)


sys.addaudithook(_audit)


def tier_error(marks: set[str], processes: list[str]) -> str | None:
    """Why a test with these marks may not start these processes, if it may not."""
    shells = sorted(SHELLS.intersection(processes))
    if shells and "shell" not in marks:
        return f"starts {', '.join(shells)}: mark it shell (see Tiers in tests/conftest.py)"
    if processes and not marks & {"shell", "slow"}:
        others = ", ".join(sorted(set(processes)))
        return f"starts {others}: mark it slow (see Tiers in tests/conftest.py)"
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    started.clear()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    result = yield
    error = tier_error({mark.name for mark in item.iter_markers()}, started)
    if error:
        pytest.fail(error, pytrace=False)
    return result


if TYPE_CHECKING:
    from datetime import datetime

    from tests.emulator import Emulator
