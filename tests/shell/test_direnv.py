"""`use ssoenv PROFILE` in an .envrc, with the real direnv: the library that
`ssoenv init direnv` prints, in ~/.config/direnv/lib, gives the directory the
role's credentials; leaving unloads them; a refresh anywhere makes direnv
load them again; nobody at a terminal means no login, one line and nothing
exported; with ssoenv's own prompt hook in the same shell, the two agree."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import Emulator
from tests.reliability.test_hostile import hostile_sets, write_profile
from tests.shell.conftest import ROOT, SSOENV, lines_of, require, run_script, steps
from tests.shell.test_lint import shellcheck

pytestmark = pytest.mark.shell

# Prints the environment as JSON: values may hold newlines, which `env` would split.
DUMP_ENV = [sys.executable, "-c", "import json, os; print(json.dumps(dict(os.environ)))"]
STATE = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "SSOENV_PROFILE")


def install_library(env: dict[str, str]) -> Path:
    """~/.config/direnv/lib/ssoenv.sh, as the README says: `ssoenv init direnv` > it."""
    lib = Path(env["XDG_CONFIG_HOME"]) / "direnv" / "lib" / "ssoenv.sh"
    lib.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [str(SSOENV), "init", "direnv"], capture_output=True, text=True, env=env, check=True
    )
    lib.write_text(result.stdout)
    return lib


def project(env: dict[str, str], folder: Path, envrc: str) -> Path:
    """A folder with this .envrc, allowed, and the library installed."""
    require("direnv")
    install_library(env)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".envrc").write_text(envrc + "\n")
    subprocess.run(["direnv", "allow", str(folder)], env=env, check=True, capture_output=True)
    return folder


def direnv_exec(env: dict[str, str], folder: Path) -> tuple[dict[str, str], list[str]]:
    """`direnv exec FOLDER`, with no terminal: the environment a command there
    sees, and ssoenv's lines on stderr."""
    result = subprocess.run(
        ["direnv", "exec", str(folder), *DUMP_ENV],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=True,  # direnv runs the command even when the .envrc failed
    )
    said = [line for line in result.stderr.splitlines() if line.startswith("ssoenv:")]
    return json.loads(result.stdout), said


def cached(env: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """The one cached role-credentials file, and its credentials."""
    (path,) = (Path(env["XDG_CACHE_HOME"]) / "ssoenv" / "credentials").glob("*.json")
    return path, json.loads(path.read_text())["Credentials"]


def test_init_direnv_prints_the_library_with_this_program(shell_env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(SSOENV), "init", "direnv"], capture_output=True, text=True, check=True
    )
    source = (ROOT / "shell" / "direnv.sh").read_text()
    assert result.stdout == source.replace("@SSOENV_EXE@", str(SSOENV))
    assert "use_ssoenv()" in result.stdout


