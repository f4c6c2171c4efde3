"""The shell side of the prompt marker: a marker is trusted only in a folder
that belongs to the user (a stranger's folder could force a refresh at every
prompt, or hide another terminal's refresh)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.shell.conftest import run_script

pytestmark = pytest.mark.shell

NOBODY = 65534

SHELL_CHECK = {
    "bash": "__SSOENV_REFRESH_AT=$((EPOCHSECONDS + 3600)); "
    "if __ssoenv_due; then echo due; else echo not-due; fi",
    "zsh": "zmodload zsh/datetime; __SSOENV_REFRESH_AT=$((EPOCHSECONDS + 3600)); "
    "if __ssoenv_due; then echo due; else echo not-due; fi",
    "fish": "set -gx __SSOENV_REFRESH_AT (math (date +%s) + 3600); "
    "if __ssoenv_due; echo due; else; echo not-due; end",
}


def test_the_shell_trusts_a_marker_only_in_a_folder_of_its_user(
    shell: str, tmp_path: Path, init_scripts: dict[str, Path], shell_env: dict[str, str]
) -> None:
    """The credential file is newer than the marker (another terminal refreshed):
    due when the marker's folder is ours, ignored when it is someone else's."""
    if os.getuid() != 0:
        pytest.skip("making a folder owned by another user needs root (CI runs as root)")
    credential = tmp_path / "credential.json"
    credential.write_text("{}")
    verdicts = {}
    for owner in ("ours", "theirs"):
        folder = tmp_path / owner
        folder.mkdir(mode=0o700)
        marker = folder / "marker.1"
        marker.write_text("")
        os.utime(marker, (0, 0))  # older than the credential file
        if owner == "theirs":
            os.chown(folder, NOBODY, NOBODY)
        env = {
            **shell_env,
            "SSOENV_PROFILE": "dev",
            "__SSOENV_CRED_FILE": str(credential),
            "__SSOENV_MARKER": str(marker),
        }
        result = run_script(shell, SHELL_CHECK[shell], env, init=init_scripts[shell], strict=False)
        verdicts[owner] = result.stdout.strip()
    assert verdicts == {"ours": "due", "theirs": "not-due"}
