"""PKCE (RFC 7636) for the browser login, made the way the AWS CLI v2 makes it,
and the `/authorize` URL the browser opens (docs/protocol.md#authorize-url). Pure functions;
imports nothing from ssoenv but the model's default scopes."""

from __future__ import annotations

import base64
import hashlib
import secrets
import string
import uuid
from collections.abc import Callable, Sequence
from urllib.parse import quote, urlencode, urlsplit

from ssoenv.model import DEFAULT_SCOPES
from ssoenv.values import frozen, secret

# RFC 7636 §4.1: the verifier's alphabet is the URL-unreserved characters.
VERIFIER_ALPHABET = string.ascii_letters + string.digits + "-._~"
VERIFIER_LENGTH = 64  # what the AWS CLI uses (RFC 7636 allows 43 to 128)
CALLBACK_PATH = "/oauth/callback"
# Registered without a port: any loopback port then matches (RFC 8252 §7.3), so
# one registration serves every login whatever port the listener gets.
REGISTERED_REDIRECT_URI = f"http://127.0.0.1{CALLBACK_PATH}"
AUTHORIZATION_CODE_GRANT = "authorization_code"
PKCE_GRANT_TYPES: tuple[str, ...] = (AUTHORIZATION_CODE_GRANT, "refresh_token")


@frozen
class PkceRequest:
    """One login's secrets: the verifier never leaves this process until CreateToken."""

    verifier: str = secret()
    challenge: str
    state: str


def new_request(pick: Callable[[str], str] = secrets.choice) -> PkceRequest:
    """A fresh verifier (64 characters from a CSPRNG), its S256 challenge and a
    random `state` (a UUID, as the AWS CLI sends it)."""
    verifier = "".join(pick(VERIFIER_ALPHABET) for _ in range(VERIFIER_LENGTH))
    return PkceRequest(
        verifier=verifier, challenge=challenge_for(verifier), state=str(uuid.uuid4())
    )


def challenge_for(verifier: str) -> str:
    """S256: base64url(sha256(verifier)) without the `=` padding (43 characters)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def redirect_uri(port: int) -> str:
    """The redirect URI sent to /authorize and to CreateToken: with the port."""
    return f"http://127.0.0.1:{port}{CALLBACK_PATH}"


def authorize_url(
    oidc_endpoint: str,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    challenge: str,
    scopes: Sequence[str] | None,
) -> str:
    """`<scheme://host of the OIDC endpoint>/authorize?…`, parameters in the AWS CLI's
    order, every reserved character (`/` and `:` too) percent-encoded, `scopes`
    plural and space-separated, and the challenge last."""
    parts = urlsplit(oidc_endpoint)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge_method": "S256",
            "scopes": " ".join(scopes or DEFAULT_SCOPES),
        },
        quote_via=quote,  # %20 for spaces, and safe="" so "/" and ":" are encoded
    )
    return f"{parts.scheme}://{parts.netloc}/authorize?{query}&code_challenge={challenge}"
