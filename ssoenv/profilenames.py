"""The name a profile gets for an account and a role, shared by `populate` (every
pair of a session) and `configure` (its default): a template over the pair's
fields, sanitised to letters, digits and . _ -, so both commands name a role alike."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable

from ssoenv.assignments import Account
from ssoenv.errors import UsageError
from ssoenv.values import frozen

DEFAULT_TEMPLATE = "{account_name}.{role_name}"
FIELDS = ("account_id", "account_name", "account_email", "role_name", "sso_session")
_INVALID_RUN = re.compile(r"[^A-Za-z0-9._-]+")
_DASH_NEXT_TO_DOT = re.compile(r"-+(?=[._])|(?<=[._])-+")


@frozen
class Pair:
    account: Account
    role: str

    @property
    def order(self) -> tuple[str, str]:
        return (self.account.account_id, self.role)


def check_template(template: str) -> None:
    """Only plain `{field}`s: no attribute access, indexing, conversions or specs."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise UsageError(f"--template {template!r} is not valid: {error}") from None
    names = [name for _, name, _, _ in parsed if name is not None]
    bad = [n for n in names if n not in FIELDS]
    if bad or any(spec or conv for _, n, spec, conv in parsed if n is not None):
        raise UsageError(
            f"--template {template!r} uses {', '.join(bad) or 'a format spec'}",
            hint=f"use only {', '.join('{' + f + '}' for f in FIELDS)}",
        )
    if not names:
        raise UsageError(f"--template {template!r} names no field, so every profile would clash")


def sanitise(raw: str) -> str:
    """Letters, digits and . _ - only; runs of anything else become one '-'."""
    name = _INVALID_RUN.sub("-", raw)
    name = _DASH_NEXT_TO_DOT.sub("", name)
    return name.strip("-.")


def profile_name(template: str, pair: Pair, session: str) -> str:
    values = {
        "account_id": pair.account.account_id,
        "account_name": pair.account.name,
        "account_email": pair.account.email,
        "role_name": pair.role,
        "sso_session": session,
    }
    name = sanitise(template.format_map(values))
    return name or sanitise(f"{pair.account.account_id}_{pair.role}")


def pairs_of(accounts: Iterable[Account]) -> list[Pair]:
    return sorted((Pair(a, r) for a in accounts for r in a.roles), key=lambda p: p.order)
