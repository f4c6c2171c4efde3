"""`ssoenv logout [--sso-session NAME]`: end the sessions on the server, remove
their cached tokens and credentials, and print the shell code that unsets what
`ssoenv use` set in this shell (and only that)."""

from __future__ import annotations

import sys

from ssoenv import runtime as rt
from ssoenv.errors import ExitCode


def run(sso_session: str | None, shell: str | None) -> int:
    """End the sessions; ExitCode.PARTIAL when some cache file could not be handled
    (each named on stderr). The unset code is printed in every case that gets this
    far: the local session ended, so the shell must be cleared too."""
    from ssoenv import emit, engine
    from ssoenv.config import resolve_session

    cfg = rt.load_config()
    session = resolve_session(cfg, sso_session) if sso_session else None
    fmt = rt.output_format(shell, required=False) if not sys.stdout.isatty() else None
    report = engine.logout(rt.context(), lambda region: rt.endpoints(cfg, region), session)
    if report.sessions:
        rt.say(f"logged out of {', '.join(report.sessions)}")
    elif not report.problems:
        rt.say("no cached SSO session to log out of")
    if report.credentials_removed:
        rt.say(f"removed {report.credentials_removed} cached role credential(s)")
    for failure in report.failures:
        rt.say(f"warning: the portal logout did not confirm: {failure}")
    for problem in report.problems:
        rt.say(problem)
    _say_what_credentials_remain(removed=report.credentials_removed)
    if fmt is not None:
        # Only what ssoenv set: a user's own keys stay, named in one line.
        change = emit.clear(rt.settings().shell_state)
        for note in change.notes:
            rt.say(note)
        sys.stdout.write(fmt.render(change.ops))
    if report.problems:
        rt.say(f"logout partly done: {len(report.problems)} problem(s) above")
        return ExitCode.PARTIAL
    return ExitCode.OK


def _say_what_credentials_remain(*, removed: int) -> None:
    """After a logout: that credentials handed out stay valid (only when some were),
    and that this shell keeps its keys when nothing evaluates the unset code."""
    from ssoenv import emit

    shell = rt.settings().shell_state
    ours = emit.credentials_are_ours(shell)
    if removed or ours:
        rt.say("role credentials already handed out stay valid until they expire")
    if ours and sys.stdout.isatty():
        # Nobody evals what a terminal shows: the keys stay in this shell.
        profile = shell.ssoenv_profile or "a profile"
        rt.say(
            f"this shell still holds the keys of '{profile}': "
            'run eval "$(ssoenv logout)" or set up ssoenv init'
        )
