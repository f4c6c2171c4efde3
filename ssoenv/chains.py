"""Credentials of a profile that assumes a role (ssoenv.roleconfig): each role of
the chain assumed with STS AssumeRole, with the credentials of the one below,
starting from an SSO profile's role credentials, static keys or the
environment's keys.

Every step's credentials live in the AWS CLI's cache (`~/.aws/cli/cache`, named
and shaped as botocore names and shapes them), so `aws` and ssoenv reuse each
other's. The chain is read from the top: when the profile's own credentials are
cached with the refresh window left, nothing below is touched (no network, not
even the SSO token); otherwise the highest step still good is the start, and
only the steps above it are assumed again. One fetch per step at a time, across
processes, as for SSO role credentials."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from ssoenv import engine, paths
from ssoenv.cache import AssumeRoleCache
from ssoenv.errors import LoginRequired
from ssoenv.model import (
    AssumeRoleStep,
    ChainedProfile,
    EnvironmentKeys,
    RoleCredentials,
    SsoProfile,
    StaticKeys,
)

TYPE_CHECKING = False  # True for type checkers: `emit` is loaded by the shells' commands only
if TYPE_CHECKING:
    from ssoenv import emit

# Asks a person for the current code of an MFA device (its serial); None: nobody can.
MfaPrompt = Callable[[str], str]


def credentials(
    ctx: engine.Context,
    profile: ChainedProfile,
    *,
    allow_login: bool,
    ask_mfa: MfaPrompt | None = None,
) -> engine.Credentials:
    """The chain's credentials, with at least the refresh window left."""
    cache = AssumeRoleCache(paths.aws_cli_cache_dir(ctx.settings))
    steps = profile.steps
    start, held = _highest_cached(ctx, cache, steps)
    base_session: engine.Credentials | None = None
    if held is None:
        held, base_session = _base(ctx, profile, allow_login=allow_login)
        start = 0
    for step in steps[start:]:
        held = _assume(ctx, cache, profile, step, held, ask_mfa)
    role = held
    if base_session is None and isinstance(profile.base, SsoProfile):
        base_session = _session_only(ctx, profile.base)
    horizon = base_session.session_expires if base_session is not None else role.expiration
    return engine.Credentials(
        role=role,
        session_expires=min(horizon, role.expiration) if base_session is None else horizon,
        refreshable=base_session.refreshable if base_session is not None else False,
    )


def _highest_cached(
    ctx: engine.Context, cache: AssumeRoleCache, steps: tuple[AssumeRoleStep, ...]
) -> tuple[int, RoleCredentials | None]:
    """(index of the first step still to assume, the credentials to assume it with)."""
    for index in reversed(range(len(steps))):
        cached = cache.load(steps[index])
        if cached is not None and _good(ctx, cached):
            return index + 1, cached
    return 0, None


def _good(ctx: engine.Context, role: RoleCredentials) -> bool:
    return role.expiration - ctx.now() > ctx.refresh_window


def _base(
    ctx: engine.Context, profile: ChainedProfile, *, allow_login: bool
) -> tuple[RoleCredentials, engine.Credentials | None]:
    base = profile.base
    if isinstance(base, SsoProfile):
        found = engine.credentials(ctx, base, allow_login=allow_login)
        return found.role, found
    far = datetime.max.replace(tzinfo=ctx.now().tzinfo)  # long-term keys do not expire
    if isinstance(base, StaticKeys):
        return RoleCredentials(
            base.access_key_id, base.secret_access_key, base.session_token or "", far
        ), None
    return _environment_keys(ctx, base), None


def _environment_keys(ctx: engine.Context, base: EnvironmentKeys) -> RoleCredentials:
    shell = ctx.settings.shell_state
    key, secret = shell.aws_access_key_id, shell.aws_secret_access_key
    if not key or not secret:
        raise LoginRequired(
            "credential_source = Environment, but AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY are not set",
            hint="export the keys to start the chain from, or use source_profile",
        )
    far = datetime.max.replace(tzinfo=ctx.now().tzinfo)
    return RoleCredentials(key, secret, shell.aws_session_token or "", far)


