"""`~/.aws/config`, read exactly as botocore reads it, and the IAM Identity Center
profiles in it.

Owns: where the file is (AWS_CONFIG_FILE), its profile map (build_profile_map), which
profile is selected, and botocore's SSO validation rules (SSOProvider, SSOTokenProvider,
`aws sso login`). The INI dialect itself is ssoenv.awsini's business; endpoint URLs are
ssoenv.endpoints'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ssoenv.awsini import Section, Value, classify, parse_bytes, read_bytes, show
from ssoenv.awsini import parse_text as parse_text  # re-exported: tests compare it to botocore
from ssoenv.endpoints import resolve_endpoints, valid_region
from ssoenv.errors import ConfigError
from ssoenv.model import Endpoints, SsoProfile, SsoSession
from ssoenv.settings import Settings
from ssoenv.values import frozen


def config_path(settings: Settings) -> Path:
    """AWS_CONFIG_FILE (or ~/.aws/config), expanded as botocore does: $VARS, then ~
    (by ssoenv.settings, which alone sees the variables a path may name)."""
    return Path(settings.config_file)


@frozen
class ConfigFile:
    """The profile map of botocore.configloader.load_config for one file."""

    path: Path
    profiles: Mapping[str, Section]  # "default" for [default] / [profile default]; later wins
    sso_sessions: Mapping[str, Section]
    services: Mapping[str, Section]
    shown_path: str  # `path` as messages show it, e.g. "~/.aws/config" (see shown_path)
    exists: bool = True  # False when the file is missing (an empty config, as for botocore)
    headers: Mapping[tuple[str, str], str] = {}  # (kind, name) -> the header as written
    # The digest of the file's bytes, when read with an index: what is derived from
    # the file alone (list's rows) can be kept under it (ssoenv.configindex.digest).
    digest: str | None = None

    def display_path(self) -> str:
        return self.shown_path

    def label(self, kind: str, name: str) -> str:
        """The section's header as written, e.g. `[profile "my dev"]`."""
        default = "default" if (kind, name) == ("profile", "default") else f"{kind} {name}"
        return f"[{self.headers.get((kind, name), default)}]"

    def source(self, kind: str, name: str) -> str:
        return f"{self.display_path()} {self.label(kind, name)}"


def shown_path(path: Path, home: Path | None) -> str:
    """`path` as messages show it: "~/..." under `home` (None: the user's home)."""
    if home is None:
        try:
            home = Path.home()  # only when the caller gave no HOME: display, never logic
        except RuntimeError:
            return str(path)
    if home == Path("/") or not path.is_absolute():
        return str(path)
    try:
        rest = path.relative_to(home)
    except ValueError:
        return str(path)
    return "~" if rest == Path() else f"~/{rest}"


def load_config(path: Path, *, home: Path | None = None, index: Path | None = None) -> ConfigFile:
    """Parse `path` like botocore.configloader.load_config; a missing file is empty.

    `home` is only used to show the path as "~/..." in messages. With `index` (a
    private folder), the parse is kept there and reused while the file's bytes
    are the same (ssoenv.configindex): one profile then costs the same to
    resolve whatever the size of the file.
    """
    where = shown_path(path, home)  # computed once: every message about a profile uses it
    data = read_bytes(path, where)
    if data is None:
        return ConfigFile(path, {}, {}, {}, where, exists=False)
    if index is not None:
        from ssoenv import configindex

        key = configindex.digest(data)
        found = configindex.lookup(index, path, key)
        if found is not None:
            return ConfigFile(
                path,
                configindex.Sections(found, "profile"),
                configindex.Sections(found, "sso-session"),
                configindex.Sections(found, "services"),
                where,
                headers=configindex.Headers(found),
                digest=key,
            )
    maps: dict[str, dict[str, Section]] = {"profile": {}, "sso-session": {}, "services": {}}
    headers: dict[tuple[str, str], str] = {}
    for header, values in parse_bytes(data, where).items():
        found_name = classify(header)
        if found_name is not None:  # build_profile_map: a later section replaces an earlier one
            maps[found_name[0]][found_name[1]] = values
            headers[found_name] = header
    digest = None
    if index is not None:
        digest = configindex.digest(data)
        configindex.store(index, path, digest, maps, headers)
    return ConfigFile(
        path,
        maps["profile"],
        maps["sso-session"],
        maps["services"],
        where,
        headers=headers,
        digest=digest,
    )


# --- selecting and resolving profiles --------------------------------------------------

