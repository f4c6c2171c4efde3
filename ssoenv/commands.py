"""What each command does, as plain functions: the typer layer (cli.py) and the
fast paths (main.py) both call these. Free of the CLI framework; heavy modules
(the engine, and with it `requests`) are imported inside the functions that need
them. stdout carries only shell code or data; people read stderr."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime, timedelta, timezone

from ssoenv import runtime as rt
from ssoenv.errors import ConfigError, ExitCode, UsageError

TYPE_CHECKING = False  # True for type checkers; `typing` costs every `ssoenv use` ~5 ms
if TYPE_CHECKING:
    from ssoenv.wizard import Answers

# botocore refreshes process credentials with less than 15 min left: hand out more,
# or every call would run `ssoenv credential-process` again.
PROCESS_MIN_VALID = timedelta(minutes=16)


def use(
    profile: str | None,
    shell: str | None = None,
    *,
    no_login: bool = False,
    no_browser: bool = False,
    use_device_code: bool = False,
) -> None:
    from ssoenv import emit, engine, hook

    fmt = rt.output_format(shell)
    rt.refuse_terminal_stdout("use", profile)
    selected = rt.load_profile(profile)
    # Only a person at a terminal may be sent to a browser: the prompt hook,
    # credential_process and scripts get one line naming `ssoenv login` instead.
    ctx = rt.context(no_browser=no_browser, use_device_code=use_device_code)
    creds = engine.credentials(ctx, selected, allow_login=not no_login and rt.interactive())
    if fmt is None:
        sys.stdout.write(emit.credential_process(creds.role))
        return
    credential_file = ctx.credential_cache.path(selected)
    change = emit.use(
        selected.name,
        selected.region,
        creds.role,
        creds.session_expires,
        environ=os.environ,
        now=ctx.now(),
        refresh_window=ctx.refresh_window,
        credential_file=credential_file,
    )
    change.ops += hook.marker_ops(os.environ, credential_file)
    if fmt.name == "env":
        # An env file feeds tools, not a shell that runs the hook: AWS variables only.
        change.ops = [op for op in change.ops if op.name.startswith("AWS_")]
    output = fmt.render(change.ops)
    for note in change.notes:
        rt.say(note)
    rt.say(
        f"using '{selected.name}' ({selected.account_id} {selected.role_name}), "
        f"credentials valid until {rt.clock(creds.role.expiration)}"
    )
    sys.stdout.write(output)


def login(
    profile: str | None,
    sso_session: str | None,
    *,
    no_browser: bool = False,
    use_device_code: bool = False,
    force: bool = False,
) -> None:
    from ssoenv import engine

    session, endpoints, target = rt.login_target(profile, sso_session)
    ctx = rt.context(no_browser=no_browser, use_device_code=use_device_code)
    if not force:
        token = engine.usable_token(ctx, session, endpoints)
        if token is not None:
            rt.say(f"already logged in to {session.label} (until {rt.clock(token.expires_at)})")
            return
    engine.login(ctx, session, endpoints, force=force)
    if target is None:
        rt.say(
            f"logged in to {session.start_url}; no profile uses it yet: "
            "`ssoenv configure` makes one"
        )
    else:
        import shlex  # a profile name may need quoting to work as printed

        rt.say(f"logged in to {session.start_url}; `ssoenv use {shlex.quote(target)}` is ready")


def logout(sso_session: str | None, shell: str | None) -> int:
    """End the sessions; ExitCode.PARTIAL when some cache file could not be handled
    (each named on stderr). The unset code is printed in every case that gets this
    far: the local session ended, so the shell must be cleared too."""
    from ssoenv import emit, engine
    from ssoenv.config import resolve_session

    cfg = rt.load_config()
    session = resolve_session(cfg, sso_session, os.environ) if sso_session else None
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
        change = emit.clear(os.environ)
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

    ours = emit.credentials_are_ours(os.environ)
    if removed or ours:
        rt.say("role credentials already handed out stay valid until they expire")
    if ours and sys.stdout.isatty():
        # Nobody evals what a terminal shows: the keys stay in this shell.
        profile = os.environ.get("SSOENV_PROFILE") or "a profile"
        rt.say(
            f"this shell still holds the keys of '{profile}': "
            'run eval "$(ssoenv logout)" or set up ssoenv init'
        )


def hook_env(shell: str) -> None:
    from ssoenv import hook
    from ssoenv.http import HOOK
    from ssoenv.shells import get_shell

    fmt = get_shell(shell)
    ctx = rt.context()
    # The prompt waits for all of this: every lock wait and HTTP call together
    # ends within the hook policy's worst case for one call (docs/security.md).
    ctx.policy = HOOK
    ctx.deadline = time.monotonic() + HOOK.worst_case_seconds
    ctx.max_lock_wait = hook.LOCK_WAIT
    change = hook.run(ctx, rt.load_profile)
    for note in change.notes:
        rt.say(note)
    sys.stdout.write(fmt.render(change.ops))


# --- workflows (docs/workflows.md) -------------------------------------------


def configure(answers: Answers, *, no_browser: bool) -> None:
    from ssoenv import wizard

    cfg = rt.load_config()
    done = wizard.configure(
        rt.context(no_browser=no_browser),
        cfg,
        answers,
        rt.prompter(),
        lambda sso_region: rt.endpoints(cfg, sso_region),
        lock=rt.config_lock(),
    )
    rt.report_write(done.result)
    if done.replaced is not None:  # said after the fact too: --overwrite asked nobody
        rt.say(f"replaced profile '{done.profile}', which was {done.replaced.old}")
    rt.say(f"profile '{done.profile}' is ready: `ssoenv use {done.profile}`")


def configure_session(answers: Answers) -> None:
    from ssoenv import wizard

    done = wizard.configure_session(rt.load_config(), answers, rt.prompter(), lock=rt.config_lock())
    rt.report_write(done.result)
    rt.say(f"log in with `ssoenv login --sso-session {done.session.name}`")


def list_profiles(*, as_json: bool) -> None:
    from ssoenv import status

    now = datetime.now(timezone.utc)
    cfg = rt.load_config()
    rows = status.profile_rows(cfg, os.environ, now)
    if as_json:
        sys.stdout.write(json.dumps([row.as_json() for row in rows], indent=2) + "\n")
        return
    if not rows:
        rt.say(f"{cfg.display_path()} has no profiles yet; start with `ssoenv configure`")
        return
    sys.stdout.write(status.table(rows, now))


def shell_status(*, as_json: bool) -> int:
    from ssoenv import status

    now = datetime.now(timezone.utc)
    try:
        config = rt.load_config() if os.environ.get("SSOENV_PROFILE") else None
    except ConfigError:
        config = None  # the environment alone still answers the question
    found = status.shell_status(os.environ, config, now)
    if as_json:
        sys.stdout.write(json.dumps(found.as_json(), indent=2) + "\n")
    else:
        sys.stdout.write(status.format_columns([(f"{k}:", v) for k, v in found.lines(now)]))
    if found.valid:
        return ExitCode.OK
    target = f" {found.profile}" if found.profile else " PROFILE"
    rt.say(f"{found.problem}; run `ssoenv use{target}`")
    return ExitCode.LOGIN_REQUIRED


def accounts(sso_session: str | None, *, as_json: bool, no_browser: bool) -> None:
    from ssoenv import inventory

    _, found = rt.inventory(sso_session, no_browser)
    if as_json:
        sys.stdout.write(json.dumps([account.as_json() for account in found], indent=2) + "\n")
    else:
        sys.stdout.write(inventory.table(found))


def populate(
    sso_session: str | None,
    *,
    template: str,
    region: str | None,
    prune: bool,
    dry_run: bool,
    no_browser: bool,
) -> int:
    """Write (or, with dry_run, diff) the profiles; ExitCode.PARTIAL when some
    account/role pair could not get one (each named on stderr)."""
    from ssoenv import populate as planner
    from ssoenv.prompter import check_region

    planner.check_template(template)
    if region is not None:
        check_region(region)
    session, found = rt.inventory(sso_session, no_browser)
    report, result = planner.write(
        rt.load_config().path,
        rt.config_lock(),
        found,
        session=session.name or "",
        template=template,
        region=region,
        prune=prune,
        dry_run=dry_run,
    )
    if dry_run:
        sys.stdout.write(result.diff)
    for line in planner.summary(report, dry_run=dry_run):
        rt.say(line)
    if not dry_run:
        rt.report_write(result)
    if report.skipped:
        rt.say(f"populate partly done: {len(report.skipped)} pair(s) not written, named above")
        return ExitCode.PARTIAL
    return ExitCode.OK


def exec_command(profile: str, argv: list[str], *, no_browser: bool) -> int:
    from ssoenv import engine, execute

    given, command_line = execute.split_command(argv, {"--no-browser"})
    no_browser = no_browser or "--no-browser" in given
    if not command_line:
        raise UsageError(
            "no command to run", hint="usage: ssoenv exec PROFILE -- COMMAND [ARGS]..."
        )
    selected = rt.load_profile(profile)
    ctx = rt.context(no_browser=no_browser)
    creds = engine.credentials(ctx, selected, allow_login=rt.interactive())
    env = execute.child_environment(os.environ, creds.role, selected.region)
    return execute.run(command_line, env)


def credential_process(profile: str) -> None:
    from ssoenv import emit, engine

    selected = rt.load_profile(profile)
    ctx = rt.context()
    ctx.refresh_window = max(ctx.refresh_window, PROCESS_MIN_VALID)
    creds = engine.credentials(ctx, selected, allow_login=False)
    sys.stdout.write(emit.credential_process(creds.role))
