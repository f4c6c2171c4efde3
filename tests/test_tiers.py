"""The two tiers (Tiers in tests/conftest.py): `make test` runs every test,
`make test-fast` none that starts a shell or a process, and a test that starts
one without its mark fails."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pexpect
import pytest

from tests import conftest, helpers

ROOT = Path(__file__).resolve().parents[1]
FAST = "not shell and not slow"


def recipe(target: str) -> list[str]:
    """The command lines of a Makefile target."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    commands = itertools.takewhile(lambda line: line.startswith("\t"), lines[start + 1 :])
    return [command.strip() for command in commands]


def test_make_test_runs_every_test_and_make_test_fast_the_fast_tier(
    pytestconfig: pytest.Config,
) -> None:
    assert recipe("test") == ["$(PY) -m pytest"]
    assert recipe("test-fast") == [f'$(PY) -m pytest -m "{FAST}"']
    # Nothing narrows `make test` behind its back either.
    addopts = pytestconfig.getini("addopts")
    assert not {"-m", "-k", "--deselect", "--ignore"} & set(addopts), addopts


def test_the_fast_tier_holds_no_test_that_uses_a_real_shell_fixture(
    request: pytest.FixtureRequest,
) -> None:
    """Over the tests collected with this one: all of them under `make test`,
    the fast tier under `make test-fast`."""
    shell_conftest = "tests.shell.conftest"  # the fixtures that start real shells
    fast = [
        item
        for item in request.session.items
        if not any(item.iter_markers("shell")) and not any(item.iter_markers("slow"))
    ]
    assert request.node in fast
    with_shells = [
        item.nodeid
        for item in fast
        if isinstance(item, pytest.Function)
        and (
            item.path.is_relative_to(conftest.SHELL_TESTS)
            or any(
                fixturedef.func.__module__ == shell_conftest
                for fixturedefs in item._fixtureinfo.name2fixturedefs.values()
                for fixturedef in fixturedefs
            )
        )
    ]
    assert with_shells == []


def _formats() -> str:
    return "in this process"


def _starts_the_program() -> None:
    helpers.run("--version")


def _evaluates_in_bash() -> None:
    helpers.eval_in_bash("")


class _Wizard:
    def run(self) -> None:
        pexpect.spawn(helpers.SSOENV)


def _drives_the_wizard() -> None:
    _Wizard().run()


# Passed as parameters, so that this test's own code reaches none of them.
@pytest.mark.parametrize(
    ("code", "tier"),
    [
        (_formats, None),
        (_starts_the_program, "slow"),  # through helpers.run, through subprocess.run
        (_evaluates_in_bash, "shell"),
        (_drives_the_wizard, "shell"),  # through a class's method
    ],
)
def test_the_tier_is_read_off_the_code(code: object, tier: str | None) -> None:
    assert conftest.tier_of(code) == tier


def test_a_process_start_is_seen_and_needs_its_mark() -> None:
    before = len(conftest.started)
    # The events that subprocess.Popen and pexpect (os.forkpty) raise before they
    # start anything: raised by hand, so that this test starts nothing itself.
    sys.audit("subprocess.Popen", "/usr/bin/zsh", ["zsh", "-c", ":"], None, None)
    sys.audit("subprocess.Popen", helpers.SSOENV, [helpers.SSOENV, "--version"], None, None)
    sys.audit("os.forkpty")
    seen = conftest.started[before:]
    del conftest.started[before:]
    assert seen == ["zsh", "ssoenv", conftest.PSEUDO_TERMINAL]

    def error(marks: set[str], processes: list[str]) -> str:
        return conftest.tier_error(marks, processes) or ""

    assert "zsh: mark it shell" in error(set(), ["zsh"])
    assert "zsh: mark it shell" in error({"slow"}, ["zsh", "ssoenv"])
    assert "a pseudo-terminal: mark it shell" in error({"slow"}, [conftest.PSEUDO_TERMINAL])
    assert "ssoenv: mark it slow" in error(set(), ["ssoenv"])
    assert error({"shell"}, seen) == ""
    assert error({"slow"}, ["ssoenv", "python"]) == ""
    assert error(set(), []) == ""
