"""How login picks its flow and opens the browser: PKCE where a browser on this
machine can reach the loopback listener, the device code where none can (SSH
without a display, containers, CI, no display), WSL's Windows browser, $BROWSER,
and the flags and $SSOENV_LOGIN_FLOW that decide explicitly."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from ssoenv import browser
from ssoenv.browser import Host
from ssoenv.errors import ConfigError
from ssoenv.settings import Settings
from tests.emulator import Emulator
from tests.helpers import run
from tests.test_pkce import scripted_browser

URL = "http://127.0.0.1:9/authorize?response_type=code&client_id=c&scopes=a%20b"
NO_BROWSER_HERE = {"BROWSER": "", "DISPLAY": "", "WAYLAND_DISPLAY": "", "CI": ""}


def host(
    environ: Mapping[str, str] | None = None,
    *,
    platform: str = "linux",
    files: tuple[str, ...] = (),
    programs: tuple[str, ...] = (),
    proc_version: str = "Linux version 6.1.0-18-amd64 (Debian)",
) -> Host:
    return Host(
        settings=Settings.from_environ(environ or {}),
        platform=platform,
        exists=lambda path: path in files,
        which=lambda name: f"/usr/bin/{name}" if name in programs else None,
        proc_version=lambda: proc_version,
    )


@pytest.mark.parametrize(
    ("machine", "available", "reason"),
    [
        (host({"DISPLAY": ":0"}), True, "the desktop"),
        (host({"WAYLAND_DISPLAY": "wayland-0"}), True, "the desktop"),
        (host({}), False, "no display"),
        (host({}, platform="darwin"), True, "the desktop"),
        (host({"SSH_CONNECTION": "10.0.0.1 5 10.0.0.2 22"}, platform="darwin"), False, "SSH"),
        (host({"SSH_TTY": "/dev/pts/1", "DISPLAY": "localhost:10.0"}), True, "the desktop"),
        (host({"DISPLAY": ":0", "CI": "true"}), False, "CI"),
        (host({"DISPLAY": ":0", "CI": "false"}), True, "the desktop"),
        (host({"DISPLAY": ":0"}, files=("/.dockerenv",)), False, "container"),
        (host({}, files=("/run/.containerenv",)), False, "container"),
        (host({"BROWSER": "firefox", "CI": "1"}, files=("/.dockerenv",)), True, "$BROWSER"),
        (host({"WSL_DISTRO_NAME": "Ubuntu"}, programs=("wslview", "cmd.exe")), True, "wslview"),
        (
            host({}, programs=("cmd.exe",), proc_version="Linux 5.15.1-microsoft-standard-WSL2"),
            True,
            "WSL (cmd.exe)",
        ),
        (host({"WSL_DISTRO_NAME": "Ubuntu"}), False, "no display"),  # interop switched off
    ],
)
def test_which_machines_have_a_browser_that_can_reach_the_listener(
    machine: Host, available: bool, reason: str
) -> None:
    found = browser.find(machine)
    assert found.available is available
    assert reason in found.reason


@pytest.mark.parametrize(
    ("environ", "flags", "flow", "fallback"),
    [
        ({"DISPLAY": ":0"}, {}, "pkce", False),
        ({}, {}, "device", True),
        ({"DISPLAY": ":0"}, {"use_device_code": True}, "device", False),
        ({"DISPLAY": ":0"}, {"no_browser": True}, "device", False),
        ({"DISPLAY": ":0", "SSOENV_LOGIN_FLOW": "device"}, {}, "device", False),
        ({"SSOENV_LOGIN_FLOW": "pkce"}, {}, "pkce", False),
        ({"SSOENV_LOGIN_FLOW": "PKCE"}, {"no_browser": True}, "pkce", False),
        ({"SSOENV_LOGIN_FLOW": "pkce"}, {"use_device_code": True}, "device", False),
        ({"SSOENV_LOGIN_FLOW": "auto", "DISPLAY": ":0"}, {}, "pkce", False),
    ],
)
def test_the_flow_follows_flags_then_the_variable_then_the_machine(
    environ: dict[str, str], flags: dict[str, bool], flow: str, fallback: bool
) -> None:
    options = {"use_device_code": False, "no_browser": False} | flags
    choice = browser.choose_flow(host(environ), **options)
    assert (choice.flow, choice.fallback) == (flow, fallback)


def test_a_bad_flow_variable_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="SSOENV_LOGIN_FLOW must be device, pkce or auto"):
        browser.choose_flow(
            host({"SSOENV_LOGIN_FLOW": "browser"}), use_device_code=False, no_browser=False
        )


class Launches:
    """Stands in for subprocess.Popen: records each command instead of running it."""

    def __init__(self, missing: tuple[str, ...] = ()) -> None:
        self.commands: list[list[str]] = []
        self.options: list[dict[str, Any]] = []
        self.missing = missing

    def __call__(self, argv: list[str], **options: Any) -> None:
        if argv[0] in self.missing:
            raise FileNotFoundError(argv[0])
        self.commands.append(argv)
        self.options.append(options)


@pytest.fixture
def launches(monkeypatch: pytest.MonkeyPatch) -> Launches:
    recorder = Launches(missing=("no-such-browser",))
    monkeypatch.setattr(subprocess, "Popen", recorder)
    return recorder


def test_browser_variable_is_honoured_with_its_placeholder_and_fallbacks(
    launches: Launches,
) -> None:
    value = "no-such-browser:open-url --new-tab '%s' --quiet"
    assert browser.open_url(URL, host({"BROWSER": value}))
    # The URL is one argument, untouched: no shell ever sees it.
    assert launches.commands == [["open-url", "--new-tab", URL, "--quiet"]]
    assert launches.options[0]["start_new_session"] is True
    assert "shell" not in launches.options[0]


def test_wsl_opens_the_windows_browser(launches: Launches) -> None:
    wsl = {"WSL_DISTRO_NAME": "Ubuntu"}
    assert browser.open_url(URL, host(wsl, programs=("wslview", "cmd.exe")))
    assert browser.open_url(URL, host(wsl, programs=("cmd.exe",)))
    escaped = URL.replace("&", "^&")  # cmd.exe would end the command at a bare `&`
    assert launches.commands == [["wslview", URL], ["cmd.exe", "/c", "start", "", escaped]]


def test_nothing_is_launched_where_no_browser_can_show_the_page(launches: Launches) -> None:
    assert not browser.open_url(URL, host({"SSH_CONNECTION": "a 1 b 22"}))
    assert launches.commands == []


# --------------------------------------------------------------------------- the command


def test_use_device_code_forces_the_device_flow(
    aws_env: Path, emulator: Emulator, tmp_path: Path
) -> None:
    chrome, _ = scripted_browser(tmp_path)
    result = run("login", "dev", "--use-device-code", env={"BROWSER": chrome})
    assert result.returncode == 0, result.stderr
    assert "the page must show the code" in result.stderr
    assert emulator.calls["StartDeviceAuthorization"] == 1
    assert emulator.calls["Authorize"] == 0


@pytest.mark.parametrize(
    ("environ", "reason"),
    [
        ({"CI": "true"}, "(a CI job)"),
        ({"SSH_CONNECTION": "10.0.0.1 50000 10.0.0.2 22"}, "no browser here"),
    ],
)
def test_without_a_reachable_browser_login_falls_back_to_the_device_code(
    aws_env: Path, emulator: Emulator, environ: dict[str, str], reason: str
) -> None:
    result = run("login", "dev", env=NO_BROWSER_HERE | environ)
    assert result.returncode == 0, result.stderr
    assert "no browser here can finish a browser login" in result.stderr
    assert reason in result.stderr
    assert f"open this page: {emulator.url}/device?user_code=" in result.stderr
    assert emulator.calls["Authorize"] == 0


def test_legacy_profiles_use_the_device_code_even_with_a_browser(
    aws_env: Path, emulator: Emulator, tmp_path: Path
) -> None:
    chrome, _ = scripted_browser(tmp_path)
    result = run("login", "old", env={"BROWSER": chrome})
    assert result.returncode == 0, result.stderr
    assert emulator.calls["StartDeviceAuthorization"] == 1
    assert emulator.calls["Authorize"] == 0
    assert "no browser here" not in result.stderr


def test_a_launcher_never_writes_to_stdout(aws_env: Path, emulator: Emulator) -> None:
    # `echo` as the browser prints the URL: it must land on stderr, never in `eval`.
    result = run("login", "dev", "--use-device-code", env={"BROWSER": "echo launched"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert f"launched {emulator.url}/device?user_code=" in result.stderr


def test_a_bad_flow_variable_is_one_line(aws_env: Path, emulator: Emulator) -> None:
    result = run("login", "dev", env={"SSOENV_LOGIN_FLOW": "sometimes"})
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1 and "SSOENV_LOGIN_FLOW" in result.stderr
    assert emulator.calls["RegisterClient"] == 0


def test_a_command_that_never_logs_in_ignores_the_flow_variable(
    aws_env: Path, emulator: Emulator
) -> None:
    assert run("login", "dev", "--no-browser").returncode == 0
    result = run("use", "dev", "--shell", "bash", env={"SSOENV_LOGIN_FLOW": "sometimes"})
    assert result.returncode == 0, result.stderr


def test_use_without_a_terminal_never_starts_a_browser_login(
    aws_env: Path, emulator: Emulator, tmp_path: Path
) -> None:
    chrome, log = scripted_browser(tmp_path)
    result = run("use", "dev", "--shell", "bash", env={"BROWSER": chrome})
    assert result.returncode == 4
    assert result.stdout == "" and result.stderr.count("\n") == 1
    assert "run `ssoenv login dev`" in result.stderr
    assert emulator.calls["RegisterClient"] == 0 and emulator.calls["Authorize"] == 0
    assert not log.exists()
