"""`ssoenv configure`: ask for (or take from flags) an SSO session, log in, pick an
account and a role from what the portal offers, and write the [sso-session] and
[profile] sections. Every question has a flag; without a terminal nothing is asked
and a missing answer is a usage error naming its flag. `ssoenv configure
sso-session` (run_sso_session) writes only the session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ssoenv import engine, portal
from ssoenv import runtime as rt
from ssoenv.assignments import Account
from ssoenv.awsini import Section
from ssoenv.config import ConfigFile
from ssoenv.configdoc import ConfigDocument, check_name
from ssoenv.configwriter import EditResult, edit_config
from ssoenv.errors import AccessDenied, AwsApiError, ConfigError, UsageError
from ssoenv.model import DEFAULT_SCOPES, Endpoints, SsoSession, Token
from ssoenv.profilenames import DEFAULT_TEMPLATE, Pair, profile_name
from ssoenv.prompter import (
    NONE_WORDS,
    Prompter,
    check_account,
    check_output,
    check_region,
    check_scopes,
    check_sso_region,
    check_start_url,
    optional,
    required,
)
from ssoenv.text import printable
from ssoenv.values import frozen

# A profile's own copies of these would contradict its sso_session (botocore refuses).
LEGACY_KEYS = ("sso_start_url", "sso_region", "sso_registration_scopes")
# Keys that get a profile its credentials some other way: botocore tries assume-role
# and web identity before SSO, and static keys and credential_process after it. Their
# presence makes a profile "another profile"; once replacing it is agreed, they go,
# or the AWS CLI would not use the SSO role the person was shown.
OTHER_CREDENTIAL_KEYS = (
    "role_arn",
    "source_profile",
    "credential_source",
    "external_id",
    "mfa_serial",
    "role_session_name",
    "duration_seconds",
    "web_identity_token_file",
    "credential_process",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
)


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
    overwrite: bool = False  # replace a profile that is another role without asking


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
        _session_name_help(cfg),
    )
    known = cfg.sso_sessions.get(name, {})

    def old(key: str, fallback: str | None = None) -> str | None:
        value = known.get(key)
        return value if isinstance(value, str) and value else fallback

    start_url = required(
        p, a.start_url, "SSO start URL", "--start-url", old("sso_start_url"), check_start_url
    )
    region = required(
        p, a.sso_region, "SSO region", "--sso-region", old("sso_region"), check_sso_region
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


def _session_name_help(cfg: ConfigFile) -> str:
    """Said after an empty answer: there is no good default (the file has no
    session, or several), so what the name is for, and the ones there are."""
    names = ", ".join(sorted(cfg.sso_sessions))
    known = f"; the file has {names}" if names else ""
    return (
        "give the [sso-session] section a name (e.g. corp): your profiles refer to it,"
        f" and `ssoenv login --sso-session NAME` logs in to it{known}"
    )


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
) -> tuple[str, str, str]:
    """(account id, role name, account name), from what the portal lists. A menu
    takes the number, the account id or name, the role name (the names in any case)."""
    http, base, access = ctx.http, endpoints.portal, token.access_token
    account, account_name = a.account_id, ""
    if account is None or a.profile is None:  # the default profile name needs the name
        accounts = sorted(portal.list_accounts(http, base, access), key=lambda x: x["accountId"])
        if account is None:
            if not accounts:
                raise AccessDenied("no AWS account is assigned to you in this session")
            options = [
                (x["accountId"], _account_label(x), x.get("accountName", "")) for x in accounts
            ]
            account = p.choose("account", "--account-id", options)
        account_name = next(
            (x.get("accountName", "") for x in accounts if x["accountId"] == account), ""
        )
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
    role = a.role_name or p.choose("role", "--role-name", [(r, r, r) for r in roles])
    return account, role, account_name


def _account_label(item: dict[str, str]) -> str:
    return "  ".join(x for x in (item["accountId"], item.get("accountName", "")) if x)


def default_profile_name(session: SsoSession, account: str, account_name: str, role: str) -> str:
    """The name `ssoenv populate` gives this role by default ({account_name}.{role_name},
    sanitised), so both commands name a role alike. An account the portal gave no
    name is called by its id, not by the role name alone."""
    pair = Pair(Account(account, account_name or account, "", (role,)), role)
    return profile_name(DEFAULT_TEMPLATE, pair, session.name or "")


def ask_profile(
    cfg: ConfigFile,
    a: Answers,
    p: Prompter,
    session: SsoSession,
    picked: tuple[str, str, str],
) -> tuple[str, str | None, str | None]:
    """(profile name, region, output): the profile's current values are the defaults."""
    account, role, account_name = picked
    default_name = default_profile_name(session, account, account_name, role)
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


