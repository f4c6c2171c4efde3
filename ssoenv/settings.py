"""Every environment variable ssoenv reads, read here and nowhere else, once per
command, into an immutable `Settings` that is passed down; and every default of
the knobs they turn (refresh window, waits, timeouts, folders).

`VARIABLES` lists them all, with the default people see and what each does: the
README's table of variables is made from it, and tests/test_settings.py checks
that no other module reads the environment and that nothing read is missing here.

The rules, so that a field's meaning is never a surprise:
- A raw field holds a variable exactly as set (None: unset; "" stays "") and is
  named after it: lower case, without a leading `__` (`SSOENV_LOGIN_WAIT` ->
  `ssoenv_login_wait`, `__SSOENV_KEY_ID` -> `ssoenv_key_id`). Callers keep their
  own rule for an empty value, as before.
- A knob a person sets is parsed by a property (`refresh_window`, `login_wait`,
  `http_timeout`, `login_flow`, `debug`): a bad value raises ConfigError only
  when a command uses it, with the message it always had, so `ssoenv status`
  still works with a broken SSOENV_REFRESH_WINDOW.
- The folders variables choose (home, ssoenv's cache, the runtime and temporary
  folders) are properties too, with their defaults; ssoenv.paths lays out what
  goes inside them.

Cheap on purpose: `init` builds one for --debug (SSOENV_DEBUG), so this module
imports neither `typing`, `pathlib`, `datetime` nor `dataclasses` when loaded.
"""

from __future__ import annotations

import os
from types import MappingProxyType

from ssoenv.errors import ConfigError
from ssoenv.values import frozen, secret

TYPE_CHECKING = False  # True for type checkers; `typing` costs every `ssoenv init` ~5 ms
if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import timedelta
    from pathlib import Path

# The defaults, here only (the engine's Context defaults and the table below use them).
REFRESH_WINDOW_SECONDS = 600  # credentials are renewed when less than this is left
LOGIN_WAIT_SECONDS = 300.0  # the longest wait for another process's login
CONFIG_FILE = "~/.aws/config"  # the AWS CLI's
CREDENTIALS_FILE = "~/.aws/credentials"

# The variables through which an SDK takes other credentials (or a profile) than
# those ssoenv hands a process: `exec` clears them for its child, the credential
# server too (it adds the container endpoint's own).
CREDENTIAL_CHOOSERS = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ACCOUNT_ID",
)


@frozen
class Variable:
    """One row of the README's table of variables."""

    name: str
    default: str  # as people see it ("600", "`~/.aws/config`", "unset")
    meaning: str  # one line
    set_by: str = "you"  # "you", or "ssoenv" for the state it keeps in a shell
    # Who reads it: "ssoenv" (Settings.from_environ), "shell" (the shell integration
    # only), or "" (nobody: written only, and cleared with the rest).
    read_by: str = "ssoenv"


def _ssoenv(name: str, meaning: str, *, read_by: str = "ssoenv") -> Variable:
    return Variable(name, "unset", meaning, set_by="ssoenv", read_by=read_by)


