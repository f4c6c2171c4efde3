"""`ssoenv console`: the AWS console in a browser, signed in as a profile's role
(SSO or chained), as Granted's `assume -c` and aws-vault's `login` do: the role's
credentials become a sign-in token at the console federation endpoint
(ssoenv.signin), and the `Action=login` URL holding it opens the console.

That URL signs in whoever opens it within 15 minutes, so it goes to one place:
- the browser opener, as login pages go (ssoenv.browser: no shell, its stdout on
  stderr). It is in that process's argv, and so in /proc for the few moments it
  runs: every opener (xdg-open, open, wslview, a $BROWSER command, the browser
  itself) takes a URL as an argument, none reads one from stdin;
- or stdout: with --url, or where no browser here can open it and stdout is not
  a terminal (a pipe, a file, `$(...)`), with a line on stderr saying why. It is
  never written to a terminal unless --url asks, nor to stderr, nor in --debug
  lines (ssoenv.http logs an endpoint's scheme and host only).
Whatever can be refused (arguments, the config, a terminal without --url) is
refused before any network call."""

from __future__ import annotations

import shlex
import sys

from ssoenv import runtime as rt
from ssoenv.errors import ConfigError, UsageError
from ssoenv.model import ChainedProfile, SsoProfile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ssoenv import browser


def run(
    profile: str | None,
    *,
    url: bool = False,
    destination: str | None = None,
    duration: str | None = None,
    region: str | None = None,
) -> None:
    """Open the console (or print its sign-in URL, `url`) as `profile`'s role, at
    `destination` (default: the console's home in `region`, else the profile's),
    for a console session of `duration` seconds (default: AWS's)."""
    from ssoenv import chains, endpoints, signin

    if region is not None:
        rt.check_region_option(region)
    seconds = _session_seconds(duration)
    if destination is not None:
        _check_destination(destination)
    selected = rt.load_target(profile)
    if seconds is not None and role_chained(selected):
        raise UsageError(
            f"--duration cannot be used with '{selected.name}': its credentials come from "
            "role chaining (a role assumed with another role's credentials), and AWS refuses "
            "a console session duration for those",
            hint="run it again without --duration (the console session then lasts AWS's default)",
        )
    where = region or selected.region
    partition = endpoints.partition_name(where or "")
    cfg = rt.load_config()
    configured = endpoints.configured_signin_endpoint(
        cfg, cfg.profiles.get(selected.name, {}), rt.settings(), profile_name=selected.name
    )
    endpoint = signin.federation_endpoint(partition, configured)
    target = destination or signin.console_destination(partition, where)
    host, no_browser = (None, "") if url else _browser_here(selected.name)

    ctx = rt.context()
    creds = chains.credentials_of(
        ctx, selected, allow_login=rt.interactive(), ask_mfa=rt.mfa_prompt()
    )
    token = signin.signin_token(ctx.http, endpoint, creds.role, session_duration=seconds)
    link = signin.login_url(endpoint, token, target)

    if host is not None:
        from ssoenv import browser

        if browser.open_url(link, host):
            rt.say(f"opened the AWS console as '{selected.name}' in your browser")
            return
        no_browser = f"the browser ({browser.find(host).reason}) did not start"
        if sys.stdout.isatty():
            raise ConfigError(
                f"{no_browser}; the sign-in URL is not shown on a terminal unless asked",
                hint=f"run `ssoenv console {shlex.quote(selected.name)} --url` to print it",
            )
    sys.stdout.write(link + "\n")
    sys.stdout.flush()
    if no_browser:
        rt.say(
            f"{no_browser}: the sign-in URL is on stdout; it signs in whoever opens it within "
            f"{signin.TOKEN_MINUTES} minutes"
        )


def role_chained(target: SsoProfile | ChainedProfile) -> bool:
    """Whether AWS sees the profile's credentials as role chaining: its last role
    assumed with a role's credentials (the step below, or an SSO profile's role).
    Keys from the credentials file or the environment may be a role's too, which
    only AWS can tell: those are not refused here (AWS's refusal says why)."""
    if isinstance(target, SsoProfile):
        return False
    return len(target.steps) > 1 or isinstance(target.base, SsoProfile)


def _browser_here(name: str) -> tuple[browser.Host | None, str]:
    """(where to open the URL, "") when a browser here can, else (None, why not).
    Without one, the URL goes to stdout, unless stdout is a terminal."""
    from ssoenv import browser

    host = browser.Host(rt.settings())
    found = browser.find(host)
    if found.available:
        return host, ""
    if sys.stdout.isatty():
        raise UsageError(
            f"no browser here can open the console ({found.reason}), and the sign-in URL "
            "is not shown on a terminal unless asked: whoever has it is signed in as the role",
            hint=f"run `ssoenv console {shlex.quote(name)} --url` to print it",
        )
    return None, f"no browser here can open the console ({found.reason})"


def _session_seconds(duration: str | None) -> int | None:
    """--duration: whole seconds in the range AWS takes (exit 2 otherwise)."""
    from ssoenv.signin import MAX_SESSION_SECONDS, MIN_SESSION_SECONDS

    if duration is None:
        return None
    text = duration.strip()
    if not (text.isascii() and text.isdigit()) or not (
        MIN_SESSION_SECONDS <= int(text) <= MAX_SESSION_SECONDS
    ):
        raise UsageError(
            f"--duration must be a number of seconds from {MIN_SESSION_SECONDS} to "
            f"{MAX_SESSION_SECONDS} (15 minutes to 12 hours), not {duration[:40]!r}"
        )
    return int(text)


def _check_destination(destination: str) -> None:
    """--destination: an absolute http(s) URL (it becomes a query parameter)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(destination)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("https", "http")
        or not parts.netloc
        or not destination.isprintable()
        or any(c.isspace() for c in destination)
    ):
        raise UsageError(
            f"--destination must be a console URL such as "
            f"https://console.aws.amazon.com/s3/home, not {destination[:80]!r}"
        )
