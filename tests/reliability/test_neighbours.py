"""Other local users, and the user's own umask: the prompt markers live in a
folder ssoenv verified (a `/tmp` name anyone could have created first is
refused), marker files are opened without following links or waiting on FIFOs,
and every folder and file ssoenv makes is private whatever the umask."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.emulator import Emulator
from tests.helpers import SSOENV
from tests.reliability.conftest import credentials_dir

NOBODY = 65534


def run_as_shell(
    *args: str, env: Mapping[str, str], umask: int | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """`ssoenv ARGS` as the shell function runs it (its PID in __SSOENV_SHELL_PID)."""
    return subprocess.run(
        [str(SSOENV), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


def exported(stdout: str, name: str) -> str | None:
    found = re.findall(rf"^export {name}=(\S+)$", stdout, flags=re.MULTILINE)
    return found[-1].strip("'") if found else None


def needs_root() -> None:
    if os.getuid() != 0:
        pytest.skip("making a folder owned by another user needs root (CI runs as root)")


@pytest.fixture
def tmpdir_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No XDG_RUNTIME_DIR: markers go to ${TMPDIR}/ssoenv-UID, as on a machine
    without systemd (or after `su`)."""
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    shared = tmp_path / "tmp"
    shared.mkdir()
    shared.chmod(0o1777)  # a /tmp: anyone may create names in it
    monkeypatch.setenv("TMPDIR", str(shared))
    return shared


# --------------------------------------------------------------------------- markers


@pytest.mark.parametrize("planted", ["symlink", "fifo"])
def test_a_marker_folder_made_by_another_user_is_refused(
    logged_in: Emulator, isolated_env: Path, tmpdir_only: Path, tmp_path: Path, planted: str
) -> None:
    """Another user creates /tmp/ssoenv-UID first (0700, so it looks private) and
    plants the marker's name: a link to a file they want created (dangerous when
    ssoenv runs as root), or a FIFO that would hang every prompt."""
    needs_root()
    pid = str(os.getpid())  # a live process: no sweep of dead shells' markers removes it
    theirs = tmpdir_only / f"ssoenv-{os.getuid()}"
    theirs.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    if planted == "symlink":
        (theirs / f"marker.{pid}").symlink_to(victim)
    else:
        os.mkfifo(theirs / f"marker.{pid}")
    os.chown(theirs, NOBODY, NOBODY)
    # The earlier shell integration named the marker itself: pass that too.
    env = {"__SSOENV_SHELL_PID": pid, "__SSOENV_MARKER": str(theirs / f"marker.{pid}")}

    result = run_as_shell("use", "dev", "--shell", "bash", env=env)

    assert result.returncode == 0, result.stderr
    assert not victim.exists()
    warning = [line for line in result.stderr.splitlines() if "not using" in line]
    assert len(warning) == 1, result.stderr
    assert str(theirs) in warning[0] and "another user" in warning[0]
    private = isolated_env / ".cache" / "ssoenv" / "markers"
    marker = private / f"marker.{pid}"
    assert exported(result.stdout, "__SSOENV_MARKER") == str(marker)
    (credential,) = credentials_dir(isolated_env).iterdir()
    assert marker.stat().st_mtime_ns == credential.stat().st_mtime_ns
    assert stat.S_IMODE(private.stat().st_mode) == 0o700
    assert stat.S_IMODE(marker.stat().st_mode) == 0o600


