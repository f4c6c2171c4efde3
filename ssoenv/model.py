"""Plain values passed between the layers. Secrets are kept out of reprs.
Imports nothing from ssoenv but `values`.

They are `@frozen` classes (ssoenv.values), not dataclasses: every `ssoenv use`
creates them, and dataclasses would cost it ~25 ms."""

from __future__ import annotations

from datetime import datetime

from ssoenv.values import frozen, secret

DEFAULT_SCOPES: tuple[str, ...] = ("sso:account:access",)


@frozen
class SsoSession:
    """Where and how to log in: an `[sso-session]` section, or a legacy profile's keys.

    `name` is None for a legacy profile (start URL in the profile itself); such
    sessions cannot be refreshed and are cached under sha1(start_url).
    """

    name: str | None
    start_url: str
    region: str
    scopes: tuple[str, ...] | None  # as configured; None when not configured
    source: str  # e.g. "~/.aws/config [sso-session corp]"

    @property
    def cache_key(self) -> str:
        """The text whose sha1 names the AWS CLI token file."""
        return self.name if self.name is not None else self.start_url

    @property
    def refreshable(self) -> bool:
        return self.name is not None

    @property
    def label(self) -> str:
        return self.name if self.name is not None else self.start_url


@frozen
class Endpoints:
    oidc: str  # base URL of the SSO OIDC API, no trailing slash
    portal: str  # base URL of the SSO portal API, no trailing slash


@frozen
class SsoProfile:
    """A profile whose credentials come from IAM Identity Center."""

    name: str
    account_id: str
    role_name: str
    session: SsoSession
    endpoints: Endpoints
    region: str | None = None
    source: str = ""


@frozen
class ClientRegistration:
    client_id: str
    client_secret: str = secret()
    expires_at: datetime
    scopes: tuple[str, ...] | None = None
    grant_types: tuple[str, ...] | None = None


@frozen
class DeviceAuthorization:
    device_code: str = secret()
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


@frozen
class Token:
    """An SSO access token as the AWS CLI caches it (`~/.aws/sso/cache/<sha1>.json`)."""

    access_token: str = secret()
    expires_at: datetime
    start_url: str | None = None
    region: str | None = None
    refresh_token: str | None = secret(default=None)
    client_id: str | None = None
    client_secret: str | None = secret(default=None)
    registration_expires_at: datetime | None = None

    def can_refresh(self, now: datetime) -> bool:
        """botocore's preconditions for a refresh (docs/protocol.md#token-reuse-and-refresh)."""
        return bool(
            self.refresh_token
            and self.client_id
            and self.client_secret
            and self.registration_expires_at
            and self.registration_expires_at > now
        )


@frozen
class RoleCredentials:
    access_key_id: str
    secret_access_key: str = secret()
    session_token: str = secret()
    expiration: datetime
    account_id: str | None = None

    def process_json(self) -> str:
        """The JSON a `credential_process` line must print (Version 1). Here, not
        in ssoenv.emit, so `credential-process` loads no shell machinery."""
        import json  # loaded already by every command that has credentials

        document = {
            "Version": 1,
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
            "SessionToken": self.session_token,
            "Expiration": rfc3339(self.expiration),
        }
        return json.dumps(document, indent=2) + "\n"


def rfc3339(moment: datetime) -> str:
    """A credential's expiry as AWS tools write it: UTC, whole seconds, `Z`."""
    from datetime import timezone

    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@frozen
class StaticKeys:
    """Long-term (or session) keys of a profile: the start of a role chain."""

    profile: str
    access_key_id: str
    secret_access_key: str = secret()
    session_token: str | None = secret(default=None)


@frozen
class EnvironmentKeys:
    """`credential_source = Environment`: the keys in AWS_ACCESS_KEY_ID and friends."""

    origin: str = "Environment"


@frozen
class AssumeRoleStep:
    """One AssumeRole of a chain: the profile that says so, and its arguments."""

    profile: str
    role_arn: str
    role_session_name: str | None = None  # None: botocore's botocore-session-<epoch>
    external_id: str | None = None
    duration_seconds: int | None = None
    mfa_serial: str | None = None
    source: str = ""


@frozen
class ChainedProfile:
    """A profile whose credentials come from assuming roles, one after the other,
    starting from `base`: `steps[0]` is assumed with the base's credentials, each
    next one with the credentials of the one before; the last is the profile's."""

    name: str
    steps: tuple[AssumeRoleStep, ...]
    base: SsoProfile | StaticKeys | EnvironmentKeys
    sts_url: str  # where AssumeRole goes, as botocore's STS client for this profile
    sts_region: str  # ... and the region its requests are signed for
    region: str | None = None
    source: str = ""

    @property
    def chain(self) -> tuple[str, ...]:
        """The profile names from this one down to where the credentials start."""
        names = [step.profile for step in reversed(self.steps)]
        base = getattr(self.base, "profile", None) or getattr(self.base, "name", None)
        if isinstance(base, str) and base not in names:
            names.append(base)
        return tuple(names)
