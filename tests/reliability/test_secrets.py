"""Secrets stay secret. Every command, run against the emulator (with --debug and
on its error paths), is scanned: stdout (except the exports it exists to print),
stderr, and every file it leaves under HOME (except the caches that must hold
the secrets) never contain a secret the emulator issued; no child process gets
one in its argv; no object shows one in its repr. Cache files are 0600 in 0700
directories, and a looser mode is repaired with one line, or refused."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ssoenv import engine, oidc, pkce
from ssoenv.model import ClientRegistration, DeviceAuthorization, RoleCredentials, Token
from ssoenv.settings import Settings
from tests.emulator import Emulator, Trust, sso_role_arn
from tests.helpers import run
from tests.reliability.conftest import age_token, credentials_dir, token_file

# A browser for $BROWSER that notes its argv, then does what a person's browser
# does: follows the /authorize page back to the login's loopback listener.
BROWSER = """\
#!{python}
import json, sys, urllib.error, urllib.request
with open({log!r}, "a") as log:
    log.write(json.dumps(sys.argv) + "\\n")
if "/authorize" in sys.argv[-1]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({{}}))
    try:
        opener.open(sys.argv[-1], timeout=30).read()
    except urllib.error.HTTPError:
        pass
"""


def recording_browser(directory: Path) -> tuple[str, Path]:
    script, log = directory / "browser.py", directory / "browser-argv.log"
    script.write_text(BROWSER.format(python=sys.executable, log=str(log)))
    script.chmod(0o755)
    return str(script), log


@dataclass
class Seen:
    label: str
    text: str


class Scanner:
    """Runs commands and keeps what may be shown: the caller says which stdout is
    an intended export (not scanned)."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.commands = 0

    def run(
        self, *args: str, env: dict[str, str] | None = None, exports: bool = False
    ) -> subprocess.CompletedProcess[str]:
        result = run(*args, env=env)
        self.commands += 1
        assert "Traceback" not in result.stderr or "--debug" in args, result.stderr
        label = " ".join(args)
        self.seen.append(Seen(f"stderr of `{label}`", result.stderr))
        if not exports:
            self.seen.append(Seen(f"stdout of `{label}`", result.stdout))
        return result

    def add_files(self, root: Path, skip: set[Path]) -> int:
        count = 0
        for path in sorted(root.rglob("*")):
            if path.is_file() and path not in skip:
                self.seen.append(Seen(str(path), path.read_bytes().decode(errors="replace")))
                count += 1
        return count

    def leaks(self, secrets: set[str]) -> list[str]:
        return [
            f"{seen.label} holds {secret[:8]}…"
            for seen in self.seen
            for secret in secrets
            if secret in seen.text
        ]


def shell_env(stdout: str) -> dict[str, str]:
    """The variables a `use --shell env` output sets."""
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


def cache_files(home: Path) -> set[Path]:
    """Where the secrets must be: the AWS CLI's SSO cache and ssoenv's credentials."""
    places = [
        home / ".aws" / "sso" / "cache",
        home / ".aws" / "cli" / "cache",
        credentials_dir(home),
    ]
    return {p for place in places if place.is_dir() for p in place.rglob("*")}


