"""The command line: parses arguments, builds the real environment, clock and
HTTP client, calls the engine, prints (stdout: shell code only; stderr: people)
and maps errors to exit codes once, in main(). The only module importing typer.
Heavy modules (the engine, and with it `requests`) are imported inside the
commands that go to the network."""

import functools
import itertools
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
    from pathlib import Path

    from ssoenv import browser, engine
    from ssoenv.config import ConfigFile
    from ssoenv.configwriter import EditResult
    from ssoenv.inventory import Account
    from ssoenv.model import DeviceAuthorization, SsoProfile, SsoSession
    from ssoenv.prompter import Prompter
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
    bool,
    typer.Option(
        "--no-browser",
        help="Do not open a browser: print the login URL and log in with a device code "
        "(which works from any device).",
    ),
]
DeviceCodeOpt = Annotated[
    bool,
    typer.Option(
        "--use-device-code",
        help="Log in with a device code instead of the browser login "
        "(authorization code with PKCE).",
    ),
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
    use_device_code: DeviceCodeOpt = False,
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
    # Only a person at a terminal may be sent to a browser: the prompt hook,
    # credential_process and scripts get one line naming `ssoenv login` instead.
    interactive = not no_login and sys.stdin.isatty() and sys.stderr.isatty()
    ctx = _context(no_browser=no_browser, use_device_code=use_device_code)
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
    use_device_code: DeviceCodeOpt = False,
    force: Annotated[
        bool, typer.Option("--force", help="Start a new session even if one is valid.")
    ] = False,
) -> None:
    """Log in to IAM Identity Center and cache the session.

    In the browser (authorization code with PKCE, as the AWS CLI v2 does) when
    a browser on this machine can finish the login; otherwise, and with
    --use-device-code, --no-browser or a legacy profile, with a device code
    you approve on any device. One login per session at a time: others wait
    for it (at most $SSOENV_LOGIN_WAIT seconds, default 300). Does nothing when
    the session is still valid or can be refreshed, unless --force. The
    session is shared with the AWS CLI v2 and botocore. See docs/login.md.
    """
    from ssoenv import engine

    session, endpoints, target = _login_target(profile, sso_session)
    ctx = _context(no_browser=no_browser, use_device_code=use_device_code)
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


# --- workflows -----------------------------------------------------------------
# configure, list, status, accounts, populate, exec, credential-process: the
# everyday workflows (docs/workflows.md). Thin: parse, call a module, print.

# botocore refreshes process credentials with less than 15 min left: hand out more,
# or every call would run `ssoenv credential-process` again.
PROCESS_MIN_VALID = timedelta(minutes=16)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
WfSessionOpt = Annotated[
    str | None,
    typer.Option(
        "--sso-session",
        help="The [sso-session] to use. Default: the only one in the config.",
        show_default=False,
    ),
]
ConfSessionOpt = Annotated[
    str | None,
    typer.Option("--sso-session", help="Name of the [sso-session] to write.", show_default=False),
]
StartUrlOpt = Annotated[
    str | None,
    typer.Option("--start-url", help="The AWS access portal URL.", show_default=False),
]
SsoRegionOpt = Annotated[
    str | None,
    typer.Option("--sso-region", help="Region of IAM Identity Center.", show_default=False),
]
ScopesOpt = Annotated[
    str | None,
    typer.Option(
        "--scopes", help="Registration scopes, comma-separated. Default: sso:account:access."
    ),
]

AccountIdOpt = Annotated[
    str | None, typer.Option("--account-id", help="The account (12 digits).", show_default=False)
]
RoleNameOpt = Annotated[
    str | None, typer.Option("--role-name", help="The role's name.", show_default=False)
]
ProfileRegionOpt = Annotated[
    str | None,
    typer.Option("--region", help="The profile's default region, or 'none'.", show_default=False),
]
OutputOpt = Annotated[
    str | None,
    typer.Option(
        "--output",
        help="The AWS CLI output format (json, text, table, yaml...) or 'none'.",
        show_default=False,
    ),
]
ProfileNameOpt = Annotated[
    str | None,
    typer.Option(
        "--profile", help="Profile name. Default: <account id>_<role name>.", show_default=False
    ),
]
TemplateOpt = Annotated[
    str,
    typer.Option(
        "--template",
        help="Profile names, from {account_id} {account_name} {account_email} "
        "{role_name} {sso_session}; sanitised to [A-Za-z0-9._-].",
    ),
]
PopulateRegionOpt = Annotated[
    str | None,
    typer.Option(
        "--region", help="Set this region in every generated profile.", show_default=False
    ),
]
PruneOpt = Annotated[
    bool, typer.Option("--prune", help="Remove generated profiles no longer generated.")
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Print the diff to stdout; change nothing.")
]


