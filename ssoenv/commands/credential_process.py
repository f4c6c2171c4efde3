"""`ssoenv credential-process PROFILE`: the JSON a `credential_process` line in
~/.aws/config expects. Never interactive; run by every SDK call of such a
profile, so it stays on the fast path (no CLI framework)."""

from __future__ import annotations

import sys
from datetime import timedelta

from ssoenv import runtime as rt

# botocore refreshes process credentials with less than 15 min left: hand out more,
# or every call would run `ssoenv credential-process` again.
PROCESS_MIN_VALID = timedelta(minutes=16)


def run(profile: str) -> None:
    from ssoenv import chains

    selected = rt.load_target(profile)
    ctx = rt.context(refresh_window=max(rt.settings().refresh_window, PROCESS_MIN_VALID))
    creds = chains.credentials_of(ctx, selected, allow_login=False)
    sys.stdout.write(creds.role.process_json())
