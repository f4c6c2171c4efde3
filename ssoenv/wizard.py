"""`ssoenv configure`: ask for (or take from flags) an SSO session, log in, pick an
account and a role from what the portal offers, and write the [sso-session] and
[profile] sections. Every question has a flag; without a terminal nothing is asked
and a missing answer is a usage error naming its flag."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ssoenv import engine, portal
from ssoenv.config import ConfigFile
from ssoenv.configdoc import ConfigDocument, check_name
from ssoenv.configwriter import EditResult, edit_config
from ssoenv.errors import AccessDenied, AwsApiError, UsageError
from ssoenv.model import DEFAULT_SCOPES, Endpoints, SsoSession, Token
from ssoenv.prompter import (
    NONE_WORDS,
    Prompter,
    check_account,
    check_output,
    check_region,
    check_scopes,
    check_start_url,
    optional,
    required,
)
from ssoenv.values import frozen

# A profile's own copies of these would contradict its sso_session (botocore refuses).
LEGACY_KEYS = ("sso_start_url", "sso_region", "sso_registration_scopes")


@dataclass
class Answers:
    """What the flags said; None means "ask, or use the default"."""

    sso_session: str | None = None
    start_url: str | None = None
    sso_region: str | None = None
    scopes: str | None = None
    account_id: str | None = None
    role_name: str | None = None
    region: str | None = None
    output: str | None = None
    profile: str | None = None


# --- the steps ------------------------------------------------------------------------


def ask_session(cfg: ConfigFile, a: Answers, p: Prompter) -> SsoSession:
    """The sso-session to write: flags, else answers, with the file's values as defaults."""
    if not p.interactive:
        _require_session_flags(cfg, a)
    name = required(
        p,
        a.sso_session,
        "SSO session name",
        "--sso-session",
        _only_session(cfg, a),
        lambda n: check_name("sso-session", n),
    )
    known = cfg.sso_sessions.get(name, {})

    def old(key: str, fallback: str | None = None) -> str | None:
        value = known.get(key)
        return value if isinstance(value, str) and value else fallback

    start_url = required(
        p, a.start_url, "SSO start URL", "--start-url", old("sso_start_url"), check_start_url
    )
    region = required(
        p, a.sso_region, "SSO region", "--sso-region", old("sso_region"), check_region
    )
    raw = required(
        p,
        a.scopes,
        "SSO registration scopes",
        "--scopes",
        old("sso_registration_scopes", ",".join(DEFAULT_SCOPES)),
        check_scopes,
    )
    scopes = tuple(s.strip() for s in raw.split(",") if s.strip())
    return SsoSession(name, start_url, region, scopes, source="ssoenv configure")


def _only_session(cfg: ConfigFile, a: Answers) -> str | None:
    """The file's single sso-session, unless --start-url names another portal (then
    reusing its name would silently repoint every profile of that session)."""
    if len(cfg.sso_sessions) != 1:
        return None
    name, values = next(iter(cfg.sso_sessions.items()))
    return name if a.start_url in (None, values.get("sso_start_url")) else None


def _require_session_flags(cfg: ConfigFile, a: Answers) -> None:
    """Without a terminal, name every missing flag at once, before any login."""
    name = a.sso_session or _only_session(cfg, a)
    known = cfg.sso_sessions.get(name or "", {})
    missing = [] if name else ["--sso-session"]
    if a.start_url is None and not known.get("sso_start_url"):
        missing.append("--start-url")
    if a.sso_region is None and not known.get("sso_region"):
        missing.append("--sso-region")
    if missing:
        raise UsageError(f"missing {', '.join(missing)} (no terminal to ask)")


def log_in(ctx: engine.Context, session: SsoSession, endpoints: Endpoints) -> Token:
    """The cached token when it belongs to this start URL, else a new login."""
    token = engine.usable_token(ctx, session, endpoints)
    if token is not None and token.start_url in (None, session.start_url):
        return token
    return engine.login(ctx, session, endpoints, force=True)


def pick_role(
    ctx: engine.Context, endpoints: Endpoints, token: Token, a: Answers, p: Prompter
) -> tuple[str, str]:
    """(account id, role name), from what the portal lists."""
    http, base, access = ctx.http, endpoints.portal, token.access_token
    account = a.account_id
    if account is None:
        accounts = sorted(portal.list_accounts(http, base, access), key=lambda x: x["accountId"])
        if not accounts:
            raise AccessDenied("no AWS account is assigned to you in this session")
        labels = [(x["accountId"], _account_label(x)) for x in accounts]
        account = p.choose("account", "--account-id", labels)
    check_account(account)
    try:
        roles = sorted(portal.list_account_roles(http, base, access, account))
    except AwsApiError as error:
        if error.status not in (403, 404):
            raise
        roles = []
    if not roles:
        raise AccessDenied(f"account {account} is not assigned to you (no roles)")
    if a.role_name is not None and a.role_name not in roles:
        raise AccessDenied(
            f"role '{a.role_name}' in account {account} is not assigned to you",
            hint=f"roles there: {', '.join(roles)}",
        )
    role = a.role_name or p.choose("role", "--role-name", [(r, r) for r in roles])
    return account, role


