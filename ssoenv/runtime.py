"""The real world, for the commands: the settings read from the process
environment, the clock, stderr for people, the config file, and the engine
Context wired to the browser and the terminal. Free of the CLI framework, so
fast paths can use it too."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from ssoenv import settings as _settings
from ssoenv.errors import Interrupted, UsageError
from ssoenv.text import printable

TYPE_CHECKING = False  # True for type checkers; `typing` costs every `ssoenv use` ~5 ms
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from ssoenv import browser, engine
    from ssoenv.assignments import Account
    from ssoenv.awsini import Section
    from ssoenv.config import ConfigFile
    from ssoenv.configwriter import EditResult
    from ssoenv.http import HttpPolicy
    from ssoenv.model import ChainedProfile, DeviceAuthorization, Endpoints, SsoProfile, SsoSession
    from ssoenv.prompter import Prompter
    from ssoenv.shells import Shell


def settings() -> _settings.Settings:
    """This command's settings: the process environment, read once (by main())."""
    return _settings.from_process()


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def prompter() -> Prompter:
    from ssoenv.prompter import Prompter

    def write(text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()

    return Prompter(sys.stdin.readline, write, interactive=interactive())


def config_lock() -> Path:
    from ssoenv import paths

    return paths.locks_dir(settings()) / "aws-config.lock"


def report_write(result: EditResult) -> None:
    if not result.written:
        say(f"{result.where} already says so: nothing to change")
        return
    backup = f" (the previous version is in {result.backup})" if result.backup else ""
    say(f"updated {result.where}{backup}")


def assignments(
    name: str | None, no_browser: bool, *, profile: str | None = None
) -> tuple[SsoSession, list[Account]]:
    """The session and everything it can reach (accounts, roles), with progress on stderr.
    `profile`: the session a profile logs in to, a legacy profile's own one included."""
    from ssoenv import assignments

    if profile is not None and name is not None:
        raise UsageError("give a profile or --sso-session, not both")
    cfg = load_config()
    if profile is not None:
        session, reach, _ = profile_session(profile)
    else:
        session = assignments.choose_session(cfg, name)
        reach = endpoints(cfg, session.region)
    progress = assignments.ProgressLine(sys.stderr.write, tty=sys.stderr.isatty())
    try:
        found = assignments.fetch(
            context(no_browser=no_browser),
            session,
            reach,
            allow_login=interactive(),
            on_progress=progress,
        )
    finally:
        progress.close()
    return session, found


def say(message: str) -> None:
    """One line for a person on stderr. Names from the config or the server may hold
    terminal escape sequences: they are shown as visible escapes (`\\x1b`), never
    sent to the terminal."""
    sys.stderr.write(f"ssoenv: {printable(message)}\n")
    sys.stderr.flush()


def clock(moment: datetime) -> str:
    """ "14:05 (1h00m)": the time left counted as the prompt badge counts it."""
    from ssoenv.sessions import remaining

    return f"{moment.astimezone():%H:%M} ({remaining(moment, datetime.now(timezone.utc))})"


def output_format(name: str | None, *, required: bool = True) -> Shell | None:
    """The Shell to render for, or None for the credential_process JSON."""
    from ssoenv.shells import detect_shell, get_shell

    if name == "json":
        return None
    if name is not None:
        return get_shell(name)
    try:
        return detect_shell(None, settings())
    except UsageError:
        if required:
            raise
        return None


def check_region_option(region: str) -> None:
    """--region: a region name like us-east-1 (exit 2 otherwise)."""
    from ssoenv.prompter import check_region

    check_region(region)


def refuse_terminal_stdout(verb: str, profile: str | None) -> None:
    """Shell code with secrets is for eval, not for the screen (or scrollback)."""
    if sys.stdout.isatty():
        target = f" {profile}" if profile else ""
        raise UsageError(
            f"`ssoenv {verb}` prints shell code with credentials, meant for eval",
            hint=f'run `eval "$(ssoenv {verb}{target})"`, or add the shell function '
            f"(`ssoenv init --help`) so that `ssoenv {verb}{target}` does it for you",
        )


def load_config() -> ConfigFile:
    from ssoenv import paths
    from ssoenv.config import config_path, load_config

    # `home` only shows the file as "~/..." in messages.
    return load_config(
        config_path(settings()),
        home=settings().home_dir,
        index=paths.config_index_dir(settings()),
    )


def load_target(name: str | None) -> SsoProfile | ChainedProfile:
    """The profile to get credentials for: an SSO one, or a chain of roles (the
    credentials file is read only for a profile that assumes a role)."""
    from ssoenv.config import select_profile

    cfg = load_config()
    chosen, source = select_profile(name, settings())
    section = cfg.profiles.get(chosen)
    if section is None or "role_arn" not in section:
        from ssoenv.config import resolve_profile

        profile: SsoProfile = resolve_profile(cfg, chosen, settings(), source=source)
        return profile
    from ssoenv import roleconfig

    return roleconfig.resolve(cfg, credentials_sections(), chosen, settings(), source=source)


def pick_profile() -> str | None:
    """`use` with no profile: the one a person picks at the terminal. None when
    nobody is asked (no terminal, AWS_PROFILE or AWS_DEFAULT_PROFILE set,
    SSOENV_PICKER=off, no profile to pick): the profile is then chosen as always."""
    env = settings()
    if env.aws_profile or env.aws_default_profile or not interactive():
        return None
    tool = env.picker
    if tool == "off":
        return None
    from ssoenv import picker

    found = picker.choices(load_config())
    if not found:
        return None
    try:
        chosen = picker.pick(found, tool, current=env.shell_state.ssoenv_profile)
    except OSError:  # no /dev/tty after all (a terminal on stdin and stderr only)
        return None
    if chosen is None:
        raise Interrupted(
            "no profile was picked; nothing was changed",
            hint="run `ssoenv use PROFILE`, or `ssoenv use` to pick again",
        )
    return chosen


def credentials_sections() -> Mapping[str, Section]:
    """The credentials file's sections (static keys), as botocore reads them."""
    from pathlib import Path

    from ssoenv.awsini import read_sections
    from ssoenv.config import shown_path

    path = Path(settings().credentials_file)
    return read_sections(path, shown_path(path, settings().home_dir)) or {}


def mfa_prompt() -> Callable[[str], str] | None:
    """Asks for an MFA code on the terminal; None when nobody is at one."""
    if not interactive():
        return None

    def ask(serial: str) -> str:
        # Not echoed, as botocore's prompt does not echo it; asked again after a typo.
        import getpass

        for _ in range(3):
            code = getpass.getpass(f"MFA code for {printable(serial)}: ", stream=sys.stderr)
            code = code.strip()
            if code.isascii() and code.isdigit() and len(code) == 6:
                return code
            say("an MFA code is six digits")
        raise UsageError("no MFA code was given", hint="run the command again")

    return ask


def load_profile(name: str | None) -> SsoProfile:
    from ssoenv.config import resolve_profile, select_profile

    cfg = load_config()
    chosen, source = select_profile(name, settings())
    profile: SsoProfile = resolve_profile(cfg, chosen, settings(), source=source)
    return profile


def login_target(
    profile: str | None, sso_session: str | None
) -> tuple[SsoSession, Endpoints, str | None]:
    """The session to log in to, its endpoints, and a profile `ssoenv use` can
    take afterwards (None: the session has no SSO profile yet)."""
    from ssoenv.config import is_sso_profile, resolve_session

    if profile and sso_session:
        raise UsageError("give a profile or --sso-session, not both")
    if sso_session:
        cfg = load_config()
        session = resolve_session(cfg, sso_session)
        users = [
            name
            for name, section in cfg.profiles.items()
            if section.get("sso_session") == sso_session and is_sso_profile(section)
        ]
        return session, endpoints(cfg, session.region), users[0] if users else None
    return profile_session(profile)


def profile_session(name: str | None) -> tuple[SsoSession, Endpoints, str | None]:
    """The session a profile logs in to, its endpoints, and the profile when `use`
    can take it. A profile that only says where to log in (sso_session, or a
    legacy profile's own sso_start_url and sso_region, as aws-sso-util users
    have them) names no role: it serves `login`, `accounts` and `populate`."""
    from ssoenv.config import is_sso_profile, resolve_login_session, select_profile
    from ssoenv.endpoints import resolve_endpoints

    cfg = load_config()
    chosen, source = select_profile(name, settings())
    section = cfg.profiles.get(chosen)
    if (
        section is not None
        and not is_sso_profile(section)
        and "role_arn" not in section
        and ("sso_session" in section or "sso_start_url" in section)
    ):
        session = resolve_login_session(cfg, chosen, source=source)
        reach = resolve_endpoints(cfg, section, session.region, settings(), profile_name=chosen)
        return session, reach, None
    selected = load_profile(name)
    return selected.session, selected.endpoints, selected.name


def endpoints(cfg: ConfigFile, region: str) -> Endpoints:
    """Endpoints for a region outside any profile: environment overrides apply."""
    from ssoenv.endpoints import resolve_endpoints

    return resolve_endpoints(cfg, {}, region, settings())


def context(
    *,
    no_browser: bool = False,
    use_device_code: bool = False,
    policy: HttpPolicy | None = None,
    deadline: float | None = None,
    max_lock_wait: float | None = None,
    refresh_window: timedelta | None = None,
) -> engine.Context:
    """The engine's Context for this command. `policy`, `deadline`, `max_lock_wait`:
    see engine.Context (None: its defaults); `refresh_window` replaces
    SSOENV_REFRESH_WINDOW (credential_process asks for more)."""
    from ssoenv import engine
    from ssoenv.http import INTERACTIVE

    env = settings()

    # The browser machinery (and `subprocess`) is loaded only when a login starts:
    # most commands are served from the caches. Deciding late also means commands
    # that end up not logging in cannot fail on a bad SSOENV_LOGIN_FLOW.
    @functools.cache
    def host() -> browser.Host:
        from ssoenv import browser

        return browser.Host(env)

    @functools.cache
    def choice() -> browser.FlowChoice:
        from ssoenv import browser

        return browser.choose_flow(host(), use_device_code=use_device_code, no_browser=no_browser)

    return engine.Context(
        settings=env,
        now=lambda: datetime.now(timezone.utc),
        monotonic=time.monotonic,
        sleep=time.sleep,
        on_device_code=functools.partial(
            show_device_code, host=host, no_browser=no_browser, choice=choice
        ),
        on_authorize_url=functools.partial(show_authorize_url, host=host, no_browser=no_browser),
        choose_flow=lambda session: choice().flow,
        on_wait=say,
        # Read here, so that a bad value stops the command before it does anything.
        refresh_window=env.refresh_window if refresh_window is None else refresh_window,
        login_wait=env.login_wait,
        policy=INTERACTIVE if policy is None else policy,
        deadline=deadline,
        max_lock_wait=max_lock_wait,
    )


def show_device_code(
    authorization: DeviceAuthorization,
    session: SsoSession,
    *,
    host: Callable[[], browser.Host],
    no_browser: bool,
    choice: Callable[[], browser.FlowChoice],
) -> None:
    from ssoenv import browser

    if session.refreshable and choice().fallback:
        say(f"no browser here can finish a browser login ({choice().reason}); using a code")
    url = authorization.verification_uri_complete
    say(f"log in to {session.start_url}; the page must show the code {authorization.user_code}")
    opened = not no_browser and browser.open_url(url, host())
    say(f"{'opened in your browser' if opened else 'open this page'}: {url}")
    say("waiting for approval (Ctrl-C to cancel)")


def show_authorize_url(
    url: str, session: SsoSession, *, host: Callable[[], browser.Host], no_browser: bool
) -> None:
    from ssoenv import browser

    say(f"log in to {session.start_url} in your browser")
    opened = not no_browser and browser.open_url(url, host())
    where = "opened in your browser" if opened else "open this page in a browser on this machine"
    say(f"{where}: {url}")
    say("waiting for the browser to come back (Ctrl-C to cancel)")
