"""`--region R` on `use` and `exec` (and through the shell function): the region
exported is R instead of the profile's, the config is untouched, and the prompt
hook's refreshes keep R until the next `use` without it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.emulator import Emulator
from tests.helpers import eval_in_bash, run

# `dev` has region eu-west-1 in the test config (tests/conftest.py).
SHOW_REGIONS = (
    "import json, os; print(json.dumps({k: os.environ.get(k) "
    "for k in ('AWS_REGION', 'AWS_DEFAULT_REGION')}))"
)


@pytest.fixture
def logged_in(aws_env: Path, emulator: Emulator) -> Path:
    assert run("login", "dev", "--no-browser").returncode == 0
    return aws_env


def exported(*args: str, env: dict[str, str] | None = None) -> dict[str, str]:
    used = run("use", *args, "--shell", "bash", env=env)
    assert used.returncode == 0, used.stderr
    return dict(line.split("=", 1) for line in eval_in_bash(used.stdout).splitlines())


def test_use_exports_the_region_given_and_leaves_the_config_alone(logged_in: Path) -> None:
    before = logged_in.read_bytes()
    env = exported("dev", "--region", "ap-southeast-2")
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "ap-southeast-2"
    assert env["__SSOENV_REGION_CHOSEN"] == "ap-southeast-2"
    assert logged_in.read_bytes() == before
    assert exported("dev")["AWS_REGION"] == "eu-west-1"  # the profile's again


def test_a_refresh_by_the_hook_keeps_the_region_given(logged_in: Path) -> None:
    state = exported("dev", "--region", "ap-southeast-2")
    state["__SSOENV_REFRESH_AT"] = "0"  # due now
    hook = run("hook-env", "--shell", "bash", env=state)
    assert hook.returncode == 0, hook.stderr
    assert "export AWS_REGION=ap-southeast-2" in hook.stdout
    assert "export __SSOENV_REGION_CHOSEN=ap-southeast-2" in hook.stdout
    # Without a chosen region the hook follows the profile, as before.
    plain = exported("dev")
    plain["__SSOENV_REFRESH_AT"] = "0"
    assert "export AWS_REGION=eu-west-1" in run("hook-env", "--shell", "bash", env=plain).stdout


@pytest.mark.parametrize(
    "args",
    [
        ["exec", "--region", "ca-central-1", "dev", "--"],
        ["exec", "dev", "--region", "ca-central-1", "--"],
        ["exec", "dev", "--no-browser", "--region", "ca-central-1", "--debug", "--"],
    ],
)
def test_exec_runs_the_command_in_the_region_given(logged_in: Path, args: list[str]) -> None:
    done = run(*args, sys.executable, "-c", SHOW_REGIONS)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "AWS_REGION": "ca-central-1",
        "AWS_DEFAULT_REGION": "ca-central-1",
    }


def test_after_the_profile_and_without_dashdash_region_is_the_commands(logged_in: Path) -> None:
    done = run("exec", "dev", sys.executable, "-c", SHOW_REGIONS, "--region", "x")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["AWS_REGION"] == "eu-west-1"


@pytest.mark.parametrize(
    "args",
    [
        ["use", "dev", "--shell", "bash", "--region", "not a region"],
        ["exec", "--region", "eu_west_1!", "dev", "--", "true"],
        ["exec", "dev", "--region", "--", "true"],
    ],
)
def test_a_bad_region_is_a_usage_error(logged_in: Path, args: list[str]) -> None:
    done = run(*args)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert "region" in done.stderr


@pytest.mark.shell
def test_the_shell_function_passes_region_on(logged_in: Path) -> None:
    import subprocess

    init = run("init", "bash").stdout
    script = f"{init}\nssoenv use dev --region sa-east-1 2>/dev/null\necho $AWS_REGION"
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script], capture_output=True, text=True
    )
    assert done.stdout.strip().splitlines()[-1] == "sa-east-1", done.stderr
