"""`ssoenv exec`: run one command with one role's credentials in its environment
(and nothing of another profile), forward signals to it, pass its exit status on.
Secrets travel in the child's environment only, never in an argument list."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from types import FrameType

from ssoenv import runtime as rt
from ssoenv.errors import SsoenvError, UsageError
from ssoenv.model import ChainedProfile, RoleCredentials, SsoProfile, rfc3339
from ssoenv.settings import CREDENTIAL_CHOOSERS, Settings

# Everything that could make a tool pick credentials or a profile other than ours.
STRIPPED = CREDENTIAL_CHOOSERS
STRIPPED_PREFIXES = ("SSOENV_", "__SSOENV_")
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
FORWARDED = tuple(
    getattr(signal, name)
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH")
    if hasattr(signal, name)
)
# The terminal sends these to its whole foreground process group, the child
# included: forwarding them too would deliver them twice (and a second Ctrl-C
# means "abort now" to tools such as terraform).
FROM_TERMINAL = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGQUIT", "SIGWINCH") if hasattr(signal, name)
)
EXIT_NOT_FOUND = 127
EXIT_NOT_EXECUTABLE = 126


class CommandNotFound(SsoenvError):
    exit_code = EXIT_NOT_FOUND  # type: ignore[assignment]  # the shells' code, not an ExitCode


class CommandNotExecutable(SsoenvError):
    exit_code = EXIT_NOT_EXECUTABLE  # type: ignore[assignment]


def child_environment(
    settings: Settings, role: RoleCredentials, region: str | None
) -> dict[str, str]:
    """The parent's environment minus every credential and profile selector, plus the
    role's credentials and region."""
    env = _without_credentials(settings, region)
    env["AWS_ACCESS_KEY_ID"] = role.access_key_id
    env["AWS_SECRET_ACCESS_KEY"] = role.secret_access_key
    env["AWS_SESSION_TOKEN"] = role.session_token
    env["AWS_CREDENTIAL_EXPIRATION"] = rfc3339(role.expiration)
    return env


def server_environment(
    settings: Settings, url: str, token: str, region: str | None
) -> dict[str, str]:
    """`exec --server`: the parent's environment minus every credential, profile
    selector and other container endpoint, plus the credential server's URI and
    token (no keys: the child's SDK asks the server for them), and the region."""
    from ssoenv import credserver

    env = _without_credentials(settings, region)
    for name in credserver.SHADOWING:
        env.pop(name, None)
    env[credserver.URI_VARIABLE] = url
    env[credserver.TOKEN_VARIABLE] = token
    return env


def _without_credentials(settings: Settings, region: str | None) -> dict[str, str]:
    """The parent's environment minus every credential and profile selector, with
    `region` (or without the region an earlier `ssoenv use` set)."""
    env = {
        key: value
        for key, value in settings.environ_for_child.items()
        if key not in STRIPPED and not key.startswith(STRIPPED_PREFIXES)
    }
    previous = settings.shell_state.ssoenv_region
    for name in REGION_VARIABLES:
        if region:
            env[name] = region
        elif previous and env.get(name) == previous:
            del env[name]  # set by an earlier `ssoenv use`: it belongs to that profile
    return env


def split_command(
    words: list[str], flags: set[str], values: frozenset[str] = frozenset()
) -> tuple[dict[str, str], list[str]]:
    """What follows PROFILE: (ssoenv options written before `--`, the command).

    `ssoenv exec dev -- cmd`, `ssoenv exec dev cmd` and `ssoenv exec dev --no-browser
    --region eu-west-1 -- cmd` all run `cmd`; a command's own `--` (`exec dev grep
    -- -x f`) is its own. A flag maps to "", an option in `values` to its value.
    """
    if words[:1] == ["--"]:
        return {}, words[1:]
    if not (words and words[0].startswith("-") and "--" in words):
        return {}, words
    cut = words.index("--")
    given: dict[str, str] = {}
    rest = words[:cut]
    while rest:
        word = rest.pop(0)
        if word in flags:
            given[word] = ""
        elif word in values and rest:
            given[word] = rest.pop(0)
        else:
            raise UsageError(
                f"unknown option {word!r} for ssoenv exec"
                if word not in values
                else f"{word} needs a value",
                hint="usage: ssoenv exec [--no-browser] [--server] [--region REGION] PROFILE "
                "-- COMMAND [ARGS]...",
            )
    return given, words[cut + 1 :]


