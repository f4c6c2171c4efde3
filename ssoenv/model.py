"""Plain values passed between the layers. Secrets are kept out of reprs.
Imports nothing from ssoenv."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

DEFAULT_SCOPES: tuple[str, ...] = ("sso:account:access",)


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Endpoints:
    oidc: str  # base URL of the SSO OIDC API, no trailing slash
    portal: str  # base URL of the SSO portal API, no trailing slash


@dataclass(frozen=True)
class SsoProfile:
    """A profile whose credentials come from IAM Identity Center."""

    name: str
    account_id: str
    role_name: str
    session: SsoSession
    endpoints: Endpoints
    region: str | None = None
    source: str = ""


@dataclass(frozen=True)
class ClientRegistration:
    client_id: str
    client_secret: str = field(repr=False)
    expires_at: datetime
    scopes: tuple[str, ...] | None = None
    grant_types: tuple[str, ...] | None = None


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


@dataclass(frozen=True)
class Token:
    """An SSO access token as the AWS CLI caches it (`~/.aws/sso/cache/<sha1>.json`)."""

    access_token: str = field(repr=False)
    expires_at: datetime
    start_url: str | None = None
    region: str | None = None
    refresh_token: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    registration_expires_at: datetime | None = None

    def can_refresh(self, now: datetime) -> bool:
        """botocore's preconditions for a refresh (protocol doc §8)."""
        return bool(
            self.refresh_token
            and self.client_id
            and self.client_secret
            and self.registration_expires_at
            and self.registration_expires_at > now
        )


@dataclass(frozen=True)
class RoleCredentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime
    account_id: str | None = None
