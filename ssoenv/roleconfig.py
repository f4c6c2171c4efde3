"""Profiles that assume a role (`role_arn` with `source_profile` or
`credential_source`), resolved as botocore's AssumeRoleProvider resolves them:
the chain of roles down to the credentials it starts from, which are an SSO
profile's role credentials, static keys (`~/.aws/credentials` or the config),
or the environment's keys (`credential_source = Environment`).

botocore's rules, kept: a profile with role_arn but also web_identity_token_file
is not an assume-role profile; static keys in a source profile win over its own
role_arn, and its SSO role wins over its static keys; a profile may name itself
as source_profile only when it holds static keys; any other repeated profile is
a cycle. The credentials file's sections
extend the config's profiles of the same name (its values win), as botocore's
Session.full_config merges them.

Stricter than botocore, on purpose: a duration_seconds that is not a whole
number is an error here (botocore drops it silently and asks for an hour), and
credential sources other than Environment (EC2 instance metadata, ECS) are
refused with a clear line: ssoenv runs on people's machines, not in those."""

from __future__ import annotations

from collections.abc import Mapping

from ssoenv.awsini import Section
from ssoenv.config import ConfigFile, is_sso_profile, resolve_profile
from ssoenv.endpoints import resolve_sts_endpoint
from ssoenv.errors import ConfigError
from ssoenv.model import AssumeRoleStep, ChainedProfile, EnvironmentKeys, SsoProfile, StaticKeys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ssoenv.settings import Settings

ROLE_KEYS = ("role_arn",)
STATIC_KEYS = ("aws_access_key_id", "aws_secret_access_key")
SUPPORTED_SOURCES = ("Environment",)


def assumes_role(section: Mapping[str, object]) -> bool:
    """botocore's _has_assume_role_config_vars."""
    return "role_arn" in section and "web_identity_token_file" not in section


def has_static_keys(section: Mapping[str, object]) -> bool:
    return any(key in section for key in STATIC_KEYS)


class Profiles:
    """The config's profiles with the credentials file's sections merged in."""

    def __init__(self, cfg: ConfigFile, credentials: Mapping[str, Section]) -> None:
        self.cfg, self.credentials = cfg, credentials

    def __contains__(self, name: str) -> bool:
        return name in self.cfg.profiles or name in self.credentials

    def section(self, name: str) -> Section:
        merged = dict(self.cfg.profiles.get(name) or {})
        merged.update(self.credentials.get(name) or {})
        return merged

    def where(self, name: str) -> str:
        if name in self.cfg.profiles:
            return self.cfg.source("profile", name)
        return f"the credentials file [{name}]"


def resolve(
    cfg: ConfigFile,
    credentials: Mapping[str, Section],
    name: str,
    settings: Settings,
    *,
    source: str = "argument",
) -> SsoProfile | ChainedProfile:
    """The profile `name`: an SSO profile, or a chain of roles assumed from one."""
    profiles = Profiles(cfg, credentials)
    section = profiles.section(name) if name in profiles else None
    if section is None or not assumes_role(section):
        return resolve_profile(cfg, name, settings, source=source)
    return _chain(profiles, name, settings)


def _chain(profiles: Profiles, name: str, settings: Settings) -> ChainedProfile:
    steps: list[AssumeRoleStep] = []
    visited = [name]
    current = name
    while True:
        section = profiles.section(current)
        steps.append(_step(profiles, current, section))
        found = _source(profiles, current, section, visited, settings)
        if not isinstance(found, str):
            break
        current = found  # a source that assumes a role itself: one more step
    top = profiles.section(name)
    region = top.get("region")
    own_region = region if isinstance(region, str) and region else None
    # The region botocore's STS client would have: the profile's, else the environment's.
    shell = settings.shell_state
    sts_region = own_region or shell.aws_region or shell.aws_default_region
    endpoint = resolve_sts_endpoint(profiles.cfg, top, sts_region, settings, profile_name=name)
    return ChainedProfile(
        name=name,
        steps=tuple(reversed(steps)),
        base=found,
        sts_url=endpoint.url,
        sts_region=endpoint.signing_region,
        region=own_region,
        source=profiles.where(name),
    )


