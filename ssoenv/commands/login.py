"""`ssoenv login [PROFILE | --sso-session NAME]`: log in to an SSO session and
cache the token where the AWS CLI v2 and botocore find it."""

from __future__ import annotations

from ssoenv import runtime as rt


def run(
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
    if target is None and profile:
        import shlex

        rt.say(
            f"logged in to {session.start_url}; profile '{profile}' names no role: "
            f"`ssoenv populate --profile {shlex.quote(profile)}` writes one per role"
        )
    elif target is None:
        rt.say(
            f"logged in to {session.start_url}; no profile uses it yet: "
            "`ssoenv configure` makes one"
        )
    else:
        import shlex  # a profile name may need quoting to work as printed

        rt.say(f"logged in to {session.start_url}; `ssoenv use {shlex.quote(target)}` is ready")