_ROLE_KEYS = ("sso_role_name", "sso_account_id")  # SSOProvider._PROFILE_REQUIRED_CONFIG_VARS
_LOGIN_KEYS = ("sso_start_url", "sso_region")  # ... and _SSO_REQUIRED_CONFIG_VARS


def select_profile(explicit: str | None, settings: Settings) -> tuple[str, str]:
    """(name, where the name came from)."""
    if explicit is not None:
        return explicit, "argument"
    # The AWS CLI v2 order (botocore alone reads AWS_DEFAULT_PROFILE first). An empty
    # variable counts as unset, as `AWS_PROFILE= cmd` means in a shell.
    if settings.aws_profile:
        return settings.aws_profile, "env AWS_PROFILE"
    if settings.aws_default_profile:
        return settings.aws_default_profile, "env AWS_DEFAULT_PROFILE"
    return "default", "default"


def profile_names(cfg: ConfigFile) -> list[str]:
    return list(cfg.profiles)


def session_names(cfg: ConfigFile) -> list[str]:
    return list(cfg.sso_sessions)


def is_sso_profile(section: Mapping[str, object]) -> bool:
    """Whether botocore fetches this profile's role credentials from IAM Identity Center."""
    # botocore's SSOProvider rule, exactly: sso_account_id or sso_role_name. A profile with
    # only sso_session (or sso_start_url) can log in (`aws sso login --profile`) but has no
    # role to fetch, so the AWS CLI does not treat it as an SSO credential source.
    return any(key in section for key in _ROLE_KEYS)


# Profile keys that change a profile's endpoints; without any of them, the
# endpoints depend on the SSO region and the environment only.
_ENDPOINT_KEYS = (
    "services",
    "endpoint_url",
    "ignore_configured_endpoint_urls",
    "use_fips_endpoint",
    "use_dualstack_endpoint",
)


def resolve_profile(
    cfg: ConfigFile,
    name: str,
    settings: Settings,
    *,
    source: str = "argument",
    memo: dict[object, object] | None = None,
) -> SsoProfile:
    """The profile, validated as botocore's SSOProvider and SSOTokenProvider validate it.

    `memo`, a dict kept across calls on the same `cfg` and `settings`, shares what
    many profiles have in common (their sso-session, endpoints that only depend
    on the region): `list` resolves thousands of profiles of a few sessions."""
    section = cfg.profiles.get(name)
    if section is None:
        raise _unknown_profile(cfg, name, source)
    _check_uses_sso(cfg, name, section)
    merged = _merge_session(cfg, name, section)
    missing = [key for key in (*_ROLE_KEYS, *_LOGIN_KEYS) if key not in merged]
    if missing:
        raise _missing_keys(cfg, name, section, missing)
    session_name = section.get("sso_session")
    if not isinstance(session_name, str):
        session = _legacy_session(cfg, name, section)
    elif memo is None:
        session = _session_of_profile(cfg, name, session_name)
    else:
        found = memo.get(("session", session_name))
        if not isinstance(found, SsoSession):
            found = memo["session", session_name] = _session_of_profile(cfg, name, session_name)
        session = found
    if memo is None or any(key in section for key in _ENDPOINT_KEYS):
        endpoints = resolve_endpoints(cfg, section, session.region, settings, profile_name=name)
    else:
        known = memo.get(("endpoints", session.region))
        if not isinstance(known, Endpoints):
            known = resolve_endpoints(cfg, section, session.region, settings, profile_name=name)
            memo["endpoints", session.region] = known
        endpoints = known
    region = section.get("region")
    return SsoProfile(
        name=name,
        account_id=_role_key(cfg, name, merged, "sso_account_id"),
        role_name=_role_key(cfg, name, merged, "sso_role_name"),
        session=session,
        endpoints=endpoints,
        region=region if isinstance(region, str) and region else None,
        source=cfg.source("profile", name),
    )


def _role_key(cfg: ConfigFile, name: str, merged: Section, key: str) -> str:
    value = merged[key]
    if isinstance(value, str) and value and "\n" not in value:
        return value  # the usual case: no message, so no need to say where it was read
    return _text(merged, key, _origin(cfg, name, key))


def _origin(cfg: ConfigFile, name: str, key: str) -> str:
    """Where a key of the merged profile was read: its sso-session wins (botocore's merge)."""
    session_name = cfg.profiles[name].get("sso_session")
    if isinstance(session_name, str) and key in cfg.sso_sessions.get(session_name, {}):
        return cfg.source("sso-session", session_name)
    return cfg.source("profile", name)


