"""A logout that is only partly done (exit code 9: a bad token file among good
ones) has still ended the session on this machine: the `ssoenv` shell function
applies the unset code it printed, and keeps the exit status for the caller."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.shell.conftest import run_script, steps

pytestmark = pytest.mark.shell

ACTIVE = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "SSOENV_PROFILE")
SCRIPT = {
    "bash": 'ssoenv use dev\nstep\nssoenv logout || echo "status=$?"\nstep\n',
    "zsh": 'ssoenv use dev\nstep\nssoenv logout || echo "status=$?"\nstep\n',
    "fish": 'ssoenv use dev\nstep\nssoenv logout; or echo "status=$status"\nstep\n',
}


def test_a_partly_done_logout_still_clears_the_shell(
    shell: str, logged_in: dict[str, str], init_scripts: dict[str, Path]
) -> None:
    cache = Path(os.environ["HOME"]) / ".aws" / "sso" / "cache"
    bad = cache / "tampered.json"
    bad.write_text(json.dumps({"accessToken": "t", "region": "../../evil"}))
    bad.chmod(0o600)

    result = run_script(shell, SCRIPT[shell], logged_in, init=init_scripts[shell])

    assert result.returncode == 0, result.stderr
    used, after = steps(result.stdout)
    assert used["SSOENV_PROFILE"] == "dev"
    assert "status=9" in result.stdout.splitlines()
    assert [name for name in ACTIVE if name in after] == []
    assert not bad.exists()