# --- replacing another profile --------------------------------------------------------
#
# A profile *is* its account, role and sso-session (and any other way it gets
# credentials): writing another of these into an existing profile turns it into
# another profile, which is never done silently. Its settings (region, output, ...)
# are not who it is: changing them is an update. A value the profile does not have
# is filled in, not replaced: a [default] with only a region, or a profile with
# only sso_session, becomes the SSO profile without a question.


@frozen
class Replacement:
    """An existing profile that the write would turn into another one."""

    profile: str
    differ: tuple[str, ...]  # "account", "role", "sso-session", "credentials"
    old: str  # "account 111111111111, role Admin, sso-session corp"
    new: str


def replacement(
    cfg: ConfigFile, name: str, session: SsoSession, account: str, role: str
) -> Replacement | None:
    """What writing (session, account, role) into profile `name` would replace, or None
    when the profile is new, is the same role, or only had settings."""
    section = cfg.profiles.get(name)
    if section is None:
        return None
    differ = []
    if _text(section, "sso_account_id") not in (None, account):
        differ.append("account")
    if _text(section, "sso_role_name") not in (None, role):
        differ.append("role")
    old_session, old_url = _text(section, "sso_session"), _text(section, "sso_start_url")
    # A legacy profile (its own sso_start_url, no sso_session; an empty sso_session
    # means legacy to the AWS CLI too) on the same portal is the same session: writing
    # it in the sso-session form is an upgrade, not another profile.
    if old_session is not None:
        same_session = old_session == session.name
    else:
        same_session = old_url in (None, session.start_url)
    if not same_session:
        differ.append("sso-session")
    if any(key in section for key in OTHER_CREDENTIAL_KEYS):
        differ.append("credentials")
    if not differ:
        return None
    new = f"account {account}, role {role}, sso-session {session.name}"
    return Replacement(name, tuple(differ), _describe(section), new)


def _text(section: Section, key: str) -> str | None:
    value = section.get(key)
    return value if isinstance(value, str) and value else None


def _describe(section: Section) -> str:
    session = _text(section, "sso_session")
    url = _text(section, "sso_start_url")
    parts = [
        f"account {_text(section, 'sso_account_id') or '(none)'}",
        f"role {_text(section, 'sso_role_name') or '(none)'}",
        f"sso-session {session}" if session else f"start URL {url}" if url else "no sso-session",
    ]
    others = [key for key in OTHER_CREDENTIAL_KEYS if key in section]
    if others:
        parts.append(f"credentials from {', '.join(others)}")
    return ", ".join(parts)


def refusal(found: Replacement, cfg: ConfigFile) -> UsageError:
    """Without a terminal and without --overwrite: one line, both ways out."""
    label = cfg.label("profile", found.profile)
    return UsageError(
        f"profile '{found.profile}' already exists in {cfg.display_path()} as another role"
        f" ({' and '.join(found.differ)} differ: it has {found.old}; this would write"
        f" {found.new}); nothing was changed",
        hint=f"add --overwrite to replace {label}, or choose another name with --profile NAME",
    )


