"""The command line as typer declares it: commands, options and their help.
Each command hands its arguments to its module in ssoenv.commands; errors are mapped to exit
codes once, in ssoenv.main. The only module importing typer, and imported only
when a command is not served by a fast path (see ssoenv.main)."""

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from ssoenv import __version__
from ssoenv.errors import Interrupted

EXIT_CODES_HELP = """Exit codes: 0 success; 1 unexpected error (a bug: rerun with --debug);
2 bad arguments; 3 configuration problem (~/.aws/config, unknown profile);
4 login required; 5 login failed or denied; 6 role not assigned to you;
7 other IAM Identity Center or STS error; 8 network error or timeout; 9 partly done
(logout, populate: each item not done is named on stderr); 130 interrupted;
141 stdout closed early (`| head`)."""

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


# `ssoenv use dev --debug` works as `ssoenv --debug use dev` does. ssoenv.main
# reads and removes the flag before typer runs (it decides what a command run by
# `ssoenv exec` keeps); every command declares it too, hidden (the root's help
# lists it), so that typer alone parses the same command lines as ssoenv does.
DebugOpt = Annotated[bool, typer.Option("--debug", hidden=True)]


def _interruptible(function: F) -> F:
    """Ctrl-C turned into a clean, documented exit (typer would exit 130 silently);
    the command also takes the hidden --debug flag (see DebugOpt)."""

    @functools.wraps(function)
    def run(*a: Any, debug: bool = False, **k: Any) -> Any:
        try:
            return function(*a, **k)
        except KeyboardInterrupt:
            raise Interrupted("interrupted; nothing was changed") from None

    signature = inspect.signature(function)
    flag = inspect.Parameter(
        "debug", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=DebugOpt
    )
    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), flag]
    )
    # A new dict: functools.wraps shares the wrapped function's own.
    run.__annotations__ = {**function.__annotations__, "debug": DebugOpt}
    return run  # type: ignore[return-value]


def _summary(doc: str | None) -> str:
    """A command's first paragraph, whole: click would cut it at 45 characters
    in the command list of `ssoenv --help`."""
    return " ".join(inspect.cleandoc(doc or "").split("\n\n")[0].split())


