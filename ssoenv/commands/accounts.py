"""`ssoenv accounts`: the accounts and roles IAM Identity Center offers a
session, as a table or JSON; progress goes to stderr."""

from __future__ import annotations

import json
import sys

from ssoenv import runtime as rt
from ssoenv.assignments import Account
from ssoenv.text import format_columns


def run(
    sso_session: str | None, *, as_json: bool, no_browser: bool, profile: str | None = None
) -> None:
    _, found = rt.assignments(sso_session, no_browser, profile=profile)
    if as_json:
        sys.stdout.write(json.dumps([account.as_json() for account in found], indent=2) + "\n")
    else:
        sys.stdout.write(table(found))


def table(accounts: list[Account]) -> str:
    """One line per account and role (an account without roles gets one line with '-')."""
    lines = [("ACCOUNT", "NAME", "ROLE")]
    for account in accounts:
        for role in account.roles or ("-",):
            lines.append((account.account_id, account.name or "-", role))
    return format_columns(lines)