def _source(
    profiles: Profiles, current: str, section: Section, visited: list[str], settings: Settings
) -> SsoProfile | StaticKeys | EnvironmentKeys | str:
    """Where `current`'s role is assumed from: the credentials a chain starts
    with, or the name of a source profile that assumes a role itself."""
    source_profile = section.get("source_profile")
    if "credential_source" in section:
        return _credential_source(profiles, current, section)
    if not isinstance(source_profile, str) or not source_profile:
        raise ConfigError(
            f"{profiles.where(current)} has role_arn but no source_profile or "
            "credential_source to assume it with",
            hint="add source_profile = PROFILE (an SSO profile, say)",
        )
    if source_profile not in profiles:
        raise ConfigError(
            f"{profiles.where(current)}: its source_profile {source_profile!r} does not exist",
            hint="name a profile of the config or the credentials file",
        )
    source_section = profiles.section(source_profile)
    if source_profile in visited:
        if source_profile == current and has_static_keys(source_section):
            return _static(profiles, source_profile, source_section)
        cycle = " -> ".join([*visited, source_profile])
        raise ConfigError(
            f"the profiles' source_profile settings go round in a cycle: {cycle}",
            hint="make one of them start from an SSO profile or static keys",
        )
    visited.append(source_profile)
    if has_static_keys(source_section):
        # botocore then resolves the source with its profile chain, whose SSO
        # provider comes before the static keys; its role_arn is not followed.
        if is_sso_profile(source_section):
            return resolve_profile(profiles.cfg, source_profile, settings)
        return _static(profiles, source_profile, source_section)
    if assumes_role(source_section):
        return source_profile
    if is_sso_profile(source_section):
        return resolve_profile(profiles.cfg, source_profile, settings)
    raise ConfigError(
        f"{profiles.where(source_profile)}, the source_profile of {profiles.where(current)}, "
        "has no credentials ssoenv can use (no SSO role, static keys or role_arn)",
        hint="point source_profile at an SSO profile",
    )


def _credential_source(profiles: Profiles, current: str, section: Section) -> EnvironmentKeys:
    if "source_profile" in section:
        raise ConfigError(
            f"{profiles.where(current)} has both source_profile and credential_source",
            hint="keep one of them (botocore refuses the profile too)",
        )
    if section.get("credential_source") not in SUPPORTED_SOURCES:
        raise ConfigError(
            f"{profiles.where(current)}: credential_source = {section['credential_source']!s} "
            "is not supported by ssoenv (only Environment)",
            hint="use source_profile, or credential_source = Environment",
        )
    return EnvironmentKeys()


def _step(profiles: Profiles, name: str, section: Section) -> AssumeRoleStep:
    where = profiles.where(name)

    def text(key: str) -> str | None:
        value = section.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or "\n" in value or not value:
            raise ConfigError(f"{where}: {key} must be one non-empty value")
        return value

    duration = text("duration_seconds")
    if duration is not None and not duration.strip().isdigit():
        raise ConfigError(
            f"{where}: duration_seconds = {duration} is not a number of seconds",
            hint="set it to e.g. 3600, or remove it",
        )
    role_arn = text("role_arn")
    if role_arn is None:
        raise ConfigError(f"{where}: role_arn is empty")
    return AssumeRoleStep(
        profile=name,
        role_arn=role_arn,
        role_session_name=text("role_session_name"),
        external_id=text("external_id"),
        duration_seconds=None if duration is None else int(duration),
        mfa_serial=text("mfa_serial"),
        source=where,
    )


def _static(profiles: Profiles, name: str, section: Section) -> StaticKeys:
    key, secret = section.get("aws_access_key_id"), section.get("aws_secret_access_key")
    token = section.get("aws_session_token")
    if not isinstance(key, str) or not isinstance(secret, str) or not key or not secret:
        raise ConfigError(
            f"{profiles.where(name)} has only part of a static key pair",
            hint="set both aws_access_key_id and aws_secret_access_key",
        )
    return StaticKeys(
        profile=name,
        access_key_id=key,
        secret_access_key=secret,
        session_token=token if isinstance(token, str) and token else None,
    )