VARIABLES: tuple[Variable, ...] = (
    # --- what people set -------------------------------------------------------
    Variable(
        "AWS_PROFILE",
        "unset",
        "the profile `use`, `exec` and `credential-process` take when none is named; `use` clears "
        "it when it names another",
    ),
    Variable(
        "AWS_DEFAULT_PROFILE",
        "unset",
        "read when AWS_PROFILE is unset or empty (then the profile `default`); `use` clears it as "
        "AWS_PROFILE",
    ),
    Variable(
        "AWS_CONFIG_FILE",
        f"`{CONFIG_FILE}`",
        "the config file ssoenv reads and writes, `$VARS` and `~` expanded as botocore does",
    ),
    Variable(
        "AWS_SHARED_CREDENTIALS_FILE",
        f"`{CREDENTIALS_FILE}`",
        "the credentials file: static keys a role chain starts from (`source_profile`), read only",
    ),
    Variable(
        "AWS_ENDPOINT_URL",
        "unset",
        "the endpoint of every AWS API ssoenv calls (both IAM Identity Center APIs, STS, the "
        "console sign-in), as botocore reads it",
    ),
    Variable(
        "AWS_ENDPOINT_URL_SSO_OIDC",
        "unset",
        "the endpoint of the OIDC API (logins, refreshes); wins over AWS_ENDPOINT_URL",
    ),
    Variable(
        "AWS_ENDPOINT_URL_SSO",
        "unset",
        "the endpoint of the portal API (role credentials, accounts); wins over AWS_ENDPOINT_URL",
    ),
    Variable(
        "AWS_ENDPOINT_URL_STS",
        "unset",
        "the endpoint of STS (AssumeRole, for role chaining); wins over AWS_ENDPOINT_URL",
    ),
    Variable(
        "AWS_ENDPOINT_URL_SIGNIN",
        "unset",
        "the console sign-in endpoint (`console`; `/federation` is added to it, as botocore adds "
        "a path); wins over AWS_ENDPOINT_URL",
    ),
    Variable(
        "AWS_STS_REGIONAL_ENDPOINTS",
        "`regional`",
        "`legacy`: STS calls from the regions that had it before go to the global endpoint "
        "`sts.amazonaws.com`; wins over the profile's `sts_regional_endpoints`",
    ),
    Variable(
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "`false`",
        "`true`: the endpoint URLs above and in the config are ignored",
    ),
    Variable(
        "AWS_USE_FIPS_ENDPOINT",
        "`false`",
        "`true`: the FIPS endpoints (when no endpoint URL is configured)",
    ),
    Variable(
        "AWS_USE_DUALSTACK_ENDPOINT",
        "`false`",
        "`true`: the dual-stack (IPv6) endpoints (when no endpoint URL is configured)",
    ),
    Variable(
        "HOME",
        "the passwd entry",
        "holds `.aws/sso/cache` (the token cache shared with the AWS CLI) and `.aws/cli/cache`; "
        "`~` in AWS_CONFIG_FILE",
    ),
    Variable(
        "XDG_CACHE_HOME",
        "`~/.cache`",
        "ssoenv's cache goes to `$XDG_CACHE_HOME/ssoenv` (only an absolute path counts)",
    ),
    Variable(
        "SSOENV_CACHE_DIR",
        "`$XDG_CACHE_HOME/ssoenv`",
        "ssoenv's own cache: role credentials, locks, session verdicts",
    ),
    Variable(
        "XDG_RUNTIME_DIR",
        "unset",
        "the prompt markers go to `$XDG_RUNTIME_DIR/ssoenv` (only an absolute path counts)",
    ),
    Variable(
        "TMPDIR", "`/tmp`", "without XDG_RUNTIME_DIR, the prompt markers go to `$TMPDIR/ssoenv-UID`"
    ),
    Variable(
        "SSOENV_SHELL",
        "unset",
        "the shell `use` and `logout` write code for, when `--shell` does not say (bash, zsh, "
        "fish, sh, nu, powershell, env)",
    ),
    Variable(
        "SHELL",
        "unset",
        "the shell to write for when neither `--shell`, SSOENV_SHELL nor the parent process tell",
    ),
    Variable(
        "SSOENV_LOGIN_FLOW",
        "`auto`",
        "`pkce` (browser login), `device` (a code) or `auto`: `pkce` where a browser on this "
        "machine can finish it",
    ),
    Variable(
        "BROWSER",
        "unset",
        "the browser command for login pages and `console`, as Python's `webbrowser` reads it; "
        "set, this machine has a browser",
    ),
    Variable("DISPLAY", "unset", "set: a desktop, where the browser login can run"),
    Variable("WAYLAND_DISPLAY", "unset", "set: a desktop, as DISPLAY"),
    Variable(
        "SSH_CONNECTION",
        "unset",
        "set without a display: an SSH session, where only the device code works",
    ),
    Variable("SSH_TTY", "unset", "as SSH_CONNECTION"),
    Variable(
        "WSL_DISTRO_NAME",
        "unset",
        "set: WSL, where the Windows browser opens login pages (`wslview`, `cmd.exe`)",
    ),
    Variable(
        "CI", "unset", "anything but empty, `0` or `false`: a CI job, no browser (device code)"
    ),
    Variable(
        "SSOENV_REFRESH_WINDOW",
        str(REFRESH_WINDOW_SECONDS),
        "seconds before expiry when role credentials are renewed",
    ),
    Variable(
        "SSOENV_LOGIN_WAIT",
        f"{LOGIN_WAIT_SECONDS:g}",
        "seconds to wait for another process's login to the same session (`0`: give up at once)",
    ),
    Variable(
        "SSOENV_HTTP_TIMEOUT",
        "unset",
        "seconds: lowers every HTTP connect and read timeout to at most this",
    ),
    Variable("SSOENV_DEBUG", "unset", "`1`: as `--debug`"),
    Variable(
        "SSOENV_PICKER",
        "`auto`",
        "what `use` with no profile shows at a terminal: `fzf`, `builtin` (a list), `off` (no "
        "picker: the `default` profile, as the AWS CLI) or `auto` (fzf when installed)",
    ),
    Variable(
        "SSOENV_DOCTOR",
        "unset",
        '`0` hides the one-time "prompt hook not registered" message (read by the shell '
        "integration)",
        read_by="shell",
    ),
    # --- what ssoenv keeps in a shell, and reads back ------------------------
    _ssoenv(
        "AWS_ACCESS_KEY_ID",
        "the role's access key, exported by `use`; `logout` clears the four credential variables "
        "while this is still the key `use` set",
    ),
    _ssoenv("AWS_SECRET_ACCESS_KEY", "the role's secret key (`status` checks it is there)"),
    _ssoenv("AWS_SESSION_TOKEN", "the role's session token"),
    _ssoenv(
        "AWS_CREDENTIAL_EXPIRATION",
        "when the credentials expire (RFC 3339); `status` falls back to it",
    ),
    _ssoenv("AWS_REGION", "the profile's region; cleared only while it is the one `use` set"),
    _ssoenv("AWS_DEFAULT_REGION", "as AWS_REGION"),
    _ssoenv("SSOENV_PROFILE", "the active profile: the prompt badge, the hook, `status`, `list`"),
    _ssoenv("SSOENV_EXPIRES", "when the credentials expire (epoch seconds; the badge)"),
    _ssoenv(
        "SSOENV_SESSION_EXPIRES",
        "when a new login is needed (epoch seconds; the badge shows `!` after it)",
        read_by="shell",
    ),
    _ssoenv(
        "SSOENV_RETRYING",
        "`1` while the hook's last refresh failed for a reason that may pass (the badge shows `~`)",
        read_by="shell",
    ),
    _ssoenv(
        "__SSOENV_REFRESH_AT",
        "when the prompt hook renews the credentials (epoch seconds)",
        read_by="shell",
    ),
    _ssoenv(
        "__SSOENV_RETRY_AT",
        "when the prompt hook tries again after a failure (epoch seconds)",
        read_by="shell",
    ),
    _ssoenv("__SSOENV_FAILURES", "failed refreshes in a row: the hook's back-off"),
    _ssoenv("__SSOENV_WARNED", "the profile the hook has already warned about"),
    _ssoenv("__SSOENV_REGION", "the region `use` exported, so that only it is ever cleared"),
    _ssoenv(
        "__SSOENV_REGION_CHOSEN",
        "the region given with `use --region`: the hook's refreshes keep it",
    ),
    _ssoenv(
        "__SSOENV_KEY_ID",
        "the access key id `use` exported: the credentials are ssoenv's while AWS_ACCESS_KEY_ID "
        "holds it",
    ),
    _ssoenv(
        "__SSOENV_CRED_FILE",
        "the cached credentials file the shell loaded: the hook notices a logout elsewhere",
    ),
    _ssoenv(
        "__SSOENV_MARKER",
        "this shell's marker file: its `-nt` test sees a refresh by another terminal",
        read_by="shell",
    ),
    _ssoenv(
        "__SSOENV_SHELL_PID",
        "the shell function's PID, passed to one `use` or `hook-env` call: names its marker",
    ),
)