def test_the_rendered_library_passes_shellcheck(tmp_path: Path) -> None:
    lib = tmp_path / "ssoenv.sh"
    lib.write_text(
        subprocess.run(
            [str(SSOENV), "init", "direnv"], capture_output=True, text=True, check=True
        ).stdout
    )
    result = subprocess.run(
        [shellcheck(), "--enable=all", "--shell=bash", str(lib)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout


def test_direnv_exec_sees_the_role_credentials(
    logged_in: dict[str, str], tmp_path: Path, emulator: Emulator
) -> None:
    folder = project(logged_in, tmp_path / "proj", "use ssoenv dev")
    environ, said = direnv_exec(logged_in, folder)
    _, creds = cached(logged_in)
    assert environ["AWS_ACCESS_KEY_ID"] == creds["AccessKeyId"]
    assert environ["AWS_SECRET_ACCESS_KEY"] == creds["SecretAccessKey"]
    assert environ["AWS_SESSION_TOKEN"] == creds["SessionToken"]
    assert creds["SecretAccessKey"] in emulator.secrets()
    assert environ["AWS_CREDENTIAL_EXPIRATION"] == creds["Expiration"]
    assert environ["AWS_REGION"] == environ["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert environ["SSOENV_PROFILE"] == "dev"
    assert int(environ["SSOENV_EXPIRES"]) > int(environ["__SSOENV_REFRESH_AT"])
    # No marker: one belongs to a shell, and direnv's bash is none.
    assert "__SSOENV_MARKER" not in environ
    assert len(said) == 1 and said[0].startswith("ssoenv: using 'dev' (111111111111 ReadOnly)")


def test_region_option(logged_in: dict[str, str], tmp_path: Path) -> None:
    for envrc in ("use ssoenv dev --region ap-south-1", "use ssoenv --region=ap-south-1 dev"):
        folder = project(logged_in, tmp_path / str(len(envrc)), envrc)
        environ, _ = direnv_exec(logged_in, folder)
        assert environ["AWS_REGION"] == environ["AWS_DEFAULT_REGION"] == "ap-south-1", envrc
        # The prompt hook's refreshes keep it, as after `ssoenv use dev --region`.
        assert environ["__SSOENV_REGION_CHOSEN"] == "ap-south-1"


def test_arguments_other_than_a_profile_and_use_options_are_refused(
    logged_in: dict[str, str], tmp_path: Path, emulator: Emulator
) -> None:
    for envrc in ("use ssoenv dev --shell fish", "use ssoenv", "use ssoenv dev prod"):
        folder = project(logged_in, tmp_path / str(len(envrc)), envrc)
        result = subprocess.run(
            ["direnv", "exec", str(folder), *DUMP_ENV],
            env=logged_in, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=True,
        )  # fmt: skip
        environ = json.loads(result.stdout)
        assert not any(name in environ for name in STATE), envrc
        assert len([line for line in result.stderr.splitlines() if "ssoenv:" in line]) == 1
    assert emulator.calls["GetRoleCredentials"] == 0  # ssoenv never ran


EXPORT = {"bash": 'eval "$(direnv export bash)"', "zsh": 'eval "$(direnv export zsh)"'}
EXPORT["fish"] = "direnv export fish | source"
USE_PROD = {"bash": 'eval "$(ssoenv use prod --shell bash)"', "fish": "ssoenv use prod | source"}
USE_PROD["zsh"] = 'eval "$(ssoenv use prod --shell zsh)"'


def test_leaving_the_directory_unloads_it_and_gives_back_what_was_there(
    shell: str, logged_in: dict[str, str], tmp_path: Path
) -> None:
    """In bash, zsh and fish alike: direnv's .envrc is bash, its hook the shell's."""
    folder = project(logged_in, tmp_path / "proj", "use ssoenv dev")
    watches = tmp_path / "watches.json"
    script = f"""
{USE_PROD[shell]}
step
cd {shlex.quote(str(folder))}
{EXPORT[shell]}
step
direnv show_dump "$DIRENV_WATCHES" >{shlex.quote(str(watches))}
cd ..
{EXPORT[shell]}
step
"""
    env = {**logged_in, "DIRENV_LOG_FORMAT": "", "SSOENV_SHELL": shell}
    result = run_script(shell, script, env)
    assert result.returncode == 0, result.stderr
    before, inside, outside = steps(result.stdout)
    cred_file = Path(inside["__SSOENV_CRED_FILE"])
    creds = json.loads(cred_file.read_text())["Credentials"]
    assert inside["AWS_ACCESS_KEY_ID"] == creds["AccessKeyId"] != before["AWS_ACCESS_KEY_ID"]
    assert inside["SSOENV_PROFILE"] == "dev"
    assert inside["AWS_REGION"] == "eu-west-1"
    # direnv watches the cached credentials: a refresh anywhere reloads the directory.
    watched = {entry["Path"] for entry in json.loads(watches.read_text())}
    assert str(cred_file) in watched
    # What `ssoenv use prod` had set before entering, exactly, and nothing of dev's.
    ours = ("AWS_", "SSOENV_", "__SSOENV_")
    assert {k: v for k, v in outside.items() if k.startswith(ours)} == {
        k: v for k, v in before.items() if k.startswith(ours)
    }
    assert outside["SSOENV_PROFILE"] == "prod" and outside["AWS_REGION"] == "us-west-2"


def test_a_refresh_elsewhere_reloads_the_directory_without_a_network_call(
    logged_in: dict[str, str], tmp_path: Path, emulator: Emulator
) -> None:
    folder = project(logged_in, tmp_path / "proj", "use ssoenv dev")
    direnv_exec(logged_in, folder)  # fills the cache
    # direnv compares whole seconds: make the refresh below land in another one.
    cred_file, first = cached(logged_in)
    os.utime(cred_file, (cred_file.stat().st_atime - 10, cred_file.stat().st_mtime - 10))
    # Each `eval` stands for a prompt. The refresh is another terminal's
    # (a window as long as the credentials makes `use` renew them).
    script = f"""
export DIRENV_LOG_FORMAT=
cd {shlex.quote(str(folder))}
eval "$(direnv export bash)"
step
eval "$(direnv export bash)"
SSOENV_REFRESH_WINDOW=3600 ssoenv use dev --shell bash >/dev/null
eval "$(direnv export bash)"
step
"""
    result = run_script("bash", script, logged_in)
    assert result.returncode == 0, result.stderr
    before, after = steps(result.stdout)
    _, renewed = cached(logged_in)
    assert before["AWS_ACCESS_KEY_ID"] == first["AccessKeyId"]
    assert after["AWS_ACCESS_KEY_ID"] == renewed["AccessKeyId"] != first["AccessKeyId"]
    assert after["AWS_SESSION_TOKEN"] == renewed["SessionToken"]
    # `use` ran three times: on entering, in the other terminal, and once
    # more after its refresh; the prompt between, with nothing changed, ran nothing.
    assert len([line for line in lines_of(result.stderr) if "using 'dev'" in line]) == 3
    # The first fetch and the other terminal's refresh; the reload read the cache.
    assert emulator.calls["GetRoleCredentials"] == 2


def test_not_logged_in_and_no_terminal_says_one_line_and_exports_nothing(
    shell_env: dict[str, str], tmp_path: Path, emulator: Emulator
) -> None:
    opened = tmp_path / "browser-opened"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\necho "$@" >> {shlex.quote(str(opened))}\n')
    browser.chmod(0o755)
    env = {**shell_env, "BROWSER": str(browser), "DISPLAY": ":0"}
    folder = project(env, tmp_path / "proj", "use ssoenv dev")
    environ, said = direnv_exec(env, folder)
    assert not any(name in environ for name in STATE)
    assert not [name for name in environ if name.startswith(("SSOENV_", "__SSOENV_"))]
    assert len(said) == 1 and "ssoenv login dev" in said[0], said
    assert not opened.exists()
    assert emulator.calls["StartDeviceAuthorization"] == emulator.calls["CreateToken"] == 0


def test_a_person_at_the_terminal_is_logged_in(
    shell_env: dict[str, str], tmp_path: Path, emulator: Emulator
) -> None:
    pexpect = pytest.importorskip("pexpect")
    folder = project(shell_env, tmp_path / "proj", "use ssoenv dev --no-browser")
    child = pexpect.spawn(
        "direnv", ["exec", str(folder), "env"], env=shell_env, encoding="utf-8", timeout=60
    )
    child.expect(r"AWS_ACCESS_KEY_ID=(ASIA\w+)")
    key = child.match.group(1)
    child.expect(pexpect.EOF)
    # The device code was shown on the terminal, and approved (the emulator approves at once).
    assert emulator.calls["StartDeviceAuthorization"] == 1
    assert cached(shell_env)[1]["AccessKeyId"] == key


@pytest.mark.parametrize("case", [0, 2])
def test_hostile_values_from_server_and_config_stay_data(
    logged_in: dict[str, str], aws_env: Path, tmp_path: Path, emulator: Emulator, case: int
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    values = hostile_sets(work)[case]
    write_profile(aws_env, values["SSOENV_PROFILE"], values["AWS_REGION"])
    emulator.role_credentials_override = {
        "accessKeyId": values["AWS_ACCESS_KEY_ID"],
        "secretAccessKey": values["AWS_SECRET_ACCESS_KEY"],
        "sessionToken": values["AWS_SESSION_TOKEN"],
    }
    envrc = f"use ssoenv {shlex.quote(values['SSOENV_PROFILE'])}"
    folder = project(logged_in, tmp_path / "proj", envrc)
    environ, said = direnv_exec(logged_in, folder)
    for name, value in values.items():
        assert environ[name] == value, name
    assert list(work.iterdir()) == [], "something ran"
    assert all(ch.isprintable() for line in said for ch in line)


HOOK = {shell: f'eval "$(direnv hook {shell})"' for shell in ("bash", "zsh")}
HOOK["fish"] = "direnv hook fish | source"


def test_with_the_prompt_hook_in_the_same_shell_the_two_agree(
    shell: str,
    logged_in: dict[str, str],
    init_scripts: dict[str, Path],
    tmp_path: Path,
    emulator: Emulator,
    interactive: Any,
) -> None:
    folder = project(logged_in, tmp_path / "proj", "use ssoenv dev")
    direnv_exec(logged_in, folder)  # fills the cache
    cred_file, first = cached(logged_in)
    backdated = cred_file.stat().st_mtime - 10  # direnv compares whole seconds
    os.utime(cred_file, (backdated, backdated))
    env = {**logged_in, "DIRENV_LOG_FORMAT": ""}
    term = interactive(shell, env, init_scripts[shell], rc=HOOK[shell])
    term.run(f"cd {shlex.quote(str(folder))}")
    assert term.value("AWS_ACCESS_KEY_ID") == first["AccessKeyId"]
    # ssoenv's hook found nothing to do: it ran no `hook-env` (which would
    # have given the shell a marker).
    assert term.value("__SSOENV_MARKER") == ""
    # The credentials near their expiry (their cache says so, its time kept,
    # so that only the hook notices) and the refresh is due:
    data = json.loads(cred_file.read_text())
    data["Credentials"]["Expiration"] = "2000-01-01T00:00:00Z"
    cred_file.write_text(json.dumps(data))
    os.utime(cred_file, (backdated, backdated))
    term.run("export __SSOENV_REFRESH_AT=1")
    term.run("true")  # one more prompt: both hooks have run after the refresh
    _, renewed = cached(logged_in)
    assert renewed["AccessKeyId"] != first["AccessKeyId"]
    assert term.value("AWS_ACCESS_KEY_ID") == renewed["AccessKeyId"]
    assert emulator.calls["GetRoleCredentials"] == 2  # the hook's refresh; direnv read the cache
    # direnv took the refreshed credentials as its own: leaving unloads them.
    term.run("cd ..")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "SSOENV_PROFILE", "SSOENV_EXPIRES"):
        assert term.value(name) == "", name


def test_a_logout_in_the_directory_is_not_undone_by_a_login_at_the_next_prompt(
    shell: str,
    logged_in: dict[str, str],
    init_scripts: dict[str, Path],
    tmp_path: Path,
    emulator: Emulator,
    interactive: Any,
) -> None:
    folder = project(logged_in, tmp_path / "proj", "use ssoenv dev")
    # direnv compares whole seconds: `direnv reload` below must change the time.
    envrc = folder / ".envrc"
    os.utime(envrc, (envrc.stat().st_atime - 10, envrc.stat().st_mtime - 10))
    term = interactive(shell, logged_in, init_scripts[shell], rc=HOOK[shell])
    term.run(f"cd {shlex.quote(str(folder))}")
    assert term.value("SSOENV_PROFILE") == "dev"
    emulator.reset_counts()
    # A person at a terminal: leaving and entering again would log in. But the
    # logout removes the watched file, and the reload it causes must not.
    output, status = term.run("ssoenv logout")
    assert status == 0
    output, _ = term.run("true")  # the prompt after the logout's: direnv reloads
    assert "run `ssoenv login dev`" in output
    assert emulator.calls["StartDeviceAuthorization"] == emulator.calls["CreateToken"] == 0
    for name in STATE:
        assert term.value(name) == "", name
    # Logged in again by hand, `direnv reload` brings the credentials back.
    _, status = term.run("ssoenv login dev --no-browser")
    assert status == 0
    term.run("direnv reload")
    term.run("true")
    assert term.value("AWS_ACCESS_KEY_ID") == cached(logged_in)[1]["AccessKeyId"]
