"""The three caches and their layouts: SSO tokens and client registrations in
the AWS CLI's `~/.aws/sso/cache` (same names, fields and timestamp format, so
each tool serves the other), and role credentials in ssoenv's own cache dir."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ssoenv import files
from ssoenv.envvar import exportable
from ssoenv.model import (
    AssumeRoleStep,
    ClientRegistration,
    RoleCredentials,
    SsoProfile,
    SsoSession,
    Token,
)

TYPE_CHECKING = False  # True for type checkers; `typing` costs every `ssoenv use` ~5 ms
if TYPE_CHECKING:
    from typing import Any, TypeGuard

_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?\s*(Z|UTC|[+-]\d\d:?\d\d)?$",
    re.IGNORECASE,
)


def format_timestamp(moment: datetime) -> str:
    """The AWS CLI's cache format: `2026-11-26T11:00:00Z`."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: object) -> datetime | None:
    """Liberal, like botocore's dateutil parse: `Z`, `UTC`, offsets, fractions."""
    if not isinstance(text, str):
        return None
    match = _TIMESTAMP.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        tz = timezone.utc
        if zone and zone[0] in "+-":
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            tz = timezone(offset if zone[0] == "+" else -offset)  # within ±24 h, or ValueError
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz
        )
        # Near year 1 or 9999 an offset can push the moment out of datetime's range.
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


def _sha1_name(text: str) -> str:
    try:  # CPython's built-in sha1: `hashlib` loads OpenSSL first (~2.5 ms on every use)
        from _sha1 import sha1  # type: ignore[import-not-found]
    except ImportError:  # an interpreter without it
        from hashlib import sha1
    return str(sha1(text.encode("utf-8")).hexdigest()) + ".json"


class TokenCache:
    """`~/.aws/sso/cache/<sha1(session name or start URL)>.json`, as botocore names it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, session: SsoSession) -> Path:
        return self.directory / _sha1_name(session.cache_key)

    def load(self, session: SsoSession) -> Token | None:
        data = files.read_json(self.path(session))
        return token_from_json(data) if data is not None else None

    def save(self, session: SsoSession, token: Token) -> None:
        files.ensure_private_dir(self.directory)
        files.write_json(self.path(session), token_to_json(session, token))

    def delete(self, session: SsoSession) -> bool:
        return files.remove(self.path(session))

    def all_tokens(self) -> Iterator[tuple[Path, dict[str, Any]]]:
        """Every file that is a token (has an accessToken); registrations are skipped."""
        if not self.directory.is_dir():
            return
        for path in sorted(self.directory.glob("*.json")):
            data = files.read_json(path)
            if data is not None and isinstance(data.get("accessToken"), str):
                yield path, data


def token_from_json(data: dict[str, Any]) -> Token | None:
    access = data.get("accessToken")
    expires = parse_timestamp(data.get("expiresAt"))
    if not _header_safe(access) or expires is None:
        return None  # botocore: "Token for ... is invalid"
    return Token(
        access_token=access,
        expires_at=expires,
        start_url=_opt_str(data, "startUrl"),
        region=_opt_str(data, "region"),
        refresh_token=_opt_str(data, "refreshToken"),
        client_id=_opt_str(data, "clientId"),
        client_secret=_opt_str(data, "clientSecret"),
        registration_expires_at=parse_timestamp(data.get("registrationExpiresAt")),
    )


def token_to_json(session: SsoSession, token: Token) -> dict[str, Any]:
    """The fields and order the AWS CLI writes (docs/protocol.md#token-cache)."""
    data: dict[str, Any] = {
        "startUrl": session.start_url,
        "region": session.region,
        "accessToken": token.access_token,
        "expiresAt": format_timestamp(token.expires_at),
    }
    if token.client_id and token.client_secret:
        data["clientId"] = token.client_id
        data["clientSecret"] = token.client_secret
    if token.registration_expires_at is not None:
        data["registrationExpiresAt"] = format_timestamp(token.registration_expires_at)
    if token.refresh_token:
        data["refreshToken"] = token.refresh_token
    return data


class RegistrationCache:
    """Client registrations, named as `aws sso login` names them so each tool reuses
    the other's (docs/protocol.md#registration-cache)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, session: SsoSession) -> Path:
        key = json.dumps(
            {
                "tool": "botocore",
                "startUrl": session.start_url,
                "region": session.region,
                "scopes": list(session.scopes) if session.scopes is not None else None,
                "session_name": session.name,
            },
            sort_keys=True,
        )
        return self.directory / _sha1_name(key)

    def load(self, session: SsoSession) -> ClientRegistration | None:
        data = files.read_json(self.path(session))
        if data is None:
            return None
        client_id, secret = data.get("clientId"), data.get("clientSecret")
        expires = parse_timestamp(data.get("expiresAt"))
        if not isinstance(client_id, str) or not isinstance(secret, str) or expires is None:
            return None
        return ClientRegistration(
            client_id=client_id,
            client_secret=secret,
            expires_at=expires,
            scopes=_opt_tuple(data.get("scopes")),
            grant_types=_opt_tuple(data.get("grantTypes")),
        )

    def save(self, session: SsoSession, registration: ClientRegistration) -> None:
        data: dict[str, Any] = {
            "clientId": registration.client_id,
            "clientSecret": registration.client_secret,
            "expiresAt": format_timestamp(registration.expires_at),
        }
        if registration.scopes:
            data["scopes"] = list(registration.scopes)
        if registration.grant_types:
            data["grantTypes"] = list(registration.grant_types)
        files.ensure_private_dir(self.directory)
        files.write_json(self.path(session), data)


class CredentialCache:
    """Role credentials under ssoenv's cache dir, keyed like the AWS CLI keys
    `~/.aws/cli/cache` (account, role, session name or start URL)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, profile: SsoProfile) -> Path:
        args: dict[str, str] = {"accountId": profile.account_id, "roleName": profile.role_name}
        if profile.session.name is not None:
            args["sessionName"] = profile.session.name
        else:
            args["startUrl"] = profile.session.start_url
        return self.directory / _sha1_name(json.dumps(args, sort_keys=True, separators=(",", ":")))

    def load(self, profile: SsoProfile) -> RoleCredentials | None:
        return _cached_credentials(files.read_json(self.path(profile)), profile.account_id)

    def save(self, profile: SsoProfile, credentials: RoleCredentials) -> None:
        files.write_json(
            self.path(profile),
            {
                "ProviderType": "sso",
                "Session": profile.session.cache_key,
                "Credentials": {
                    "AccessKeyId": credentials.access_key_id,
                    "SecretAccessKey": credentials.secret_access_key,
                    "SessionToken": credentials.session_token,
                    "Expiration": format_timestamp(credentials.expiration),
                    "AccountId": profile.account_id,
                },
            },
        )

    def delete_for_session(self, cache_key: str | None) -> int:
        """Remove the entries of one session (by its cache key), or all with None."""
        if not self.directory.is_dir():
            return 0
        removed = 0
        for path in self.directory.glob("*.json"):
            data = files.read_json(path)
            if cache_key is None or (data is not None and data.get("Session") == cache_key):
                removed += files.remove(path)
        return removed