@frozen
class ShellState:
    """What `ssoenv use` exported into this shell (and the shell function passed
    to this call), as the hook, `status`, `logout` and the next `use` read it
    back. Raw values, None when unset (see the module's rules)."""

    ssoenv_profile: str | None = None
    ssoenv_expires: str | None = None
    ssoenv_key_id: str | None = None
    ssoenv_region: str | None = None
    ssoenv_region_chosen: str | None = None
    ssoenv_cred_file: str | None = None
    ssoenv_failures: str | None = None
    ssoenv_warned: str | None = None
    ssoenv_shell_pid: str | None = None
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = secret(default=None)
    aws_session_token: str | None = secret(default=None)
    aws_credential_expiration: str | None = None
    aws_region: str | None = None
    aws_default_region: str | None = None


@frozen
class Settings:
    """The environment of one ssoenv command, read once (see the module's rules)."""

    # Profile selection and the config file.
    aws_profile: str | None
    aws_default_profile: str | None
    config_file: str  # AWS_CONFIG_FILE expanded: $VARS of this environment, then ~
    credentials_file: str  # AWS_SHARED_CREDENTIALS_FILE, expanded the same way
    # Endpoints, as botocore reads them.
    aws_endpoint_url: str | None
    aws_endpoint_url_sso_oidc: str | None
    aws_endpoint_url_sso: str | None
    aws_endpoint_url_sts: str | None
    aws_endpoint_url_signin: str | None
    aws_sts_regional_endpoints: str | None
    aws_ignore_configured_endpoint_urls: str | None
    aws_use_fips_endpoint: str | None
    aws_use_dualstack_endpoint: str | None
    # Folders.
    home: str | None
    xdg_cache_home: str | None
    ssoenv_cache_dir: str | None
    xdg_runtime_dir: str | None
    tmpdir: str | None
    # The shell to write for.
    ssoenv_shell: str | None
    shell: str | None
    # The login flow, and whether a browser on this machine can finish a login.
    ssoenv_login_flow: str | None
    browser: str | None
    display: str | None
    wayland_display: str | None
    ssh_connection: str | None
    ssh_tty: str | None
    wsl_distro_name: str | None
    ci: str | None
    # Knobs.
    ssoenv_refresh_window: str | None
    ssoenv_login_wait: str | None
    ssoenv_http_timeout: str | None
    ssoenv_debug: str | None
    ssoenv_picker: str | None
    shell_state: ShellState
    # `ssoenv exec` hands the whole environment (minus credentials) to its command:
    # for that alone, never to look a variable up. Holds secrets: never shown.
    environ_for_child: Mapping[str, str] = secret(default=MappingProxyType({}))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """The settings of `environ`; a pure function of it (tests pass a dict)."""
        get = environ.get
        return cls(
            aws_profile=get("AWS_PROFILE"),
            aws_default_profile=get("AWS_DEFAULT_PROFILE"),
            config_file=_config_file(environ),
            credentials_file=_config_file(environ, "AWS_SHARED_CREDENTIALS_FILE", CREDENTIALS_FILE),
            aws_endpoint_url=get("AWS_ENDPOINT_URL"),
            aws_endpoint_url_sso_oidc=get("AWS_ENDPOINT_URL_SSO_OIDC"),
            aws_endpoint_url_sso=get("AWS_ENDPOINT_URL_SSO"),
            aws_endpoint_url_sts=get("AWS_ENDPOINT_URL_STS"),
            aws_endpoint_url_signin=get("AWS_ENDPOINT_URL_SIGNIN"),
            aws_sts_regional_endpoints=get("AWS_STS_REGIONAL_ENDPOINTS"),
            aws_ignore_configured_endpoint_urls=get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"),
            aws_use_fips_endpoint=get("AWS_USE_FIPS_ENDPOINT"),
            aws_use_dualstack_endpoint=get("AWS_USE_DUALSTACK_ENDPOINT"),
            home=get("HOME"),
            xdg_cache_home=get("XDG_CACHE_HOME"),
            ssoenv_cache_dir=get("SSOENV_CACHE_DIR"),
            xdg_runtime_dir=get("XDG_RUNTIME_DIR"),
            tmpdir=get("TMPDIR"),
            ssoenv_shell=get("SSOENV_SHELL"),
            shell=get("SHELL"),
            ssoenv_login_flow=get("SSOENV_LOGIN_FLOW"),
            browser=get("BROWSER"),
            display=get("DISPLAY"),
            wayland_display=get("WAYLAND_DISPLAY"),
            ssh_connection=get("SSH_CONNECTION"),
            ssh_tty=get("SSH_TTY"),
            wsl_distro_name=get("WSL_DISTRO_NAME"),
            ci=get("CI"),
            ssoenv_refresh_window=get("SSOENV_REFRESH_WINDOW"),
            ssoenv_login_wait=get("SSOENV_LOGIN_WAIT"),
            ssoenv_http_timeout=get("SSOENV_HTTP_TIMEOUT"),
            ssoenv_debug=get("SSOENV_DEBUG"),
            ssoenv_picker=get("SSOENV_PICKER"),
            shell_state=ShellState(
                ssoenv_profile=get("SSOENV_PROFILE"),
                ssoenv_expires=get("SSOENV_EXPIRES"),
                ssoenv_key_id=get("__SSOENV_KEY_ID"),
                ssoenv_region=get("__SSOENV_REGION"),
                ssoenv_region_chosen=get("__SSOENV_REGION_CHOSEN"),
                ssoenv_cred_file=get("__SSOENV_CRED_FILE"),
                ssoenv_failures=get("__SSOENV_FAILURES"),
                ssoenv_warned=get("__SSOENV_WARNED"),
                ssoenv_shell_pid=get("__SSOENV_SHELL_PID"),
                aws_access_key_id=get("AWS_ACCESS_KEY_ID"),
                aws_secret_access_key=get("AWS_SECRET_ACCESS_KEY"),
                aws_session_token=get("AWS_SESSION_TOKEN"),
                aws_credential_expiration=get("AWS_CREDENTIAL_EXPIRATION"),
                aws_region=get("AWS_REGION"),
                aws_default_region=get("AWS_DEFAULT_REGION"),
            ),
            environ_for_child=MappingProxyType(dict(environ)),
        )

    # --- knobs: parsed when a command uses them ---------------------------------

    @property
    def refresh_window(self) -> timedelta:
        """SSOENV_REFRESH_WINDOW: renew credentials with less than this left."""
        from datetime import timedelta

        raw = self.ssoenv_refresh_window
        return timedelta(seconds=_seconds("SSOENV_REFRESH_WINDOW", raw, REFRESH_WINDOW_SECONDS))

    @property
    def login_wait(self) -> float:
        """SSOENV_LOGIN_WAIT: the longest wait for another process's login."""
        return float(_seconds("SSOENV_LOGIN_WAIT", self.ssoenv_login_wait, LOGIN_WAIT_SECONDS))

    @property
    def http_timeout(self) -> float | None:
        """SSOENV_HTTP_TIMEOUT: the most any HTTP connect or read may take (None: the
        policy's own timeouts). Any positive number of seconds, fractions too."""
        raw = (self.ssoenv_http_timeout or "").strip()
        if not raw:
            return None
        try:
            seconds = float(raw)
        except ValueError:
            seconds = float("nan")
        if not 0 < seconds < float("inf"):  # NaN fails this too
            raise ConfigError(
                f"SSOENV_HTTP_TIMEOUT must be a positive number of seconds, not '{raw[:40]}'",
                hint="set it to e.g. 5, or unset SSOENV_HTTP_TIMEOUT",
            )
        return seconds

    @property
    def login_flow(self) -> str:
        """SSOENV_LOGIN_FLOW, in lower case: "device", "pkce" or "auto" (the default)."""
        wanted = (self.ssoenv_login_flow or "").strip().lower()
        if wanted in ("device", "pkce", "auto"):
            return wanted
        if not wanted:
            return "auto"
        raise ConfigError(
            f"SSOENV_LOGIN_FLOW must be device, pkce or auto, not '{wanted[:40]}'",
            hint="fix or unset SSOENV_LOGIN_FLOW",
        )

    @property
    def picker(self) -> str:
        """SSOENV_PICKER, in lower case: "fzf", "builtin", "off" or "auto" (the default)."""
        wanted = (self.ssoenv_picker or "").strip().lower()
        if wanted in ("fzf", "builtin", "off", "auto"):
            return wanted
        if not wanted:
            return "auto"
        raise ConfigError(
            f"SSOENV_PICKER must be fzf, builtin, off or auto, not '{wanted[:40]}'",
            hint="fix or unset SSOENV_PICKER",
        )

    @property
    def debug(self) -> bool:
        """SSOENV_DEBUG=1: as --debug."""
        return self.ssoenv_debug == "1"

    # --- folders ----------------------------------------------------------------

    @property
    def home_dir(self) -> Path | None:
        """The home folder, as Path.home() finds it: $HOME, else the passwd entry
        (None when neither says, where Path.home() would raise)."""
        from pathlib import Path

        home = self.expanduser("~")
        return None if home.startswith("~") else Path(home)

    @property
    def cache_dir(self) -> Path:
        """ssoenv's own cache: $SSOENV_CACHE_DIR, else `ssoenv` in the XDG cache
        folder (an absolute $XDG_CACHE_HOME, else ~/.cache: xdg-base-dirs' rule)."""
        from pathlib import Path

        if self.ssoenv_cache_dir:
            return Path(self.ssoenv_cache_dir)
        xdg = self.xdg_cache_home
        if xdg and Path(xdg).is_absolute():
            return Path(xdg) / "ssoenv"
        return _required(self.home_dir) / ".cache" / "ssoenv"

    @property
    def runtime_dir(self) -> Path | None:
        """$XDG_RUNTIME_DIR when it is an absolute path."""
        from pathlib import Path

        runtime = self.xdg_runtime_dir or ""
        return Path(runtime) if os.path.isabs(runtime) else None

    @property
    def temp_dir(self) -> Path:
        """$TMPDIR when it is an absolute path, else /tmp."""
        from pathlib import Path

        temp = self.tmpdir or ""
        return Path(temp) if os.path.isabs(temp) else Path("/tmp")  # noqa: S108 (verified before use)

    def expanduser(self, path: str) -> str:
        """posixpath.expanduser with HOME from these settings, not os.environ."""
        return _expanduser(path, self.home)