def command(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """app.command(), interruptible, with its whole summary in `ssoenv --help`."""

    def register(function: F) -> F:
        kwargs.setdefault("short_help", _summary(function.__doc__))
        app.command(*args, **kwargs)(_interruptible(function))
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
RegionOpt = Annotated[
    str | None,
    typer.Option(
        "--region",
        help="Export this region (AWS_REGION and AWS_DEFAULT_REGION) instead of the "
        "profile's; the config is not changed.",
        show_default=False,
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
        bool,
        typer.Option(
            "--debug",
            help="Log each API call and show tracebacks, never secrets. "
            "Also accepted after the command (ssoenv use dev --debug).",
        ),
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
    region: RegionOpt = None,
) -> None:
    """Export a profile's role credentials into the current shell.

    Prints shell code for `eval`; the `ssoenv` shell function (see `ssoenv init`)
    evaluates it for you. Logs in first when needed and a terminal is attached.
    With no PROFILE (nor AWS_PROFILE) at a terminal, offers a picker of the
    profiles (fzf when installed; SSOENV_PICKER).
    With --shell json it prints the credential_process JSON instead.
    """
    from ssoenv.commands import use as command

    command.run(
        profile,
        shell,
        no_login=no_login,
        no_browser=no_browser,
        use_device_code=use_device_code,
        region=region,
    )


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
    from ssoenv.commands import login as command

    command.run(
        profile, sso_session, no_browser=no_browser, use_device_code=use_device_code, force=force
    )


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
    A cache file it cannot handle is named on stderr and the rest is still done
    (exit code 9, partly done; the shell code is printed all the same).
    """
    from ssoenv.commands import logout as command

    code = command.run(sso_session, shell)
    if code:
        raise typer.Exit(code)


@command()
def init(
    shell: Annotated[
        str,
        typer.Argument(
            help="bash, zsh, fish, nu, pwsh or direnv.", metavar="SHELL", show_default=False
        ),
    ],
) -> None:
    """Print the shell integration: the `ssoenv` function, the prompt hook, the
    `ssoenv_prompt` badge and completions.

    \b
    bash: add `eval "$(ssoenv init bash)"` to ~/.bashrc;
    zsh: `eval "$(ssoenv init zsh)"` to ~/.zshrc;
    fish: `ssoenv init fish | source` to ~/.config/fish/config.fish;
    nushell: save `ssoenv init nu` to a file that config.nu sources (docs/shell.md);
    PowerShell: `Invoke-Expression (& ssoenv init pwsh | Out-String)` to $PROFILE.
    direnv: `ssoenv init direnv > ~/.config/direnv/lib/ssoenv.sh`, then
    `use ssoenv PROFILE` in an .envrc.
    """
    from ssoenv.commands import init as command

    command.run(shell)


@command("hook-env", hidden=True)
def hook_env(
    shell: Annotated[str, typer.Option("--shell", "-s", help="bash, zsh, fish, nu or powershell.")],
) -> None:
    """Called by the prompt hook: refresh, pick up or clear credentials, never log in."""
    from ssoenv.commands import hook_env as command

    command.run(shell)


# --- workflows -----------------------------------------------------------------
# configure, list, status, accounts, populate, exec, credential-process: the
# everyday workflows (docs/workflows.md). Thin: parse, call a module, print.

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
OverwriteOpt = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Replace an existing profile of that name even if it is another account, role "
        "or sso-session. Without it, a terminal asks first and a script is refused (exit 2).",
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


configure_app = typer.Typer(
    invoke_without_command=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


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
    overwrite: OverwriteOpt = False,
    no_browser: NoBrowserOpt = False,
) -> None:
    """Set up a profile: SSO session, login, account and role, region, output, name.

    Asks on the terminal for what no flag gives; with every flag (or without a
    terminal) it asks nothing. Writes the [sso-session] and [profile] sections
    into ~/.aws/config, keeping every comment and other section, and the
    previous file in config.ssoenv-backup. `ssoenv configure sso-session`
    writes only the session.

    A profile name that exists as another account, role or sso-session is never
    replaced silently: at a terminal you are shown both and asked; without one
    it is refused (exit 2) unless --overwrite is given. A region or output change
    to the same role is an update.
    """
    if context.invoked_subcommand is not None:
        return
    from ssoenv.commands import configure as command

    answers = command.Answers(
        sso_session,
        start_url,
        sso_region,
        scopes,
        account_id,
        role_name,
        region,
        output,
        profile,
        overwrite=overwrite,
    )
    command.run(answers, no_browser=no_browser)


app.add_typer(configure_app, name="configure", short_help=_summary(configure.__doc__))


@configure_app.command("sso-session")
@_interruptible
def configure_sso_session(
    sso_session: ConfSessionOpt = None,
    start_url: StartUrlOpt = None,
    sso_region: SsoRegionOpt = None,
    scopes: ScopesOpt = None,
) -> None:
    """Write only an [sso-session] section (no login, no profile)."""
    from ssoenv.commands import configure as command

    command.run_sso_session(command.Answers(sso_session, start_url, sso_region, scopes))


@command("list")
def list_profiles(as_json: JsonOpt = False) -> None:
    """Every profile in the config: SSO session, account, role, region and the
    session's state (logged in until HH:MM, refreshable, expired, not logged in).

    Reads the token cache only; no network. '*' marks this shell's profile.
    """
    from ssoenv.commands import list as command

    command.run(as_json=as_json)


@command(
    "status",
    epilog="Exit codes: 0 the credentials are valid; 4 no profile is active in this shell, "
    "or its credentials expired (or their expiry is unknown).",
)
def shell_status(as_json: JsonOpt = False) -> None:
    """This shell's active profile, when its credentials expire and when its
    session does (from the environment and the token cache; no network)."""
    from ssoenv.commands import status as command

    code = command.run(as_json=as_json)
    if code:
        raise typer.Exit(code)


LoginProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        help="The session this profile logs in to (an sso-session, or a legacy profile's "
        "own sso_start_url and sso_region) instead of --sso-session.",
        show_default=False,
    ),
]


@command()
def accounts(
    sso_session: WfSessionOpt = None,
    profile: LoginProfileOpt = None,
    as_json: JsonOpt = False,
    no_browser: NoBrowserOpt = False,
) -> None:
    """The accounts and roles IAM Identity Center offers you: every page, the
    roles of many accounts fetched a few at a time. Progress goes to stderr."""
    from ssoenv.commands import accounts as command

    command.run(sso_session, as_json=as_json, no_browser=no_browser, profile=profile)


@command()
def populate(
    sso_session: WfSessionOpt = None,
    profile: LoginProfileOpt = None,
    template: TemplateOpt = "{account_name}.{role_name}",
    region: PopulateRegionOpt = None,
    prune: PruneOpt = False,
    dry_run: DryRunOpt = False,
    no_browser: NoBrowserOpt = False,
) -> None:
    """Write a profile for every account and role of an SSO session.

    Generated sections carry a '# managed by ssoenv populate (sso-session NAME)'
    line under their header; populate updates and prunes only those. With
    --profile naming a legacy profile (sso_start_url and sso_region in the
    profile itself), the generated profiles are legacy ones too, marked with the
    start URL instead. A name
    taken by a hand-written profile gets -2, -3... (in account id, role order),
    unless that profile already points at the same role. Running it again
    changes nothing. A role whose name or account id no config line can hold
    (control characters...) is named on stderr and skipped; the others are
    written (exit code 9, partly done).
    """
    from ssoenv.commands import populate as command

    code = command.run(
        sso_session,
        profile=profile,
        template=template,
        region=region,
        prune=prune,
        dry_run=dry_run,
        no_browser=no_browser,
    )
    if code:
        raise typer.Exit(code)


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
    region: RegionOpt = None,
    server: Annotated[
        bool,
        typer.Option(
            "--server",
            help="Give the command a credential server on 127.0.0.1 instead of keys "
            "(AWS_CONTAINER_CREDENTIALS_FULL_URI and a random AWS_CONTAINER_AUTHORIZATION_TOKEN): "
            "its SDK gets new credentials before the old ones expire, for as long as it runs.",
        ),
    ] = False,
) -> None:
    """Run a command with a profile's role credentials in its environment.

    `ssoenv exec dev -- aws s3 ls`. The command gets the role's credentials and
    region, and none of the AWS_PROFILE or credential variables of this shell.
    Signals are forwarded; the exit status is the command's (128+N when signal
    N ended it; 127 when it is not found). Logs in only at a terminal.
    """
    from ssoenv.commands import exec as command

    raise typer.Exit(
        command.run(profile, list(argv or []), no_browser=no_browser, region=region, server=server)
    )


@command()
def console(
    profile: ProfileArg = None,
    url: Annotated[
        bool,
        typer.Option(
            "--url",
            help="Print the sign-in URL on stdout instead of opening a browser (the default "
            "where no browser here can, when stdout is not a terminal). Whoever opens it "
            "within 15 minutes is signed in as the role.",
        ),
    ] = False,
    destination: Annotated[
        str | None,
        typer.Option(
            "--destination",
            metavar="URL",
            help="The console page to open, e.g. https://console.aws.amazon.com/s3/home. "
            "Default: the console's home in the region.",
            show_default=False,
        ),
    ] = None,
    duration: Annotated[
        str | None,
        typer.Option(
            "--duration",
            metavar="SECONDS",
            help="How long the console session lasts, 900 to 43200 seconds. Not for "
            "credentials of role chaining, for which AWS refuses it. Default: AWS's.",
            show_default=False,
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            help="Open the console in this region instead of the profile's.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Open the AWS console in a browser, signed in as a profile's role (SSO or
    chained), as Granted's `assume -c` and aws-vault's `login` do.

    The role's credentials get a sign-in token from the console federation
    endpoint (AWS_ENDPOINT_URL_SIGNIN overrides it); the URL holding the token is
    opened in the browser, or printed with --url, e.g. over SSH. Logs in first
    only at a terminal.
    """
    from ssoenv.commands import console as command

    command.run(profile, url=url, destination=destination, duration=duration, region=region)


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

    \b
        [profile dev-process]
        credential_process = ssoenv credential-process dev
    """
    from ssoenv.commands import credential_process as command

    command.run(profile)


@command()
def serve(
    profile: ProfileArg = None,
    shell: Annotated[
        str | None,
        typer.Option(
            "--shell",
            "-s",
            help="The syntax of the lines shown for other shells (and of --env-file): bash, "
            "zsh, sh, fish, powershell, nu or env. Default: the shell running ssoenv.",
            show_default=False,
        ),
    ] = None,
    env_file: Annotated[
        str | None,
        typer.Option(
            "--env-file",
            metavar="PATH",
            help="Also write those variables to PATH (0600, atomically; in the --shell "
            "syntax, else env lines), removed when the server stops.",
            show_default=False,
        ),
    ] = None,
    port: Annotated[
        int,
        typer.Option("--port", help="The port on 127.0.0.1. Default: one the kernel chooses."),
    ] = 0,
    no_browser: NoBrowserOpt = False,
    region: RegionOpt = None,
) -> None:
    """Serve PROFILE's role credentials on 127.0.0.1 until Ctrl-C, to programs
    started in other shells, as `exec --server` serves them to its command.

    The other shell sets AWS_CONTAINER_CREDENTIALS_FULL_URI and
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (a 0600 file holding the random
    token; the token itself is never shown), and unsets its own keys and
    profile: ssoenv shows the lines to run. The SDKs then ask the server for
    credentials whenever theirs are about to expire.
    """
    from ssoenv.commands import serve as command

    raise typer.Exit(
        command.run(
            profile,
            shell=shell,
            env_file=env_file,
            port=port,
            no_browser=no_browser,
            region=region,
        )
    )
