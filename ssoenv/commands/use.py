"""`ssoenv use PROFILE`: print the shell code that exports a profile's role
credentials (the shell function evaluates it), logging in first when a person
is at the terminal; with no profile named, that person picks one."""

from __future__ import annotations

import sys

from ssoenv import runtime as rt
from ssoenv.model import SsoProfile


def run(
    profile: str | None,
    shell: str | None = None,
    *,
    no_login: bool = False,
    no_browser: bool = False,
    use_device_code: bool = False,
    region: str | None = None,
) -> None:
    """Print the exports; `region` (--region) replaces the profile's region in them."""
    from ssoenv import chains

    if region is not None:
        rt.check_region_option(region)
    fmt = rt.output_format(shell)
    rt.refuse_terminal_stdout("use", profile)
    if profile is None:
        profile = rt.pick_profile()  # None: chosen as always (AWS_PROFILE, `default`)
    selected = rt.load_target(profile)
    # Only a person at a terminal may be sent to a browser: the prompt hook,
    # credential_process and scripts get one line naming `ssoenv login` instead.
    ctx = rt.context(no_browser=no_browser, use_device_code=use_device_code)
    allow = not no_login and rt.interactive()
    creds = chains.credentials_of(
        ctx, selected, allow_login=allow, ask_mfa=rt.mfa_prompt() if allow else None
    )
    if fmt is None:
        sys.stdout.write(creds.role.process_json())
        return
    change = chains.shell_change(ctx, selected, creds, chosen_region=region)
    if fmt.name == "env":
        # An env file feeds tools, not a shell that runs the hook: AWS variables only.
        change.ops = [op for op in change.ops if op.name.startswith("AWS_")]
    output = fmt.render(change.ops)
    for note in change.notes:
        rt.say(note)
    what = (
        f"{selected.account_id} {selected.role_name}"
        if isinstance(selected, SsoProfile)
        else f"{selected.steps[-1].role_arn} via {chains.describe(selected)}"
    )
    rt.say(
        f"using '{selected.name}' ({what}), "
        f"credentials valid until {rt.clock(creds.role.expiration)}"
    )
    sys.stdout.write(output)
