"""Which login flow this machine can run, and opening a login page in a browser:
only where a browser on this machine can show it (and so reach the loopback
listener of the PKCE login), never through a shell, and never writing to
stdout (which `eval` reads). Imports nothing from ssoenv but settings and values."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Literal

from ssoenv.settings import Settings
from ssoenv.values import frozen

Flow = Literal["device", "pkce"]
_CONTAINER_MARKERS = ("/.dockerenv", "/run/.containerenv")  # docker, podman
_WSL_LAUNCHERS: tuple[tuple[str, ...], ...] = (
    ("wslview",),  # wslu: opens the Windows default browser
    ("cmd.exe", "/c", "start", ""),  # "" is start's window title, so the URL is not taken for it
)
# Characters cmd.exe treats as operators even inside an argument; `^` escapes them.
_CMD_SPECIAL = "^&|<>()"


def _proc_version() -> str:
    try:
        with open("/proc/version", encoding="utf-8", errors="replace") as handle:
            return handle.read(4096)
    except OSError:
        return ""


@frozen
class Host:
    """The facts about this machine that decide; tests pass their own."""

    settings: Settings  # the variables that tell (BROWSER, DISPLAY, SSH_*, WSL, CI)
    platform: str = sys.platform
    exists: Callable[[str], bool] = os.path.exists
    which: Callable[[str], str | None] = shutil.which
    proc_version: Callable[[], str] = _proc_version


@frozen
class Browser:
    available: bool
    reason: str  # why (not): "$BROWSER", "WSL (wslview)", "an SSH session without a display"…
    launcher: tuple[str, ...] = ()  # a command to run with the URL; () = the webbrowser module


@frozen
class FlowChoice:
    flow: Flow
    reason: str
    fallback: bool = False  # the browser login was wanted, but this machine cannot do it


def find(host: Host) -> Browser:
    """Whether a browser on this machine can show a page (and reach 127.0.0.1 here)."""
    env = host.settings
    if env.browser:
        return Browser(True, "$BROWSER")  # the user said which browser to use
    if host.platform.startswith("linux") and _is_wsl(host):
        for launcher in _WSL_LAUNCHERS:
            if host.which(launcher[0]):
                return Browser(True, f"WSL ({launcher[0]})", launcher)
    if (env.ci or "").lower() not in ("", "0", "false"):
        return Browser(False, "a CI job")
    if any(host.exists(marker) for marker in _CONTAINER_MARKERS):
        return Browser(False, "a container")
    display = bool(env.display or env.wayland_display)
    if not display and (env.ssh_connection or env.ssh_tty):
        return Browser(False, "an SSH session without a display")
    if host.platform == "darwin" or host.platform.startswith("win") or display:
        return Browser(True, "the desktop")
    return Browser(False, "no display (DISPLAY and WAYLAND_DISPLAY are unset)")


def _is_wsl(host: Host) -> bool:
    return bool(host.settings.wsl_distro_name) or "microsoft" in host.proc_version().lower()


def choose_flow(host: Host, *, use_device_code: bool, no_browser: bool) -> FlowChoice:
    """Authorization code with PKCE where a local browser can finish it, else the
    device code. Explicit choices first: the flag, then $SSOENV_LOGIN_FLOW."""
    if use_device_code:
        return FlowChoice("device", "--use-device-code")
    wanted = host.settings.login_flow  # ConfigError when it is none of the three
    if wanted in ("device", "pkce"):
        return FlowChoice("device" if wanted == "device" else "pkce", f"SSOENV_LOGIN_FLOW={wanted}")
    if no_browser:
        # The page will be opened by hand, maybe on another machine, whose browser
        # could not reach this machine's 127.0.0.1: only the device code works there.
        return FlowChoice("device", "--no-browser")
    browser = find(host)
    if not browser.available:
        return FlowChoice("device", browser.reason, fallback=True)
    return FlowChoice("pkce", browser.reason)


def open_url(url: str, host: Host) -> bool:
    """Try to open `url` in this machine's browser; True when a launcher took it.

    Launchers run in the background, never through a shell, with their stdout
    pointed at stderr; their success is not awaited (the URL is printed anyway).
    """
    browser = find(host)
    if not browser.available:
        return False
    with _stdout_to_stderr():
        if host.settings.browser:
            return any(_launch(argv) for argv in _browser_commands(host.settings.browser, url))
        if browser.launcher:
            return _launch(_with_url(browser.launcher, url))
        import webbrowser  # only here: it probes for browsers when imported

        try:
            return webbrowser.open(url, new=2)
        except webbrowser.Error:
            return False


def _browser_commands(value: str, url: str) -> Iterator[list[str]]:
    """$BROWSER as Python's webbrowser reads it: commands separated by the path
    separator, `%s` standing for the URL (else the URL is appended)."""
    for entry in value.split(os.pathsep):
        try:
            words = shlex.split(entry)
        except ValueError:
            continue
        if not words:
            continue
        if any("%s" in word for word in words):
            yield [word.replace("%s", url) for word in words]
        else:
            yield [*words, url]


def _with_url(launcher: Sequence[str], url: str) -> list[str]:
    if launcher[0] == "cmd.exe":
        # cmd.exe parses its own command line: `&` in a query string would end the
        # command there. Escaping each operator with `^` makes it plain text.
        url = "".join(f"^{c}" if c in _CMD_SPECIAL else c for c in url.replace('"', "%22"))
    return [*launcher, url]


def _launch(argv: list[str]) -> bool:
    try:
        # An argv list and no shell: the URL stays one argument whatever it holds.
        subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,  # a Ctrl-C in this terminal must not kill the browser
        )
    except OSError:
        return False
    return True


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Point file descriptor 1 at stderr while a launcher runs: it and any child
    it starts inherit that, so nothing it prints can end up in `eval`."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
