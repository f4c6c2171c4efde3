"""The command line: parses arguments, builds the real environment, clock and
HTTP client, calls the engine, prints (stdout: shell code only; stderr: people)
and maps errors to exit codes once, in main(). The only module importing typer.
Heavy modules (the engine, and with it `requests`) are imported inside the
commands that go to the network."""

import functools
import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from ssoenv import __version__
from ssoenv.errors import ConfigError, ExitCode, Interrupted, SsoenvError, UsageError

if TYPE_CHECKING:
    from ssoenv import engine
    from ssoenv.config import ConfigFile
    from ssoenv.model import DeviceAuthorization, SsoProfile, SsoSession
    from ssoenv.shells import Shell

EXIT_CODES_HELP = """Exit codes: 0 success; 1 unexpected error (a bug: rerun with --debug);
2 bad arguments; 3 configuration problem (~/.aws/config, unknown profile);
4 login required; 5 login failed or denied; 6 role not assigned to you;
7 other IAM Identity Center error; 8 network error or timeout; 130 interrupted."""

app = typer.Typer(
    name="ssoenv",
    help="One shell, one set of AWS IAM Identity Center role credentials.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    # Credentials live in locals: never let a pretty traceback print them.
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    pretty_exceptions_short=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("ssoenv")


def command(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """app.command(), with Ctrl-C turned into a clean, documented exit."""

    def register(function: F) -> F:
        @functools.wraps(function)
        def run(*a: Any, **k: Any) -> Any:
            try:
                return function(*a, **k)
            except KeyboardInterrupt:
                raise Interrupted("interrupted; nothing was changed") from None

        app.command(*args, **kwargs)(run)
        return function

    return register


# --- shared option types ---------------------------------------------------

ProfileArg = Annotated[
    str | None,
    typer.Argument(
        help="Profile in ~/.aws/config. Default: $AWS_PROFILE, else 'default'.",
        show_default=False,
    ),
]
ShellOpt = Annotated[
    str | None,
    typer.Option(
        "--shell",
        "-s",
        help="Output format: bash, zsh, sh, fish, powershell, nu, env or json. "
        "Default: the shell running ssoenv.",
        show_default=False,
    ),
]
NoBrowserOpt = Annotated[
    bool, typer.Option("--no-browser", help="Print the login URL instead of opening a browser.")
]
SessionOpt = Annotated[
    str | None,
    typer.Option(
        "--sso-session", help="An [sso-session] section instead of a profile.", show_default=False
    ),
]


def _version(value: bool) -> None:
    if value:
        print(f"ssoenv {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Log HTTP calls and show tracebacks (never secrets).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """One shell, one set of AWS IAM Identity Center role credentials.

    Add `eval "$(ssoenv init bash)"` (or zsh; `ssoenv init fish | source`) to your
    shell's rc file, then `ssoenv use PROFILE`.
    """


# --- commands ----------------------------------------------------------------


@command()
def use(
    profile: ProfileArg = None,
    shell: ShellOpt = None,
    no_login: Annotated[
        bool, typer.Option("--no-login", help="Never log in: fail if no valid session.")
    ] = False,
    no_browser: NoBrowserOpt = False,
) -> None:
    """Export a profile's role credentials into the current shell.

    Prints shell code for `eval`; the `ssoenv` shell function (see `ssoenv init`)
    evaluates it for you. Logs in first when needed and a terminal is attached.
    With --shell json it prints the credential_process JSON instead.
    """
    from ssoenv import emit, engine, hook

    fmt = _output_format(shell)
    _refuse_terminal_stdout("use", profile)
    selected = _load_profile(profile)
    interactive = not no_login and sys.stdin.isatty() and sys.stderr.isatty()
    ctx = _context(no_browser=no_browser)
    creds = engine.credentials(ctx, selected, allow_login=interactive)
    if fmt is None:
        sys.stdout.write(emit.credential_process(creds.role))
        return
    credential_file = ctx.credential_cache.path(selected)
    change = emit.use(
        selected.name,
        selected.region,
        creds.role,
        creds.session_expires,
        environ=os.environ,
        now=ctx.now(),
        refresh_window=ctx.refresh_window,
        credential_file=credential_file,
    )
    output = fmt.render(change.ops)
    hook.sync_marker(os.environ, credential_file)
    for note in change.notes:
        _say(note)
    _say(
        f"using '{selected.name}' ({selected.account_id} {selected.role_name}), "
        f"credentials valid until {_clock(creds.role.expiration)}"
    )
    sys.stdout.write(output)


@command()
def login(
    profile: ProfileArg = None,
    sso_session: SessionOpt = None,
    no_browser: NoBrowserOpt = False,
    force: Annotated[
        bool, typer.Option("--force", help="Start a new session even if one is valid.")
    ] = False,
) -> None:
    """Log in to IAM Identity Center (device code flow) and cache the session.

    Does nothing when the session is still valid or can be refreshed, unless
    --force. The session is shared with the AWS CLI v2 and botocore.
    """
    from ssoenv import engine

    session, endpoints, target = _login_target(profile, sso_session)
    ctx = _context(no_browser=no_browser)
    if not force:
        token = engine.usable_token(ctx, session, endpoints)
        if token is not None:
            _say(f"already logged in to {session.label} (until {_clock(token.expires_at)})")
            return
    token = engine.login(ctx, session, endpoints, force=force)
    _say(f"logged in to {session.start_url}; `ssoenv use {target}` is ready")


@command()
def logout(
    sso_session: Annotated[
        str | None,
        typer.Option(
            "--sso-session",
            help="End only this [sso-session]. Default: every cached session.",
            show_default=False,
        ),
    ] = None,
    shell: ShellOpt = None,
) -> None:
    """End IAM Identity Center sessions and remove their cached tokens and credentials.

    Prints shell code that unsets what `ssoenv use` set, so
    `eval "$(ssoenv logout)"` (or the shell function) also clears this shell.
    """
    from ssoenv import emit, engine
    from ssoenv.config import config_path, load_config, resolve_session

    cfg = load_config(config_path(os.environ))
    session = resolve_session(cfg, sso_session, os.environ) if sso_session else None
    fmt = _output_format(shell, required=False) if not sys.stdout.isatty() else None
    report = engine.logout(_context(), lambda region: _endpoints(cfg, region), session)
    if report.sessions:
        _say(f"logged out of {', '.join(report.sessions)}")
    else:
        _say("no cached SSO session to log out of")
    if report.credentials_removed:
        _say(f"removed {report.credentials_removed} cached role credential(s)")
    for failure in report.failures:
        _say(f"warning: the portal logout did not confirm: {failure}")
    _say("role credentials already handed out stay valid until they expire")
    if fmt is not None:
        sys.stdout.write(fmt.render(emit.clear(os.environ).ops))


@command()
def init(
    shell: Annotated[
        str, typer.Argument(help="bash, zsh or fish.", metavar="SHELL", show_default=False)
    ],
) -> None:
    """Print the shell integration: the `ssoenv` function, the prompt hook, the
    `ssoenv_prompt` badge and completions.

    bash: add `eval "$(ssoenv init bash)"` to ~/.bashrc;
    zsh: `eval "$(ssoenv init zsh)"` to ~/.zshrc;
    fish: `ssoenv init fish | source` to ~/.config/fish/config.fish.
    """
    from ssoenv import hooks

    sys.stdout.write(hooks.render(shell, _executable()))


@command("hook-env", hidden=True)
def hook_env(
    shell: Annotated[str, typer.Option("--shell", "-s", help="bash, zsh or fish.")],
) -> None:
    """Called by the prompt hook: refresh, pick up or clear credentials, never log in."""
    from ssoenv import hook
    from ssoenv.http import HOOK
    from ssoenv.shells import get_shell

    fmt = get_shell(shell)
    ctx = _context()
    ctx.policy = HOOK
    result = hook.run(ctx, lambda name: _load_profile(name))
    for note in result.change.notes:
        _say(note)
    output = fmt.render(result.change.ops)
    if result.credential_file is not None:
        hook.sync_marker(os.environ, result.credential_file)
    sys.stdout.write(output)


# --- helpers -----------------------------------------------------------------


def _executable() -> str:
    """The absolute path of this ssoenv, so the shell function calls the same one."""
    import shutil

    argv0 = sys.argv[0] if sys.argv else ""
    if os.path.basename(argv0) == "ssoenv" and os.access(argv0, os.X_OK):
        return os.path.abspath(argv0)
    return shutil.which("ssoenv") or "ssoenv"


def _say(message: str) -> None:
    print(f"ssoenv: {message}", file=sys.stderr, flush=True)


def _clock(moment: datetime) -> str:
    local = moment.astimezone()
    left = moment - datetime.now(timezone.utc)
    minutes = max(0, int(left.total_seconds() // 60))
    span = f"{minutes}m" if minutes < 120 else f"{minutes // 60}h{minutes % 60:02d}m"
    return f"{local:%H:%M} ({span})"


def _output_format(name: str | None, *, required: bool = True) -> "Shell | None":
    """The Shell to render for, or None for the credential_process JSON."""
    from ssoenv.shells import detect_shell, get_shell

    if name == "json":
        return None
    if name is not None:
        return get_shell(name)
    try:
        return detect_shell(None, os.environ)
    except UsageError:
        if required:
            raise
        return None


def _refuse_terminal_stdout(verb: str, profile: str | None) -> None:
    """Shell code with secrets is for eval, not for the screen (or scrollback)."""
    if sys.stdout.isatty():
        target = f" {profile}" if profile else ""
        raise UsageError(
            f"`ssoenv {verb}` prints shell code with credentials, meant for eval",
            hint=f'run `eval "$(ssoenv {verb}{target})"`, or set up `ssoenv init` '
            f"so that `ssoenv {verb}{target}` does it for you",
        )


def _load_config() -> "ConfigFile":
    from ssoenv.config import config_path, load_config

    return load_config(config_path(os.environ))


def _load_profile(name: str | None) -> "SsoProfile":
    from ssoenv.config import resolve_profile, select_profile

    cfg = _load_config()
    chosen, source = select_profile(name, os.environ)
    profile: SsoProfile = resolve_profile(cfg, chosen, os.environ, source=source)
    return profile


def _login_target(profile: str | None, sso_session: str | None) -> tuple[Any, Any, str]:
    from ssoenv.config import resolve_session

    if profile and sso_session:
        raise UsageError("give a profile or --sso-session, not both")
    if sso_session:
        cfg = _load_config()
        session = resolve_session(cfg, sso_session, os.environ)
        return session, _endpoints(cfg, session.region), f"<profile of {sso_session}>"
    selected = _load_profile(profile)
    return selected.session, selected.endpoints, selected.name


def _endpoints(cfg: "ConfigFile", region: str) -> Any:
    from ssoenv.endpoints import resolve_endpoints

    return resolve_endpoints(cfg, {}, region, os.environ)


def _refresh_window() -> timedelta:
    raw = os.environ.get("SSOENV_REFRESH_WINDOW", "")
    if not raw:
        return timedelta(minutes=10)
    if not raw.isdigit():
        raise ConfigError(
            f"SSOENV_REFRESH_WINDOW must be a number of seconds, not '{raw[:40]}'",
            hint="set it to e.g. 600, or unset it",
        )
    return timedelta(seconds=int(raw))


def _context(*, no_browser: bool = False) -> "engine.Context":
    from ssoenv import engine

    return engine.Context(
        environ=os.environ,
        now=lambda: datetime.now(timezone.utc),
        monotonic=time.monotonic,
        sleep=time.sleep,
        on_device_code=functools.partial(_show_device_code, no_browser=no_browser),
        on_wait=_say,
        refresh_window=_refresh_window(),
    )


def _show_device_code(
    authorization: "DeviceAuthorization", session: "SsoSession", *, no_browser: bool
) -> None:
    from ssoenv import browser

    url = authorization.verification_uri_complete
    _say(f"log in to {session.start_url}; the page must show the code {authorization.user_code}")
    opened = not no_browser and browser.open_url(url, os.environ)
    _say(f"{'opened in your browser' if opened else 'open this page'}: {url}")
    _say("waiting for approval (Ctrl-C to cancel)")


# --- entry point -------------------------------------------------------------


def _setup_logging(debug: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("ssoenv: %(name)s: %(message)s" if debug else "ssoenv: %(message)s")
    )
    root = logging.getLogger("ssoenv")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    root.propagate = False


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args or os.environ.get("SSOENV_DEBUG") == "1"
    _setup_logging(debug)
    try:
        app(args=args, prog_name="ssoenv")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else ExitCode.UNEXPECTED
    except SsoenvError as error:
        if debug:
            raise
        hint = f"; {error.hint}" if error.hint else ""
        print(f"ssoenv: {error.message}{hint}", file=sys.stderr)
        return int(error.exit_code)
    return 0
