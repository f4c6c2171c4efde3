"""Behaviour only a real prompt shows, on a pseudo-terminal: the hook runs
before each prompt and keeps $? for it, and one terminal's refresh or logout
reaches another terminal at its next prompt, without a network call."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import Emulator
from tests.shell.conftest import ROOT

pytestmark = pytest.mark.shell

SET = {"bash": "export {}={}", "zsh": "export {}={}", "fish": "set -gx {} {}"}
BADGE = {
    "bash": 'echo "<<$(ssoenv_prompt)>>"',
    "zsh": 'echo "<<$(ssoenv_prompt)>>"',
    "fish": 'echo "<<"(ssoenv_prompt)">>"',
}


def test_a_real_prompt_runs_the_hook_and_shows_the_status(
    shell: str,
    logged_in: dict[str, str],
    init_scripts: dict[str, Path],
    emulator: Emulator,
    interactive: Any,
) -> None:
    emulator.credential_ttl = 300  # inside the refresh window from the start
    term = interactive(shell, logged_in, init_scripts[shell])
    _, status = term.run("ssoenv use dev")
    assert status == 0
    first_key = term.value("AWS_ACCESS_KEY_ID")
    assert first_key.startswith("ASIA")
    # A failing command: the prompt drawn after the hook still shows its status.
    term.child.sendline("false")
    term.child.expect(r"\[1\]@@ ")
    # Time passes (the refresh is due): the next prompt refreshes by itself.
    term.run(SET[shell].format("__SSOENV_REFRESH_AT", 1))
    assert term.value("AWS_ACCESS_KEY_ID") not in ("", first_key)
    assert emulator.calls["GetRoleCredentials"] == 2
    output, _ = term.run(BADGE[shell])
    assert "<<dev 4m>>" in output or "<<dev 5m>>" in output


def test_another_terminal_picks_up_a_refresh_and_a_logout(
    shell: str,
    logged_in: dict[str, str],
    init_scripts: dict[str, Path],
    emulator: Emulator,
    interactive: Any,
) -> None:
    first = interactive(shell, logged_in, init_scripts[shell])
    second = interactive(shell, logged_in, init_scripts[shell])
    first.run("ssoenv use dev")
    second.run("ssoenv use dev")  # served by the cache the first one filled
    key = first.value("AWS_ACCESS_KEY_ID")
    assert second.value("AWS_ACCESS_KEY_ID") == key
    assert emulator.calls["GetRoleCredentials"] == 1

    # The first terminal refreshes: a window longer than the credentials' life
    # puts them inside it, and a past refresh time makes the refresh due now.
    first.run(SET[shell].format("SSOENV_REFRESH_WINDOW", 4000))
    first.run(SET[shell].format("__SSOENV_REFRESH_AT", 1))
    new_key = first.value("AWS_ACCESS_KEY_ID")
    assert new_key != key
    assert emulator.calls["GetRoleCredentials"] == 2

    # The second terminal's next prompt takes the new keys from the cache.
    calls = dict(emulator.calls)
    assert second.value("AWS_ACCESS_KEY_ID") == key  # nothing happens between prompts
    second.prompt()
    assert second.value("AWS_ACCESS_KEY_ID") == new_key
    assert dict(emulator.calls) == calls  # no network call at all

    # A logout in the first terminal clears the second at its next prompt.
    first.run("ssoenv logout")
    assert first.value("SSOENV_PROFILE") == ""
    second.prompt()
    assert second.value("SSOENV_PROFILE") == ""
    assert second.value("AWS_ACCESS_KEY_ID") == ""


SNIPPETS = {
    "bash": "### bash: `PS1`",
    "zsh": "### zsh: `RPROMPT`",
    "fish": "### fish: `fish_right_prompt`",
}


def documented_snippet(shell: str) -> str:
    """The first code block under the shell's heading in docs/shell.md."""
    text = (ROOT / "docs" / "shell.md").read_text()
    section = text.split(SNIPPETS[shell], 1)[1]
    match = re.search(r"```\w*\n(.*?)```", section, re.DOTALL)
    assert match, SNIPPETS[shell]
    return match.group(1)


def test_the_documented_prompt_snippets_show_the_badge(
    shell: str, logged_in: dict[str, str], init_scripts: dict[str, Path], interactive: Any
) -> None:
    # A right prompt needs a real terminal type: on "dumb" zsh and fish skip it.
    env = {**logged_in, "TERM": "xterm"}
    term = interactive(shell, env, init_scripts[shell], documented_snippet(shell))
    term.child.sendline("ssoenv use dev")
    term.child.expect(r"dev (\d+h)?\d+m\b")  # in the prompt drawn right after