class AssumeRoleCache:
    """Assumed-role credentials in the AWS CLI's own cache (`~/.aws/cli/cache`),
    under the name botocore's AssumeRoleCredentialFetcher gives them and in the
    shape its JSONFileCache writes, so that `aws` and ssoenv reuse each other's
    (docs/protocol.md#assumed-role-credentials)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @staticmethod
    def arguments(step: AssumeRoleStep) -> dict[str, object]:
        """AssumeRole's arguments as botocore keys the cache on: a session name it
        generated (botocore-session-<epoch>) is left out, a configured one is in."""
        args: dict[str, object] = {"RoleArn": step.role_arn}
        if step.role_session_name is not None:
            args["RoleSessionName"] = step.role_session_name
        if step.external_id is not None:
            args["ExternalId"] = step.external_id
        if step.mfa_serial is not None:
            args["SerialNumber"] = step.mfa_serial
        if step.duration_seconds is not None:
            args["DurationSeconds"] = step.duration_seconds
        return args

    def path(self, step: AssumeRoleStep) -> Path:
        # json.dumps with its default separators and sorted keys, as botocore hashes it.
        key = _sha1_name(json.dumps(self.arguments(step), sort_keys=True))
        return self.directory / key.replace(":", "_").replace("/", "_")

    def load(self, step: AssumeRoleStep) -> RoleCredentials | None:
        return _cached_credentials(files.read_json(self.path(step)), None)

    def save(
        self, step: AssumeRoleStep, credentials: RoleCredentials, user_arn: str | None
    ) -> None:
        body: dict[str, Any] = {
            "Credentials": {
                "AccessKeyId": credentials.access_key_id,
                "SecretAccessKey": credentials.secret_access_key,
                "SessionToken": credentials.session_token,
                # JSONFileCache's own form for a datetime: strftime("%Y-%m-%dT%H:%M:%S%Z").
                "Expiration": credentials.expiration.astimezone(timezone.utc).strftime(
                    "%Y-%m-%dT%H:%M:%SUTC"
                ),
            },
        }
        if credentials.account_id is not None:
            body["Credentials"]["AccountId"] = credentials.account_id
        if user_arn is not None:
            body["AssumedRoleUser"] = {"Arn": user_arn}
        files.write_json(self.path(step), body)


def _cached_credentials(
    data: dict[str, Any] | None, account_id: str | None
) -> RoleCredentials | None:
    """The `Credentials` of an AWS CLI cache entry (both kinds share the shape), or
    None when anything is missing or could not be exported. `account_id`: the
    account when the caller knows it, else the entry's own AccountId."""
    creds = data.get("Credentials") if data else None
    if not isinstance(creds, dict):
        return None
    values = [creds.get(k) for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")]
    expiration = parse_timestamp(creds.get("Expiration"))
    if expiration is None or not all(_exportable(v) for v in values):
        return None
    key_id, secret, session_token = (str(v) for v in values)
    account = account_id if account_id is not None else creds.get("AccountId")
    return RoleCredentials(
        key_id, secret, session_token, expiration, account if isinstance(account, str) else None
    )


def _header_safe(value: object) -> TypeGuard[str]:
    """A token that can travel in an HTTP header: visible ASCII, no spaces."""
    return (
        isinstance(value, str)
        and bool(value)
        and value.isascii()
        and value.isprintable()
        and " " not in value
    )


def _exportable(value: object) -> bool:
    """A non-empty string an environment variable can hold (no NUL, no lone surrogate)."""
    return isinstance(value, str) and bool(value) and exportable(value)


def _opt_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _opt_tuple(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None