def _account_label(item: dict[str, str]) -> str:
    return "  ".join(x for x in (item["accountId"], item.get("accountName", "")) if x)


def ask_profile(
    cfg: ConfigFile, a: Answers, p: Prompter, session: SsoSession, account: str, role: str
) -> tuple[str, str | None, str | None]:
    """(profile name, region, output): the profile's current values are the defaults."""
    default_name = f"{account}_{role}"
    current = cfg.profiles.get(a.profile or default_name, {})
    old_region, old_output = current.get("region"), current.get("output")
    region = optional(
        p,
        a.region,
        "Default region",
        "--region",
        old_region if isinstance(old_region, str) else session.region,
        check_region,
    )
    output = optional(
        p,
        a.output,
        "Default output format",
        "--output",
        old_output if isinstance(old_output, str) else None,
        check_output,
    )
    name = required(
        p,
        a.profile,
        "Profile name",
        "--profile",
        default_name,
        lambda n: check_name("profile", n),
    )
    return name, region, output


# --- writing --------------------------------------------------------------------------


def session_values(session: SsoSession) -> dict[str, str]:
    return {
        "sso_start_url": session.start_url,
        "sso_region": session.region,
        "sso_registration_scopes": ",".join(session.scopes or DEFAULT_SCOPES),
    }


def write(
    path: Path,
    lock: Path,
    session: SsoSession,
    profile: tuple[str, dict[str, str], tuple[str, ...]] | None = None,
) -> EditResult:
    """Set the session's section and (optionally) one profile's keys, nothing else."""
    name = session.name or ""

    def change(cfg: ConfigFile, doc: ConfigDocument) -> None:
        if profile is not None:
            doc.set_values("profile", profile[0], profile[1], remove=profile[2])
        doc.set_values("sso-session", name, session_values(session))

    return edit_config(path, lock, change)


def profile_values(
    session: SsoSession, account: str, role: str, region: str | None, output: str | None
) -> tuple[dict[str, str], tuple[str, ...]]:
    """The keys to set and the keys to remove."""
    values = {"sso_session": session.name or "", "sso_account_id": account, "sso_role_name": role}
    removed = list(LEGACY_KEYS)
    for key, value in (("region", region), ("output", output)):
        if value is None:
            removed.append(key)
        else:
            values[key] = value
    return values, tuple(removed)


# --- the whole thing ------------------------------------------------------------------


@frozen
class Configured:
    profile: str
    session: SsoSession
    result: EditResult


def configure(
    ctx: engine.Context,
    cfg: ConfigFile,
    a: Answers,
    p: Prompter,
    endpoints_for: Callable[[str], Endpoints],
    *,
    lock: Path,
) -> Configured:
    """Session, login, account and role, profile settings, then one write."""
    check_flags(a)
    session = ask_session(cfg, a, p)
    endpoints = endpoints_for(session.region)
    token = log_in(ctx, session, endpoints)
    account, role = pick_role(ctx, endpoints, token, a, p)
    name, region, output = ask_profile(cfg, a, p, session, account, role)
    values, removed = profile_values(session, account, role, region, output)
    result = write(cfg.path, lock, session, (name, values, removed))
    return Configured(name, session, result)


def check_flags(a: Answers) -> None:
    """Bad flags fail before any question or login."""
    checks: list[tuple[str | None, Callable[[str], None]]] = [
        (a.sso_session, lambda n: check_name("sso-session", n)),
        (a.start_url, check_start_url),
        (a.sso_region, check_region),
        (a.scopes, check_scopes),
        (a.account_id, check_account),
        (a.profile, lambda n: check_name("profile", n)),
    ]
    for value, check in checks:
        if value is not None:
            check(value)
    for value, check in ((a.region, check_region), (a.output, check_output)):
        if value is not None and value.lower() not in NONE_WORDS:
            check(value)


def configure_session(cfg: ConfigFile, a: Answers, p: Prompter, *, lock: Path) -> Configured:
    """`configure sso-session`: the [sso-session] section only, no login."""
    check_flags(a)
    session = ask_session(cfg, a, p)
    return Configured("", session, write(cfg.path, lock, session))