def confirm_replacement(found: Replacement, cfg: ConfigFile, a: Answers, p: Prompter) -> None:
    """--overwrite, or a person's yes; otherwise a UsageError and nothing is written."""
    if a.overwrite:
        return
    if not p.interactive:
        raise refusal(found, cfg)
    where = f"profile '{found.profile}' in {cfg.display_path()} is another role"
    p.write(
        f"ssoenv: {printable(where)}\n"
        f"  now: {printable(found.old)}\n"
        f"  new: {printable(found.new)}\n"
    )
    if not p.confirm(f"replace profile '{found.profile}'?"):
        raise UsageError(
            f"profile '{found.profile}' was left as it was; nothing was changed",
            hint="choose another name with --profile NAME",
        )


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
    *,
    agreed: Replacement | None = None,
    overwrite: bool = False,
) -> EditResult:
    """Set the session's section and (optionally) one profile's keys, nothing else.
    The profile may replace another role only as `agreed` (or with `overwrite`): the
    check is made again on the file as it is now, under the lock."""
    name = session.name or ""

    def change(cfg: ConfigFile, doc: ConfigDocument) -> None:
        if profile is not None:
            values = profile[1]
            now = replacement(
                cfg, profile[0], session, values["sso_account_id"], values["sso_role_name"]
            )
            if now is not None and now != agreed and not overwrite:
                # Someone edited the profile while ssoenv was asking or logging in.
                raise ConfigError(
                    f"{cfg.source('profile', profile[0])} changed while ssoenv was asking;"
                    " nothing was written",
                    hint="run the command again",
                )
            doc.set_values("profile", profile[0], profile[1], remove=profile[2])
        doc.set_values("sso-session", name, session_values(session))

    return edit_config(path, lock, change)


def profile_values(
    session: SsoSession, account: str, role: str, region: str | None, output: str | None
) -> tuple[dict[str, str], tuple[str, ...]]:
    """The keys to set and the keys to remove."""
    values = {"sso_session": session.name or "", "sso_account_id": account, "sso_role_name": role}
    # Other credential keys exist only in a profile whose replacement was agreed.
    removed = [*LEGACY_KEYS, *OTHER_CREDENTIAL_KEYS]
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
    replaced: Replacement | None = None  # the other role the profile was, when agreed


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
    if not p.interactive and not a.overwrite and a.profile and a.account_id and a.role_name:
        # Everything is known from the flags: refuse before a login, not after.
        early = replacement(cfg, a.profile, session, a.account_id, a.role_name)
        if early is not None:
            raise refusal(early, cfg)
    endpoints = endpoints_for(session.region)
    token = log_in(ctx, session, endpoints)
    picked = pick_role(ctx, endpoints, token, a, p)
    account, role, _ = picked
    name, region, output = ask_profile(cfg, a, p, session, picked)
    found = replacement(cfg, name, session, account, role)
    if found is not None:
        confirm_replacement(found, cfg, a, p)
    values, removed = profile_values(session, account, role, region, output)
    result = write(
        cfg.path, lock, session, (name, values, removed), agreed=found, overwrite=a.overwrite
    )
    return Configured(name, session, result, found if result.written else None)


def check_flags(a: Answers) -> None:
    """Bad flags fail before any question or login."""
    checks: list[tuple[str | None, Callable[[str], None]]] = [
        (a.sso_session, lambda n: check_name("sso-session", n)),
        (a.start_url, check_start_url),
        (a.sso_region, check_sso_region),
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


def run(answers: Answers, *, no_browser: bool) -> None:
    cfg = rt.load_config()
    done = configure(
        rt.context(no_browser=no_browser),
        cfg,
        answers,
        rt.prompter(),
        lambda sso_region: rt.endpoints(cfg, sso_region),
        lock=rt.config_lock(),
    )
    rt.report_write(done.result)
    if done.replaced is not None:  # said after the fact too: --overwrite asked nobody
        rt.say(f"replaced profile '{done.profile}', which was {done.replaced.old}")
    rt.say(f"profile '{done.profile}' is ready: `ssoenv use {done.profile}`")


def run_sso_session(answers: Answers) -> None:
    done = configure_session(rt.load_config(), answers, rt.prompter(), lock=rt.config_lock())
    rt.report_write(done.result)
    rt.say(f"log in with `ssoenv login --sso-session {done.session.name}`")