def test_a_marker_folder_that_is_a_link_is_refused(
    logged_in: Emulator, isolated_env: Path, tmpdir_only: Path, tmp_path: Path
) -> None:
    """A symbolic link in /tmp under the folder's name, even to a folder of ours."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (tmpdir_only / f"ssoenv-{os.getuid()}").symlink_to(elsewhere)

    result = run_as_shell("use", "dev", "--shell", "bash", env={"__SSOENV_SHELL_PID": "77"})

    assert result.returncode == 0, result.stderr
    assert "not using" in result.stderr and "symbolic link" in result.stderr
    assert list(elsewhere.iterdir()) == []
    marker = exported(result.stdout, "__SSOENV_MARKER")
    assert marker == str(isolated_env / ".cache" / "ssoenv" / "markers" / "marker.77")


def test_markers_go_to_the_runtime_folder_when_it_is_ours(
    logged_in: Emulator, isolated_env: Path, tmp_path: Path
) -> None:
    result = run_as_shell("use", "dev", "--shell", "bash", env={"__SSOENV_SHELL_PID": "77"})

    assert result.returncode == 0, result.stderr
    assert "not using" not in result.stderr
    folder = tmp_path / "run" / "ssoenv"
    assert exported(result.stdout, "__SSOENV_MARKER") == str(folder / "marker.77")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_without_a_shell_pid_no_marker_is_touched(
    logged_in: Emulator, tmp_path: Path, tmpdir_only: Path
) -> None:
    """`eval "$(ssoenv use dev)"` without the shell function, or from a subshell."""
    result = run_as_shell("use", "dev", "--shell", "bash", env={})
    assert result.returncode == 0, result.stderr
    assert "__SSOENV_MARKER" not in result.stdout
    assert list(tmpdir_only.iterdir()) == []


# --------------------------------------------------------------------------- umask


@pytest.mark.parametrize("umask", [0o000, 0o077, 0o022])
def test_every_folder_and_file_ssoenv_makes_is_private_whatever_the_umask(
    aws_env: Path,
    emulator: Emulator,
    isolated_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    umask: int,
) -> None:
    """A fresh HOME (no ~/.aws, no ~/.cache): every folder on the way is made
    by ssoenv, and each must be 0700 and each file 0600, also under umask 000."""
    config = tmp_path / "elsewhere" / "config"
    config.parent.mkdir()
    aws_env.rename(config)
    aws_env.parent.rmdir()
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    home = isolated_env

    login = run_as_shell("login", "dev", "--no-browser", env={}, umask=umask, timeout=60)
    assert login.returncode == 0, login.stderr
    use = run_as_shell(
        "use", "dev", "--shell", "bash", env={"__SSOENV_SHELL_PID": "9"}, umask=umask
    )
    assert use.returncode == 0, use.stderr

    made = [
        home / ".aws",
        home / ".aws" / "sso",
        home / ".aws" / "sso" / "cache",
        home / ".cache",
        home / ".cache" / "ssoenv",
        credentials_dir(home),
        home / ".cache" / "ssoenv" / "locks",
        tmp_path / "run",
        tmp_path / "run" / "ssoenv",
    ]
    modes = {str(path): stat.S_IMODE(path.stat().st_mode) for path in made}
    assert modes == dict.fromkeys(modes, 0o700)
    files = [*(home / ".aws" / "sso" / "cache").iterdir(), *credentials_dir(home).iterdir()]
    files += [
        *(home / ".cache" / "ssoenv" / "locks").iterdir(),
        tmp_path / "run" / "ssoenv" / "marker.9",
    ]
    assert len(files) >= 5
    file_modes = {str(path): stat.S_IMODE(path.stat().st_mode) for path in files}
    assert file_modes == dict.fromkeys(file_modes, 0o600)


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_a_role_chains_cache_and_the_config_index_are_private_whatever_the_umask(
    aws_env: Path, emulator: Emulator, isolated_env: Path, umask: int
) -> None:
    """The AWS CLI's assumed-role cache (written by ssoenv for a role chain) and
    ssoenv's config index: 0700 folders and 0600 files, also under umask 000."""
    from tests.emulator import Trust, sso_role_arn

    role = "arn:aws:iam::222222222222:role/Dev"
    emulator.trust[role] = Trust(principals=(sso_role_arn("111111111111", "ReadOnly"),))
    aws_env.write_text(
        aws_env.read_text()
        + f"\n[profile dev-role]\nrole_arn = {role}\nsource_profile = dev\nregion = eu-west-1\n"
    )
    assert run_as_shell("login", "dev", "--no-browser", env={}, umask=umask).returncode == 0
    use = run_as_shell("use", "dev-role", "--shell", "bash", env={}, umask=umask)
    assert use.returncode == 0, use.stderr
    home = isolated_env
    folders = [
        home / ".aws" / "cli",
        home / ".aws" / "cli" / "cache",
        home / ".cache" / "ssoenv" / "config-index",
    ]
    assert {str(f): stat.S_IMODE(f.stat().st_mode) for f in folders} == {
        str(f): 0o700 for f in folders
    }
    made = [*folders[1].iterdir(), *folders[2].iterdir()]
    assert len(made) >= 2
    assert {str(f): stat.S_IMODE(f.stat().st_mode) for f in made} == {str(f): 0o600 for f in made}
