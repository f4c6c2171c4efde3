"""The profile picker through the shell function: `ssoenv use` with no profile
in a real interactive shell draws on the terminal while the function's `$(...)`
captures stdout, and the shell gets the picked profile's credentials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.shell


def test_the_function_evaluates_the_picked_profile(
    shell: str, logged_in: dict[str, str], init_scripts: dict[str, Path], interactive: Any
) -> None:
    env = {**logged_in, "TERM": "xterm", "SSOENV_PICKER": "builtin"}
    term = interactive(shell, env, init_scripts[shell])
    term.child.sendline(f"ssoenv use; echo :picked:{term.status}:")
    term.child.expect_exact("5/5")
    term.child.send("adm 111")
    term.child.expect_exact("1/5")
    term.child.send("\r")
    term.child.expect(r":picked:(\d+):")
    assert term.child.match.group(1) == "0", term.child.before
    assert term.value("SSOENV_PROFILE") == "admin"
    assert term.value("AWS_ACCESS_KEY_ID").startswith("ASIA")