def _session_only(ctx: engine.Context, profile: SsoProfile) -> engine.Credentials | None:
    """The SSO session's horizon from the token cache alone (no network), for the badge."""
    token = ctx.tokens.load(profile.session)
    if token is None:
        return None
    return engine.Credentials(
        role=RoleCredentials("-", "-", "-", token.expires_at),
        session_expires=engine.session_horizon(profile.session, token, ctx.now()),
        refreshable=profile.session.refreshable,
    )


def _assume(
    ctx: engine.Context,
    cache: AssumeRoleCache,
    profile: ChainedProfile,
    step: AssumeRoleStep,
    held: RoleCredentials,
    ask_mfa: MfaPrompt | None,
) -> RoleCredentials:
    # STS and the signer (hashlib, hmac) only when a role is really assumed: SSO
    # profiles and warm chains never load them.
    from ssoenv import sigv4, sts

    lock = f"assume-{cache.path(step).name}"
    with engine.lock(ctx, lock, engine.ROLE_LOCK_WAIT, f"the role of '{step.profile}'"):
        cached = cache.load(step)  # another process may have assumed it meanwhile
        if cached is not None and _good(ctx, cached):
            return cached
        token_code = None
        if step.mfa_serial is not None:
            if ask_mfa is None:
                raise LoginRequired(
                    f"'{step.profile}' needs a code from the MFA device {step.mfa_serial}, "
                    "and nobody is at a terminal to type it",
                    hint=f"run `ssoenv use {profile.name}` in a terminal first",
                )
            token_code = ask_mfa(step.mfa_serial)
        role = sts.assume_role(
            ctx.http,
            profile.sts_url,
            profile.sts_region,
            sigv4.Credentials(
                held.access_key_id, held.secret_access_key, held.session_token or None
            ),
            step.role_arn,
            step.role_session_name or f"botocore-session-{int(time.time())}",
            external_id=step.external_id,
            duration_seconds=step.duration_seconds,
            serial_number=step.mfa_serial,
            token_code=token_code,
        )
        cache.save(step, role, None)
        return role


def describe(profile: ChainedProfile) -> str:
    """`deploy ← dev ← corp`: the chain as `list` shows it."""
    return " \u2190 ".join(profile.chain)


def credentials_of(
    ctx: engine.Context,
    target: SsoProfile | ChainedProfile,
    *,
    allow_login: bool,
    ask_mfa: MfaPrompt | None = None,
) -> engine.Credentials:
    """A profile's credentials, whichever kind it is."""
    if isinstance(target, SsoProfile):
        return engine.credentials(ctx, target, allow_login=allow_login)
    return credentials(ctx, target, allow_login=allow_login, ask_mfa=ask_mfa)


def credential_file_of(ctx: engine.Context, target: SsoProfile | ChainedProfile) -> Path:
    """The cache file a refresh of these credentials rewrites: the shell watches it."""
    if isinstance(target, SsoProfile):
        return ctx.credential_cache.path(target)
    return AssumeRoleCache(paths.aws_cli_cache_dir(ctx.settings)).path(target.steps[-1])


def shell_change(
    ctx: engine.Context,
    target: SsoProfile | ChainedProfile,
    creds: engine.Credentials,
    *,
    chosen_region: str | None,
) -> emit.Change:
    """What `use` and the prompt hook export into a shell for these credentials:
    the keys and state (`chosen_region`: a `--region` that replaces the profile's),
    and the shell's marker stamped with the credential file's time."""
    # Here, not at the top: `credential-process` and `exec` need no shell machinery.
    from ssoenv import emit, markers

    credential_file = credential_file_of(ctx, target)
    change = emit.use(
        target.name,
        chosen_region or target.region,
        creds.role,
        creds.session_expires,
        settings=ctx.settings,
        now=ctx.now(),
        refresh_window=ctx.refresh_window,
        credential_file=credential_file,
        region_chosen=chosen_region is not None,
    )
    change.ops += markers.marker_ops(ctx.settings, credential_file)
    return change


def sso_session_of(target: SsoProfile | ChainedProfile) -> SsoProfile | None:
    """The SSO profile a chain starts from (the profile itself for an SSO one)."""
    if isinstance(target, SsoProfile):
        return target
    return target.base if isinstance(target.base, SsoProfile) else None