def resolve_session(cfg: ConfigFile, session_name: str) -> SsoSession:
    """An [sso-session] section, as `aws sso login --sso-session NAME` reads it."""
    if session_name not in cfg.sso_sessions:
        raise _unknown_session(cfg, session_name)
    return _session_section(cfg, session_name)


def resolve_login_session(cfg: ConfigFile, name: str, *, source: str = "argument") -> SsoSession:
    """What `aws sso login --profile NAME` logs in to: the profile's sso_session, else the
    profile's own sso_start_url/sso_region (legacy). No role keys needed."""
    section = cfg.profiles.get(name)
    if section is None:
        raise _unknown_profile(cfg, name, source)
    session_name = section.get("sso_session")
    if not session_name:  # the CLI tests truthiness: an empty sso_session means legacy
        missing = [key for key in _LOGIN_KEYS if key not in section]
        if missing:
            raise _missing_keys(cfg, name, section, missing)
        return _legacy_session(cfg, name, section)
    session_name = _text(section, "sso_session", cfg.source("profile", name))
    if session_name not in cfg.sso_sessions:
        raise _no_such_session(cfg, name, session_name)
    return _session_section(cfg, session_name)


def _check_uses_sso(cfg: ConfigFile, name: str, section: Section) -> None:
    if "role_arn" not in section and is_sso_profile(section):
        return
    where, label = cfg.source("profile", name), cfg.label("profile", name)
    if "role_arn" in section:
        # botocore tries assume-role (and web identity) before SSO: such a profile never
        # gets the SSO role itself, even with sso_* keys.
        src = section.get("source_profile")
        sso_src = isinstance(src, str) and is_sso_profile(cfg.profiles.get(src, {}))
        raise ConfigError(
            f"{where} assumes role_arn, so the AWS CLI does not use IAM Identity Center for it",
            hint=f"use its SSO source profile {src!r} instead"
            if sso_src
            else "pick an SSO profile (`ssoenv list`)",
        )
    if is_sso_profile(section):
        return
    if "sso_session" in section or "sso_start_url" in section:
        raise ConfigError(
            f"{where} has no sso_account_id or sso_role_name: it can log in but names no role",
            hint=f"add sso_account_id and sso_role_name to {label}, or run `ssoenv configure`",
        )
    has = _credential_kind(section)
    raise ConfigError(
        f"{where} does not use IAM Identity Center ({has})",
        hint="configure it with `ssoenv configure`, or pick an SSO profile (`ssoenv list`)",
    )


def _credential_kind(section: Section) -> str:
    if "aws_access_key_id" in section:
        return "it has static keys"
    if "credential_process" in section:
        return "it uses credential_process"
    if "web_identity_token_file" in section:
        return "it uses web_identity_token_file"
    return "it has no sso_* settings"


def _merge_session(cfg: ConfigFile, name: str, section: Section) -> Section:
    """SSOProvider._resolve_sso_session_reference: the sso-session's keys over the profile's."""
    if "sso_session" not in section:
        return section
    session_name = section["sso_session"]
    if not (isinstance(session_name, str) and session_name and "\n" not in session_name):
        session_name = _text(section, "sso_session", cfg.source("profile", name))
    if session_name not in cfg.sso_sessions:
        raise _no_such_session(cfg, name, session_name)
    merged = dict(section)
    for key, value in cfg.sso_sessions[session_name].items():
        if merged.get(key, value) != value:
            raise ConfigError(
                f"{cfg.display_path()}: {key} is {_quote(merged[key])} in "
                f"{cfg.label('profile', name)} but {_quote(value)} in "
                f"{cfg.label('sso-session', session_name)}",
                hint=f"remove {key} from {cfg.label('profile', name)}, or make both the same",
            )
        merged[key] = value
    return merged


def _session_of_profile(cfg: ConfigFile, name: str, session_name: str) -> SsoSession:
    # SSOTokenProvider reads the start URL and region from the sso-session section only:
    # copies in the profile do not count (the AWS CLI fails without them there).
    values = cfg.sso_sessions[session_name]
    for key in _LOGIN_KEYS:
        if key not in values:
            raise ConfigError(
                f"{cfg.source('sso-session', session_name)} has no {key}; the AWS CLI reads it"
                f" from there, not from {cfg.label('profile', name)}",
                hint=f"move {key} from {cfg.label('profile', name)} to "
                f"{cfg.label('sso-session', session_name)}",
            )
    return _session_section(cfg, session_name)