def _interruptible(function: F) -> F:
    """Ctrl-C in a sub-command: the same clean exit as command() gives."""

    @functools.wraps(function)
    def run(*a: Any, **k: Any) -> Any:
        try:
            return function(*a, **k)
        except KeyboardInterrupt:
            raise Interrupted("interrupted; nothing was changed") from None

    return run  # type: ignore[return-value]


configure_app = typer.Typer(
    invoke_without_command=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(configure_app, name="configure")


@configure_app.callback()
@_interruptible
def configure(
    context: typer.Context,
    sso_session: ConfSessionOpt = None,
    start_url: StartUrlOpt = None,
    sso_region: SsoRegionOpt = None,
    scopes: ScopesOpt = None,
    account_id: AccountIdOpt = None,
    role_name: RoleNameOpt = None,
    region: ProfileRegionOpt = None,
    output: OutputOpt = None,
    profile: ProfileNameOpt = None,
    no_browser: NoBrowserOpt = False,
) -> None:
    """Set up a profile: SSO session, login, account and role, region, output, name.

    Asks on the terminal for what no flag gives; with every flag (or without a
    terminal) it asks nothing. Writes the [sso-session] and [profile] sections
    into ~/.aws/config, keeping every comment and other section, and the
    previous file in config.ssoenv-backup. `ssoenv configure sso-session`
    writes only the session.
    """
    if context.invoked_subcommand is not None:
        return
    from ssoenv import wizard

    answers = wizard.Answers(
        sso_session, start_url, sso_region, scopes, account_id, role_name, region, output, profile
    )
    cfg = _load_config()
    done = wizard.configure(
        _context(no_browser=no_browser),
        cfg,
        answers,
        _prompter(),
        lambda sso_region: _endpoints(cfg, sso_region),
        lock=_config_lock(),
    )
    _report_write(done.result)
    _say(f"profile '{done.profile}' is ready: `ssoenv use {done.profile}`")


@configure_app.command("sso-session")
@_interruptible
def configure_sso_session(
    sso_session: ConfSessionOpt = None,
    start_url: StartUrlOpt = None,
    sso_region: SsoRegionOpt = None,
    scopes: ScopesOpt = None,
) -> None:
    """Write only an [sso-session] section (no login, no profile)."""
    from ssoenv import wizard

    answers = wizard.Answers(sso_session, start_url, sso_region, scopes)
    done = wizard.configure_session(_load_config(), answers, _prompter(), lock=_config_lock())
    _report_write(done.result)
    _say(f"log in with `ssoenv login --sso-session {done.session.name}`")


@command("list")
def list_profiles(as_json: JsonOpt = False) -> None:
    """Every profile in the config: SSO session, account, role, region and the
    session's state (logged in until HH:MM, refreshable, expired, not logged in).

    Reads the token cache only; no network. '*' marks this shell's profile.
    """
    import json

    from ssoenv import status

    now = datetime.now(timezone.utc)
    rows = status.profile_rows(_load_config(), os.environ, now)
    if as_json:
        print(json.dumps([row.as_json() for row in rows], indent=2))
    else:
        sys.stdout.write(status.table(rows, now))


@command(
    "status",
    epilog="Exit codes: 0 the credentials are valid; 4 no profile is active in this shell, "
    "or its credentials expired (or their expiry is unknown).",
)
def shell_status(as_json: JsonOpt = False) -> None:
    """This shell's active profile, when its credentials expire and when its
    session does (from the environment and the token cache; no network)."""
    import json

    from ssoenv import status

    now = datetime.now(timezone.utc)
    try:
        config = _load_config() if os.environ.get("SSOENV_PROFILE") else None
    except ConfigError:
        config = None  # the environment alone still answers the question
    found = status.shell_status(os.environ, config, now)
    if as_json:
        print(json.dumps(found.as_json(), indent=2))
    else:
        sys.stdout.write(status.format_columns([(f"{k}:", v) for k, v in found.lines(now)]))
    if not found.valid:
        target = f" {found.profile}" if found.profile else " PROFILE"
        _say(f"{found.problem}; run `ssoenv use{target}`")
        raise typer.Exit(int(ExitCode.LOGIN_REQUIRED))


@command()
def accounts(
    sso_session: WfSessionOpt = None, as_json: JsonOpt = False, no_browser: NoBrowserOpt = False
) -> None:
    """The accounts and roles IAM Identity Center offers you: every page, the
    roles of many accounts fetched a few at a time. Progress goes to stderr."""
    import json

    from ssoenv import inventory

    _, found = _inventory(sso_session, no_browser)
    if as_json:
        print(json.dumps([account.as_json() for account in found], indent=2))
    else:
        sys.stdout.write(inventory.table(found))


@command()
def populate(
    sso_session: WfSessionOpt = None,
    template: TemplateOpt = "{account_name}.{role_name}",
    region: PopulateRegionOpt = None,
    prune: PruneOpt = False,
    dry_run: DryRunOpt = False,
    no_browser: NoBrowserOpt = False,
) -> None:
    """Write a profile for every account and role of an SSO session.

    Generated sections carry a '# managed by ssoenv populate (sso-session NAME)'
    line under their header; populate updates and prunes only those. A name
    taken by a hand-written profile gets -2, -3... (in account id, role order),
    unless that profile already points at the same role. Running it again
    changes nothing.
    """
    from ssoenv import populate as planner
    from ssoenv.prompter import check_region

    planner.check_template(template)
    if region is not None:
        check_region(region)
    session, found = _inventory(sso_session, no_browser)
    report, result = planner.write(
        _load_config().path,
        _config_lock(),
        found,
        session=session.name or "",
        template=template,
        region=region,
        prune=prune,
        dry_run=dry_run,
    )
    if dry_run:
        sys.stdout.write(result.diff)
    for line in planner.summary(report, dry_run=dry_run):
        _say(line)
    if not dry_run:
        _report_write(result)


@command(
    "exec",
    context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True},
)
def exec_command(
    profile: Annotated[
        str,
        typer.Argument(help="Profile in ~/.aws/config.", metavar="PROFILE", show_default=False),
    ],
    argv: Annotated[
        list[str] | None,
        typer.Argument(metavar="-- COMMAND [ARGS]", help="The command to run.", show_default=False),
    ] = None,
    no_browser: NoBrowserOpt = False,
) -> None:
    """Run a command with a profile's role credentials in its environment.

    `ssoenv exec dev -- aws s3 ls`. The command gets the role's credentials and
    region, and none of the AWS_PROFILE or credential variables of this shell.
    Signals are forwarded; the exit status is the command's (128+N when signal
    N ended it; 127 when it is not found). Logs in only at a terminal.
    """
    from ssoenv import engine, execute

    given, command_line = execute.split_command(list(argv or []), {"--no-browser"})
    no_browser = no_browser or "--no-browser" in given
    if not command_line:
        raise UsageError(
            "no command to run", hint="usage: ssoenv exec PROFILE -- COMMAND [ARGS]..."
        )
    selected = _load_profile(profile)
    ctx = _context(no_browser=no_browser)
    creds = engine.credentials(ctx, selected, allow_login=_interactive())
    env = execute.child_environment(os.environ, creds.role, selected.region)
    raise typer.Exit(execute.run(command_line, env))