def from_process(*, reread: bool = False) -> Settings:
    """The settings of this process's environment, read at the first call and kept.
    main() rereads them as each command starts (a test may run several in one process)."""
    global _process
    if _process is None or reread:
        _process = Settings.from_environ(os.environ)
    return _process


_process: Settings | None = None


def _seconds(name: str, raw: str | None, default: float) -> float:
    """A whole number of seconds (digits only), or the default when unset or empty."""
    if not raw:
        return default
    if not raw.isdigit():
        raise ConfigError(
            f"{name} must be a number of seconds, not '{raw[:40]}'",
            hint=f"set it to e.g. {default:g}, or unset it",
        )
    return int(raw)


def _required(home: Path | None) -> Path:
    if home is None:
        raise RuntimeError("Could not determine home directory.")  # as Path.home()
    return home


# --- AWS_CONFIG_FILE, expanded as botocore expands it --------------------------------


def _config_file(
    environ: Mapping[str, str], variable: str = "AWS_CONFIG_FILE", default: str = CONFIG_FILE
) -> str:
    """AWS_CONFIG_FILE (or ~/.aws/config), expanded as botocore does: $VARS, then ~;
    the same for the credentials file."""
    # An empty variable counts as unset (botocore would read no file at all).
    raw = environ.get(variable) or default
    return _expanduser(_expandvars(raw, environ), environ.get("HOME"))


def _expandvars(path: str, environ: Mapping[str, str]) -> str:
    # posixpath.expandvars over `environ`: unknown variables stay as written.
    if "$" not in path:
        return path
    import re

    def value(m: re.Match[str]) -> str:
        name = m.group(1).removeprefix("{").removesuffix("}")
        return environ.get(name, m.group(0))

    return re.sub(r"\$(\w+|\{[^}]*\})", value, path, flags=re.ASCII)


def _expanduser(path: str, home: str | None) -> str:
    # posixpath.expanduser, with HOME given rather than taken from os.environ.
    if not path.startswith("~"):
        return path
    end = path.find("/", 1)
    end = len(path) if end < 0 else end
    if end > 1:
        return os.path.expanduser(path)  # ~user: the passwd database, never HOME
    if home is None:
        home = _passwd_home()
    if home is None:
        return path
    return (home.rstrip("/") + path[end:]) or "/"


def _passwd_home() -> str | None:
    import pwd  # POSIX only, and only needed when HOME is unset

    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        return None
