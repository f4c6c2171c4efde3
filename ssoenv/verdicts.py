"""What the server said about a cached SSO token, which the token file cannot say:
the portal rejected its access token (the session was revoked, signed out in the
portal, the instance restarted), or its last refresh failed.

The token file is the AWS CLI's and is never rewritten to carry this. The verdict
lives in ssoenv's own cache, `<cache>/verdicts/<token file name>`, and names the
tokens it is about by a SHA-1 of their value: a new token (an `ssoenv login`, a
refresh, or the AWS CLI's `aws sso login`) no longer matches, so the verdict
lapses by itself. Only the token's owner can read the folder (0700, files 0600);
a digest reveals nothing of the token anyway.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ssoenv import files, paths
from ssoenv.values import frozen

TYPE_CHECKING = False  # True for type checkers; `typing` costs every `ssoenv use` ~5 ms
if TYPE_CHECKING:
    from ssoenv.model import Token
    from ssoenv.settings import Settings


@frozen
class Verdict:
    """What is known against the current token; all None when nothing is."""

    rejected_at: datetime | None = None  # the portal refused the access token
    refresh_failed_at: datetime | None = None  # the refresh token was refused
    refresh_error: str | None = None  # the OIDC error code of that refusal


def path_for(settings: Settings, token_file: Path) -> Path:
    return paths.ssoenv_cache_dir(settings) / "verdicts" / token_file.name


def load(settings: Settings, token_file: Path, token: Token) -> Verdict:
    """The verdict on `token` (cached in `token_file`); an empty one for another token."""
    data = files.read_json(path_for(settings, token_file))
    if not data:
        return Verdict()
    from ssoenv.cache import parse_timestamp

    rejected = parse_timestamp(data.get("rejectedAt"))
    if data.get("accessToken") != _digest(token.access_token):
        rejected = None
    failed = parse_timestamp(data.get("refreshFailedAt"))
    code = data.get("refreshError")
    if not token.refresh_token or data.get("refreshToken") != _digest(token.refresh_token):
        failed = None
    return Verdict(
        rejected_at=rejected,
        refresh_failed_at=failed,
        refresh_error=code if failed is not None and isinstance(code, str) else None,
    )


def reject(settings: Settings, token_file: Path, token: Token, now: datetime) -> None:
    """Record that the portal refused the access token of `token`."""
    _update(
        settings, token_file, token, {"accessToken": _digest(token.access_token), "rejectedAt": now}
    )


def refresh_failed(
    settings: Settings, token_file: Path, token: Token, now: datetime, code: str
) -> None:
    """Record that the OIDC service refused the refresh token of `token`."""
    if not token.refresh_token:
        return
    _update(
        settings,
        token_file,
        token,
        {
            "refreshToken": _digest(token.refresh_token),
            "refreshFailedAt": now,
            # An error code is the server's text: kept short and plain.
            "refreshError": "".join(c for c in code[:60] if c.isalnum() or c in "_-.") or "error",
        },
    )


def clear(settings: Settings, token_file: Path) -> None:
    """Forget every verdict on the session: it has a new token."""
    files.remove(path_for(settings, token_file))


def _update(settings: Settings, token_file: Path, token: Token, fields: dict[str, object]) -> None:
    from ssoenv.cache import format_timestamp

    path = path_for(settings, token_file)
    data = files.read_json(path) or {}
    # Fields about tokens that are gone are dropped, not kept next to the new ones.
    if data.get("accessToken") != _digest(token.access_token):
        data.pop("accessToken", None)
        data.pop("rejectedAt", None)
    if not token.refresh_token or data.get("refreshToken") != _digest(token.refresh_token):
        for key in ("refreshToken", "refreshFailedAt", "refreshError"):
            data.pop(key, None)
    for key, value in fields.items():
        data[key] = format_timestamp(value) if isinstance(value, datetime) else value
    files.write_json(path, data)


def _digest(secret: str) -> str:
    try:  # CPython's built-in sha1: `hashlib` loads OpenSSL first (~2.5 ms on every use)
        from _sha1 import sha1  # type: ignore[import-not-found]
    except ImportError:  # an interpreter without it
        from hashlib import sha1
    return str(sha1(secret.encode("utf-8")).hexdigest())