@command("credential-process")
def credential_process(
    profile: Annotated[
        str,
        typer.Argument(help="Profile in ~/.aws/config.", metavar="PROFILE", show_default=False),
    ],
) -> None:
    """Print PROFILE's role credentials as the JSON a `credential_process` line
    expects (Version 1). Never interactive: without a session it fails with one
    line on stderr, which botocore and the AWS CLI show. In ~/.aws/config:

        [profile dev-process]
        credential_process = ssoenv credential-process dev
    """
    from ssoenv import emit, engine

    selected = _load_profile(profile)
    ctx = _context()
    ctx.refresh_window = max(ctx.refresh_window, PROCESS_MIN_VALID)
    creds = engine.credentials(ctx, selected, allow_login=False)
    sys.stdout.write(emit.credential_process(creds.role))


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def _prompter() -> "Prompter":
    from ssoenv.prompter import Prompter

    def write(text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()

    return Prompter(sys.stdin.readline, write, interactive=_interactive())


def _config_lock() -> "Path":
    from ssoenv import paths

    return paths.locks_dir(os.environ) / "aws-config.lock"


def _report_write(result: "EditResult") -> None:
    if not result.written:
        _say(f"{result.where} already says so: nothing to change")
        return
    backup = f" (the previous version is in {result.backup})" if result.backup else ""
    _say(f"updated {result.where}{backup}")


def _inventory(name: str | None, no_browser: bool) -> "tuple[SsoSession, list[Account]]":
    from ssoenv import inventory

    cfg = _load_config()
    session = inventory.choose_session(cfg, name, os.environ)
    progress = inventory.ProgressLine(sys.stderr.write, tty=sys.stderr.isatty())
    try:
        found = inventory.fetch(
            _context(no_browser=no_browser),
            session,
            _endpoints(cfg, session.region),
            allow_login=_interactive(),
            on_progress=progress,
        )
    finally:
        progress.close()
    return session, found


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


def _login_wait() -> float:
    raw = os.environ.get("SSOENV_LOGIN_WAIT", "")
    if not raw:
        return 300.0
    if not raw.isdigit():
        raise ConfigError(
            f"SSOENV_LOGIN_WAIT must be a number of seconds, not '{raw[:40]}'",
            hint="set it to e.g. 300, or unset it",
        )
    return float(raw)


def _context(*, no_browser: bool = False, use_device_code: bool = False) -> "engine.Context":
    from ssoenv import browser, engine

    host = browser.Host(os.environ)
    # Decided when a login starts, not before: commands that end up not logging
    # in must not fail on a bad SSOENV_LOGIN_FLOW.
    choice = functools.cache(
        lambda: browser.choose_flow(host, use_device_code=use_device_code, no_browser=no_browser)
    )
    return engine.Context(
        environ=os.environ,
        now=lambda: datetime.now(timezone.utc),
        monotonic=time.monotonic,
        sleep=time.sleep,
        on_device_code=functools.partial(
            _show_device_code, host=host, no_browser=no_browser, choice=choice
        ),
        on_authorize_url=functools.partial(_show_authorize_url, host=host, no_browser=no_browser),
        choose_flow=lambda session: choice().flow,
        on_wait=_say,
        refresh_window=_refresh_window(),
        login_wait=_login_wait(),
    )


def _show_device_code(
    authorization: "DeviceAuthorization",
    session: "SsoSession",
    *,
    host: "browser.Host",
    no_browser: bool,
    choice: "Callable[[], browser.FlowChoice]",
) -> None:
    from ssoenv import browser

    if session.refreshable and choice().fallback:
        _say(f"no browser here can finish a browser login ({choice().reason}); using a code")
    url = authorization.verification_uri_complete
    _say(f"log in to {session.start_url}; the page must show the code {authorization.user_code}")
    opened = not no_browser and browser.open_url(url, host)
    _say(f"{'opened in your browser' if opened else 'open this page'}: {url}")
    _say("waiting for approval (Ctrl-C to cancel)")


def _show_authorize_url(
    url: str, session: "SsoSession", *, host: "browser.Host", no_browser: bool
) -> None:
    from ssoenv import browser

    _say(f"log in to {session.start_url} in your browser")
    opened = not no_browser and browser.open_url(url, host)
    where = "opened in your browser" if opened else "open this page in a browser on this machine"
    _say(f"{where}: {url}")
    _say("waiting for the browser to come back (Ctrl-C to cancel)")


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
    # --debug is a root option: only words before the command count (a command run
    # by `ssoenv exec` may take its own --debug).
    root_options = itertools.takewhile(lambda word: word.startswith("-"), args)
    debug = "--debug" in root_options or os.environ.get("SSOENV_DEBUG") == "1"
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