def run_command(argv: list[str], env: Mapping[str, str]) -> int:
    """Run `argv` (no shell) and return the exit status a shell would report:
    the child's code, or 128+N when signal N killed it."""
    if not argv:
        raise UsageError(
            "no command to run", hint="usage: ssoenv exec PROFILE -- COMMAND [ARGS...]"
        )
    # Handlers go in first: a signal that arrives while the child starts is kept
    # for it rather than killing ssoenv and orphaning the child.
    with _Forwarder() as forwarder:
        child = _spawn(argv, env)
        forwarder.attach(child)
        code = child.wait()
    return 128 - code if code < 0 else code


def _spawn(argv: list[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(argv, env=dict(env), close_fds=True)
    except FileNotFoundError:
        raise CommandNotFound(f"{argv[0]}: command not found") from None
    except PermissionError:
        raise CommandNotExecutable(f"{argv[0]}: permission denied") from None
    except OSError as error:
        raise CommandNotExecutable(f"{argv[0]}: {error.strerror}") from None


class _Forwarder:
    """While the child runs, signals sent to ssoenv go to the child instead."""

    def __init__(self) -> None:
        self.child: subprocess.Popen[bytes] | None = None
        self.early: list[int] = []
        self.previous: dict[int, object] = {}
        self.foreground = _in_terminal_foreground()

    def __enter__(self) -> _Forwarder:
        self.previous = {signum: signal.signal(signum, self._handle) for signum in FORWARDED}
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]  # what signal() gave back

    def attach(self, child: subprocess.Popen[bytes]) -> None:
        self.child = child
        for signum in self.early:
            self._send(signum)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.foreground and signum in FROM_TERMINAL:
            return  # the terminal sent it to the child as well
        if self.child is None:
            self.early.append(signum)
        else:
            self._send(signum)

    def _send(self, signum: int) -> None:
        if self.child is not None:
            with contextlib.suppress(ProcessLookupError):
                self.child.send_signal(signum)


def _in_terminal_foreground() -> bool:
    """Whether ssoenv (and so its child) is in the terminal's foreground process group,
    where the terminal's own Ctrl-C, Ctrl-\\ and resize signals reach them both."""
    for stream in (sys.stdin, sys.stderr, sys.stdout):
        try:
            return os.tcgetpgrp(stream.fileno()) == os.getpgrp()
        except (OSError, ValueError, AttributeError):
            continue
    return False


def run(
    profile: str,
    argv: list[str],
    *,
    no_browser: bool,
    region: str | None = None,
    server: bool = False,
) -> int:
    """Run the command; `region` (--region) replaces the profile's region in its
    environment. `server` (--server): the command gets a credential server's URI
    and token instead of keys, and new credentials for as long as it runs."""

    given, command_line = split_command(argv, {"--no-browser", "--server"}, frozenset({"--region"}))
    no_browser = no_browser or "--no-browser" in given
    server = server or "--server" in given
    region = given.get("--region", region)
    if region is not None:
        rt.check_region_option(region)
    if not command_line:
        raise UsageError(
            "no command to run", hint="usage: ssoenv exec PROFILE -- COMMAND [ARGS]..."
        )
    from ssoenv import chains

    selected = rt.load_target(profile)
    if server:
        return _run_with_server(selected, command_line, no_browser=no_browser, region=region)
    ctx = rt.context(no_browser=no_browser)
    creds = chains.credentials_of(
        ctx, selected, allow_login=rt.interactive(), ask_mfa=rt.mfa_prompt()
    )
    env = child_environment(ctx.settings, creds.role, region or selected.region)
    return run_command(command_line, env)


def _run_with_server(
    selected: SsoProfile | ChainedProfile,
    command_line: list[str],
    *,
    no_browser: bool,
    region: str | None,
) -> int:
    """`exec --server`: a credential server for the child's lifetime. A login (or
    an MFA code) happens first, at a terminal; the server itself never asks:
    when the session ends it answers an error and says so once on stderr."""
    from ssoenv import chains, credserver

    window = max(rt.settings().refresh_window, credserver.SERVER_MIN_VALID)
    ctx = rt.context(no_browser=no_browser, refresh_window=window)
    chains.credentials_of(ctx, selected, allow_login=rt.interactive(), ask_mfa=rt.mfa_prompt())

    def fetch() -> RoleCredentials:
        return chains.credentials_of(ctx, selected, allow_login=False).role

    with credserver.CredentialServer(fetch, rt.say) as server:
        env = server_environment(ctx.settings, server.url, server.token, region or selected.region)
        return run_command(command_line, env)