def _session_section(cfg: ConfigFile, session_name: str) -> SsoSession:
    values = cfg.sso_sessions[session_name]
    where = cfg.source("sso-session", session_name)
    missing = [key for key in _LOGIN_KEYS if key not in values]
    if missing:
        raise ConfigError(
            f"{where} is missing {', '.join(missing)}",
            hint=f"add {' and '.join(missing)} to {cfg.label('sso-session', session_name)}",
        )
    scopes = values.get("sso_registration_scopes")
    if isinstance(scopes, dict):
        raise _not_single(where, "sso_registration_scopes")
    return SsoSession(
        name=session_name,
        start_url=_text(values, "sso_start_url", where),
        region=_region(values, where),
        # parse_sso_registration_scopes of the AWS CLI: blanks stripped, empties dropped.
        scopes=None if scopes is None else tuple(s.strip() for s in scopes.split(",") if s.strip()),
        source=where,
    )


def _legacy_session(cfg: ConfigFile, name: str, section: Section) -> SsoSession:
    where = cfg.source("profile", name)
    # Legacy logins register no scopes, whatever the profile says (BaseSSOCommand).
    start_url = _text(section, "sso_start_url", where)
    return SsoSession(None, start_url, _region(section, where), None, where)


def _text(values: Mapping[str, Value], key: str, where: str) -> str:
    # Stricter than botocore, which would pass these on and fail later at the API.
    value = values[key]
    if isinstance(value, dict) or "\n" in value:
        raise _not_single(where, key)
    if not value:
        raise ConfigError(f"{where}: {key} is empty", hint=f"set {key}, or remove the line")
    return value


def _region(values: Mapping[str, Value], where: str) -> str:
    region = _text(values, "sso_region", where)
    if not valid_region(region):
        raise ConfigError(
            f"{where}: sso_region {region!r} is not a valid region name",
            hint="use the region code of your IAM Identity Center instance, e.g. us-east-1",
        )
    return region


def _not_single(where: str, key: str) -> ConfigError:
    return ConfigError(
        f"{where}: {key} spans several lines",
        hint=f"put the value of {key} on the same line as the key",
    )


def _quote(value: Value) -> str:
    return "an indented sub-section" if isinstance(value, dict) else show(value)


def _missing_keys(cfg: ConfigFile, name: str, section: Section, missing: list[str]) -> ConfigError:
    session_name = section.get("sso_session")
    target = cfg.label("profile", name)
    if isinstance(session_name, str) and not set(missing) & set(_ROLE_KEYS):
        target = cfg.label("sso-session", session_name)
    return ConfigError(
        f"{cfg.source('profile', name)} uses IAM Identity Center but is missing "
        f"{', '.join(missing)}",
        hint=f"add {', '.join(missing)} to {target}, or run `ssoenv configure`",
    )


def _no_such_session(cfg: ConfigFile, name: str, session_name: str) -> ConfigError:
    close = _close(session_name, session_names(cfg))
    return ConfigError(
        f"{cfg.source('profile', name)}: sso_session = {session_name}, but there is no "
        f"[sso-session {session_name}] section{close}",
        hint=f"add that section, or fix the sso_session line{_listing(session_names(cfg))}",
    )


def _unknown_session(cfg: ConfigFile, session_name: str) -> ConfigError:
    names = session_names(cfg)
    return ConfigError(
        f"{cfg.display_path()} has no [sso-session {session_name}] section"
        f"{_close(session_name, names)}",
        hint=f"pick an existing sso-session{_listing(names)}, or run `ssoenv configure`",
    )


def _unknown_profile(cfg: ConfigFile, name: str, source: str) -> ConfigError:
    names, where = profile_names(cfg), cfg.display_path()
    if not cfg.exists:
        message = f"{where} does not exist, so there is no profile {name!r}"
    elif source == "default":
        message = f"no profile was chosen and {where} has no [default] profile"
    else:
        message = f"{where} has no profile {name!r}{_close(name, names)}"
    origin = f"the name {name!r} came from {source[4:]}; " if source.startswith("env ") else ""
    # Every command that takes a profile takes it as its PROFILE argument (there is
    # no --profile option), or from AWS_PROFILE.
    if names:
        todo = (
            f"give one of its profiles{_listing(names)} as the PROFILE argument or in "
            "AWS_PROFILE; `ssoenv list` shows them all"
        )
    else:
        todo = "create a profile with `ssoenv configure`"
    return ConfigError(message, hint=origin + todo)


def _close(name: str, names: Sequence[str]) -> str:
    import difflib  # only when a name is wrong

    found = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f" (did you mean {found[0]!r}?)" if found else ""


def _listing(names: Sequence[str], limit: int = 5) -> str:
    if not names:
        return ""
    shown = ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")
    return f" ({shown})"