@pytest.fixture
def refused_url() -> Iterator[str]:
    """Bound, not listening: connections are refused, and no one else gets the port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.slow
def test_no_secret_in_any_output_log_or_file(
    aws_env: Path, emulator: Emulator, isolated_env: Path, tmp_path: Path, refused_url: str
) -> None:
    browser, argv_log = recording_browser(tmp_path)
    scan = Scanner()
    down = {"AWS_ENDPOINT_URL_SSO_OIDC": refused_url, "AWS_ENDPOINT_URL_SSO": refused_url}

    # Logging in: the device code, the browser login (PKCE), forced, with --debug.
    assert scan.run("login", "dev", "--no-browser").returncode == 0
    assert scan.run("--debug", "login", "dev", "--force", env={"BROWSER": browser}).returncode == 0
    assert scan.run("login", "dev", "--use-device-code", "--force", env={"BROWSER": browser})
    assert scan.run("login", "--sso-session", "corp").returncode == 0  # already logged in
    assert scan.run("--debug", "login", "old", "--no-browser").returncode == 0  # legacy

    # Using: every format, the hook, credential_process, exec. Their stdout is the point.
    for shell in ("bash", "zsh", "sh", "fish", "powershell", "nu", "env", "json"):
        assert scan.run("use", "dev", "--shell", shell, exports=True).returncode == 0
    used = shell_env(scan.run("--debug", "use", "prod", "--shell", "env", exports=True).stdout)
    assert used["AWS_SECRET_ACCESS_KEY"]
    used["SSOENV_PROFILE"] = "prod"  # an env file holds the AWS variables only; a shell has this
    assert scan.run("hook-env", "--shell", "bash", env=used, exports=True).returncode == 0
    age_token(isolated_env)  # the hook refreshes the token and the role's credentials
    shutil.rmtree(credentials_dir(isolated_env))
    hook = scan.run("--debug", "hook-env", "--shell", "zsh", env=used, exports=True)
    assert "AWS_SECRET_ACCESS_KEY" in hook.stdout
    assert scan.run("credential-process", "dev", exports=True).returncode == 0
    assert scan.run("exec", "dev", "--", "env", exports=True).returncode == 0
    assert scan.run("--debug", "exec", "old", "--", "true").returncode == 0

    # Looking around, with the credentials of a `use` in the environment.
    for args in (["list"], ["list", "--json"], ["status"], ["status", "--json"]):
        assert scan.run(*args, env=used).returncode == 0
    for args in (["accounts"], ["accounts", "--json"], ["populate", "--dry-run"], ["populate"]):
        assert scan.run(*args).returncode == 0
    assert scan.run("--debug", "accounts").returncode == 0
    for args in (["init", "bash"], ["init", "zsh"], ["init", "fish"], ["--help"], ["--version"]):
        assert scan.run(*args).returncode == 0
    assert scan.run(
        "configure", "sso-session", "--sso-session", "other", "--start-url",
        "https://d-2222222222.awsapps.com/start", "--sso-region", "eu-west-1",
    ).returncode == 0  # fmt: skip

    # A role chain over dev: assumed with STS (signed with dev's keys), cached in
    # the AWS CLI's cache, refused by a trust policy; with and without --debug.
    role = "arn:aws:iam::222222222222:role/Dev"
    emulator.trust[role] = Trust(principals=(sso_role_arn("111111111111", "ReadOnly"),))
    aws_env.write_text(
        aws_env.read_text()
        + f"\n[profile dev-role]\nrole_arn = {role}\nsource_profile = dev\nregion = eu-west-1\n"
    )
    assert scan.run("--debug", "use", "dev-role", "--shell", "bash", exports=True).returncode == 0
    assert scan.run("credential-process", "dev-role", exports=True).returncode == 0
    shutil.rmtree(isolated_env / ".aws" / "cli" / "cache")
    assert scan.run("--debug", "exec", "dev-role", "--", "true").returncode == 0
    assert scan.run("list", env=used).returncode == 0
    emulator.trust[role] = Trust(principals=("arn:aws:iam::999999999999:root",))
    shutil.rmtree(isolated_env / ".aws" / "cli" / "cache")
    assert scan.run("use", "dev-role", "--shell", "bash").returncode == 6
    assert scan.run("--debug", "use", "dev-role", "--shell", "bash").returncode == 1

    # Error paths, with and without --debug.
    assert scan.run("use", "forbidden", "--shell", "bash").returncode == 6
    assert scan.run("--debug", "use", "forbidden", "--shell", "bash").returncode == 1
    emulator.inject("GetRoleCredentials", 500, "InternalServerException", times=6)
    assert scan.run("use", "admin", "--shell", "bash").returncode == 7
    assert scan.run("--debug", "use", "admin", "--shell", "bash").returncode == 1
    assert scan.run("use", "admin", "--shell", "bash", env=down).returncode == 8
    assert scan.run("--debug", "login", "dev", "--force", "--no-browser", env=down).returncode
    assert (
        scan.run("hook-env", "--shell", "bash", env={**used, **down}, exports=True).returncode == 0
    )
    emulator.revoke_refresh_tokens()
    age_token(isolated_env, timedelta(seconds=30))
    assert scan.run("use", "prod", "--shell", "bash").returncode == 4
    assert scan.run("--debug", "use", "dev", "--shell", "bash").returncode == 1
    assert scan.run("login", "dev", "--no-browser", "--force").returncode == 0
    emulator.expire_access_tokens()
    emulator.revoke_refresh_tokens()
    shutil.rmtree(credentials_dir(isolated_env))
    assert scan.run("use", "dev", "--shell", "bash").returncode == 4
    assert scan.run("credential-process", "dev").returncode == 4
    assert scan.run("--debug", "logout", "--shell", "bash", env=down).returncode == 0
    assert scan.run("login", "dev", "--no-browser").returncode == 0
    assert scan.run("logout", "--shell", "bash").returncode == 0

    files = scan.add_files(isolated_env, skip=cache_files(isolated_env))
    files += scan.add_files(tmp_path, skip={Path(browser)} | set(isolated_env.rglob("*")))
    secrets = emulator.secrets()
    leaks = scan.leaks(secrets)
    print(
        f"\n{scan.commands} commands, {len(scan.seen) - files} outputs and {files} files "
        f"scanned for {len(secrets)} secrets: {len(leaks)} found"
    )
    assert leaks == []
    assert len(secrets) > 20  # client secrets, device and auth codes, tokens, keys
    assert argv_log.exists()  # the browser really ran, so its argv was checked too


@pytest.mark.shell  # strace
def test_no_secret_in_the_argv_of_any_child(
    logged_in: Emulator, isolated_env: Path, tmp_path: Path
) -> None:
    """Every execve of ssoenv and its children (the command of `exec`, browsers
    for both logins), as the kernel saw them."""
    strace = shutil.which("strace")
    if strace is None:
        if os.environ.get("CI"):
            pytest.fail("strace is not installed, and CI is set")
        pytest.skip("strace is not installed")
    browser, argv_log = recording_browser(tmp_path)
    trace = tmp_path / "execve.trace"
    runs = [
        (["exec", "dev", "--", "sh", "-c", "env >/dev/null"], {}),
        (["login", "dev", "--force"], {"BROWSER": browser}),  # the browser login (PKCE)
        (["login", "dev", "--force", "--use-device-code"], {"BROWSER": browser}),
        (["credential-process", "dev"], {}),
        (["use", "dev", "--shell", "bash"], {}),
    ]
    argvs: list[list[str]] = []
    for args, env in runs:
        prefix = [strace, "-f", "-qq", "-e", "trace=execve", "-s", "65536", "-o", str(trace)]
        result = subprocess.run(
            [*prefix, sys.executable, "-m", "ssoenv", *args],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        argvs += parse_execve(trace.read_text())
    secrets = logged_in.secrets()
    assert [argv for argv in argvs if any(s in " ".join(argv) for s in secrets)] == []
    opened = [json.loads(line) for line in argv_log.read_text().splitlines()]
    assert len(opened) == 2  # both logins opened the browser
    assert any(argv[0] == "sh" for argv in argvs)  # exec's child was traced too
    assert [argv for argv in opened if any(s in " ".join(argv) for s in secrets)] == []
    print(f"\n{len(argvs)} execve argv checked for {len(secrets)} secrets: 0 found")


_EXECVE = re.compile(r'execve\("[^"]*", \[(.*?)\], ')


def parse_execve(trace: str) -> list[list[str]]:
    """The argv of every execve line strace wrote (strings in C escapes)."""
    argvs = []
    for match in _EXECVE.finditer(trace):
        words = re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1))
        argvs.append([w.encode().decode("unicode_escape") for w in words])
    assert argvs, trace[:2000]
    return argvs


# --------------------------------------------------------------------------- reprs

SECRET = "SENTINEL-secret-value-0123456789"


def test_no_secret_in_any_repr() -> None:
    now = datetime.now(timezone.utc)
    settings = Settings.from_environ(
        {"AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": SECRET, "OTHER_TOOL_TOKEN": SECRET}
    )

    objects: list[object] = [
        Token(SECRET, now, refresh_token=SECRET, client_id="c", client_secret=SECRET),
        RoleCredentials("ASIAEXAMPLE", SECRET, SECRET, now),
        ClientRegistration("c", SECRET, now),
        DeviceAuthorization(SECRET, "ABCD-EFGH", "https://x", "https://x", 600, 5),
        oidc.TokenGrant(SECRET, 3600, SECRET),
        pkce.PkceRequest(SECRET, "challenge", "state"),
        engine.Credentials(RoleCredentials("ASIAEXAMPLE", SECRET, SECRET, now), now, True),
        # The settings hold what the shell holds: secrets in the shell state and
        # in what `exec` passes on, none of them shown.
        settings,
        engine.Context(
            settings=settings,
            now=lambda: now,
            monotonic=lambda: 0.0,
            sleep=lambda seconds: None,
        ),
    ]
    for thing in objects:
        assert SECRET not in repr(thing), type(thing).__name__
        assert SECRET not in str(thing), type(thing).__name__


def test_the_login_callback_outcome_hides_the_code() -> None:
    from ssoenv.loopback import _Outcome

    assert SECRET not in repr(_Outcome(code=SECRET))


# --------------------------------------------------------------------------- modes


def modes(paths: list[Path]) -> dict[str, int]:
    return {path.name: path.stat().st_mode & 0o777 for path in paths}


def test_cache_files_are_0600_in_0700_directories(logged_in: Emulator, isolated_env: Path) -> None:
    assert run("use", "dev", "--shell", "bash").returncode == 0
    sso = token_file(isolated_env).parent
    locks = isolated_env / ".cache" / "ssoenv" / "locks"
    for directory in (sso, credentials_dir(isolated_env), locks):
        assert directory.stat().st_mode & 0o777 == 0o700, directory
        files = list(directory.iterdir())
        assert files
        assert set(modes(files).values()) == {0o600}, modes(files)


def test_looser_modes_are_repaired_with_one_line_each(
    logged_in: Emulator, isolated_env: Path
) -> None:
    assert run("use", "dev", "--shell", "bash").returncode == 0
    token = token_file(isolated_env)
    (credential,) = credentials_dir(isolated_env).iterdir()
    loosened = [token.parent, credentials_dir(isolated_env)]
    for directory in loosened:
        directory.chmod(0o755)
    token.chmod(0o644)
    credential.chmod(0o644)

    result = run("use", "dev", "--shell", "bash")

    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "tightened" in line]
    for path in [*loosened, token, credential]:
        about = [line for line in warnings if line.split(" of ", 1)[1].startswith(f"{path} ")]
        assert len(about) == 1, (path, result.stderr)
        assert about[0].startswith("ssoenv: ")
    assert len(warnings) == 4
    assert token.parent.stat().st_mode & 0o777 == 0o700
    assert credentials_dir(isolated_env).stat().st_mode & 0o777 == 0o700
    assert modes([token, credential]) == {token.name: 0o600, credential.name: 0o600}
    # Repaired for good: the next run has nothing to say.
    again = run("use", "dev", "--shell", "bash")
    assert "tightened" not in again.stderr


def test_a_loose_file_of_another_user_is_refused(logged_in: Emulator, isolated_env: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    token = token_file(isolated_env)
    token.chmod(0o644)
    os.chown(token, 65534, 65534)  # nobody
    result = run("use", "dev", "--shell", "bash")
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "belongs to someone else" in line and str(token) in line
    assert token.stat().st_uid == 65534 and token.stat().st_mode & 0o777 == 0o644  # untouched
