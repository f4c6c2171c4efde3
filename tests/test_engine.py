"""The engine against the emulator over real HTTP, with an injected clock:
device login, token reuse and refresh, role credentials, logout."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from ssoenv import engine
from ssoenv.errors import AccessDenied, LoginFailed, LoginRequired
from ssoenv.model import DeviceAuthorization, Endpoints, SsoProfile, SsoSession
from ssoenv.settings import Settings
from ssoenv.values import replace
from tests.conftest import FakeClock
from tests.emulator import Emulator

START_URL = "https://d-1234567890.awsapps.com/start"


def profile(
    emu: Emulator, *, legacy: bool = False, account: str = "111111111111", role: str = "ReadOnly"
) -> SsoProfile:
    session = SsoSession(
        name=None if legacy else "corp",
        start_url=START_URL,
        region="us-east-1",
        scopes=None if legacy else ("sso:account:access",),
        source="test",
    )
    return SsoProfile("dev", account, role, session, Endpoints(emu.url, emu.url), "eu-west-1")


def context(clock: FakeClock, codes: list[DeviceAuthorization] | None = None) -> engine.Context:
    seen = codes if codes is not None else []
    return engine.Context(
        settings=Settings.from_environ(os.environ),
        now=clock.now,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
        on_device_code=lambda auth, session: seen.append(auth),
    )


def token_file(home: Path, key: str) -> Path:
    return home / ".aws" / "sso" / "cache" / (hashlib.sha1(key.encode()).hexdigest() + ".json")


def test_device_login_writes_the_aws_cli_token_file(
    emulator: Emulator, clock: FakeClock, isolated_env: Path
) -> None:
    codes: list[DeviceAuthorization] = []
    prof = profile(emulator)
    engine.login(context(clock, codes), prof.session, prof.endpoints, force=False)

    assert len(codes) == 1 and codes[0].user_code
    path = token_file(isolated_env, "corp")
    data = json.loads(path.read_text())
    assert data["startUrl"] == START_URL and data["region"] == "us-east-1"
    assert data["expiresAt"].endswith("Z") and len(data["expiresAt"]) == 20
    assert {"accessToken", "refreshToken", "clientId", "clientSecret"} <= data.keys()
    assert data["registrationExpiresAt"].endswith("Z")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    # The registration is cached under the name the AWS CLI uses
    # (docs/protocol.md#registration-cache).
    key = json.dumps(
        {
            "tool": "botocore",
            "startUrl": START_URL,
            "region": "us-east-1",
            "scopes": ["sso:account:access"],
            "session_name": "corp",
        },
        sort_keys=True,
    )
    registration = path.parent / (hashlib.sha1(key.encode()).hexdigest() + ".json")
    assert json.loads(registration.read_text())["scopes"] == ["sso:account:access"]


def test_polling_honours_interval_and_slow_down_without_sleeping(
    emulator: Emulator, clock: FakeClock
) -> None:
    emulator.interval = 2
    emulator.pending_polls = 2
    emulator.inject("CreateToken", 400, "SlowDownException", "slow down", times=1)
    prof = profile(emulator)
    engine.login(context(clock), prof.session, prof.endpoints, force=False)
    # slow_down first (interval 2 + 5 = 7 from then on), then two pending answers.
    assert clock.sleeps == [7, 7, 7]
    assert emulator.calls["CreateToken:device_code"] >= 3


@pytest.mark.parametrize(
    ("code", "message"),
    [("AccessDeniedException", "denied"), ("ExpiredTokenException", "expired")],
)
def test_login_failures_leave_the_cache_untouched(
    emulator: Emulator, clock: FakeClock, isolated_env: Path, code: str, message: str
) -> None:
    prof = profile(emulator)
    engine.login(context(clock), prof.session, prof.endpoints, force=False)
    before = token_file(isolated_env, "corp").read_bytes()
    emulator.inject("CreateToken", 400, code, "no", times=1)
    with pytest.raises(LoginFailed, match=message):
        engine.login(context(clock), prof.session, prof.endpoints, force=True)
    assert token_file(isolated_env, "corp").read_bytes() == before


def test_login_stops_at_the_codes_own_expiry(emulator: Emulator, clock: FakeClock) -> None:
    emulator.auto_approve = False
    emulator.device_code_ttl = 30
    prof = profile(emulator)
    with pytest.raises(LoginFailed, match="in time"):
        engine.login(context(clock), prof.session, prof.endpoints, force=False)
    assert sum(clock.sleeps) <= 30


def test_ctrl_c_while_polling_keeps_the_previous_token(
    emulator: Emulator, clock: FakeClock, isolated_env: Path
) -> None:
    prof = profile(emulator)
    engine.login(context(clock), prof.session, prof.endpoints, force=False)
    before = token_file(isolated_env, "corp").read_bytes()
    emulator.auto_approve = False

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    ctx = replace(context(clock), sleep=interrupt)
    with pytest.raises(KeyboardInterrupt):
        engine.login(ctx, prof.session, prof.endpoints, force=True)
    assert token_file(isolated_env, "corp").read_bytes() == before
    leftovers = [p.name for p in token_file(isolated_env, "corp").parent.iterdir()]
    assert not [name for name in leftovers if name.endswith(".tmp")]


def test_registration_is_reused_by_the_next_login(emulator: Emulator, clock: FakeClock) -> None:
    prof = profile(emulator)
    engine.login(context(clock), prof.session, prof.endpoints, force=False)
    engine.login(context(clock), prof.session, prof.endpoints, force=True)
    assert emulator.calls["RegisterClient"] == 1
    assert emulator.calls["StartDeviceAuthorization"] == 2


def test_role_credentials_are_cached_until_the_refresh_window(
    emulator: Emulator, clock: FakeClock
) -> None:
    prof = profile(emulator)
    ctx = context(clock)
    first = engine.credentials(ctx, prof, allow_login=True)
    second = engine.credentials(ctx, prof, allow_login=False)
    assert first.role == second.role
    assert emulator.calls["GetRoleCredentials"] == 1
    # 51 minutes later, less than the 10-minute window is left: fetch anew.
    clock.advance(51 * 60)
    third = engine.credentials(ctx, prof, allow_login=False)
    assert third.role.access_key_id != first.role.access_key_id
    assert emulator.calls["GetRoleCredentials"] == 2


def test_token_inside_the_refresh_window_is_refreshed_and_rotated(
    emulator: Emulator, clock: FakeClock, isolated_env: Path
) -> None:
    prof = profile(emulator)
    ctx = context(clock)
    engine.login(ctx, prof.session, prof.endpoints, force=False)
    old = json.loads(token_file(isolated_env, "corp").read_text())
    clock.advance(50 * 60)  # 10 minutes left: inside botocore's 15-minute window
    token = engine.usable_token(ctx, prof.session, prof.endpoints)
    new = json.loads(token_file(isolated_env, "corp").read_text())
    assert token is not None and token.access_token == new["accessToken"]
    assert emulator.calls["CreateToken:refresh_token"] == 1
    assert new["refreshToken"] != old["refreshToken"]
    assert new["clientId"] == old["clientId"]
    assert new["registrationExpiresAt"] == old["registrationExpiresAt"]


def test_a_spent_refresh_token_falls_back_to_the_valid_token(
    emulator: Emulator, clock: FakeClock, isolated_env: Path
) -> None:
    prof = profile(emulator)
    ctx = context(clock)
    engine.login(ctx, prof.session, prof.endpoints, force=False)
    before = token_file(isolated_env, "corp").read_bytes()
    emulator.revoke_refresh_tokens()
    clock.advance(50 * 60)
    token = engine.usable_token(ctx, prof.session, prof.endpoints)
    assert token is not None  # still valid for 10 minutes, as botocore would keep it
    assert token_file(isolated_env, "corp").read_bytes() == before
    clock.advance(10 * 60)
    assert engine.usable_token(ctx, prof.session, prof.endpoints) is None


def test_legacy_profiles_never_refresh(emulator: Emulator, clock: FakeClock) -> None:
    prof = profile(emulator, legacy=True)
    ctx = context(clock)
    engine.login(ctx, prof.session, prof.endpoints, force=False)
    clock.advance(3600)
    with pytest.raises(LoginRequired) as raised:
        engine.credentials(ctx, prof, allow_login=False)
    assert raised.value.hint == "run `ssoenv login dev`"
    assert emulator.calls["CreateToken:refresh_token"] == 0


def test_unassigned_role_names_account_and_role(emulator: Emulator, clock: FakeClock) -> None:
    prof = profile(emulator, account="222222222222", role="Admin")
    with pytest.raises(AccessDenied, match="'Admin' in account 222222222222"):
        engine.credentials(context(clock), prof, allow_login=True)


def test_session_ended_at_the_portal_requires_a_login(emulator: Emulator, clock: FakeClock) -> None:
    prof = profile(emulator)
    ctx = context(clock)
    engine.login(ctx, prof.session, prof.endpoints, force=False)
    emulator.expire_access_tokens()
    emulator.revoke_refresh_tokens()  # else a refresh replaces the rejected token
    with pytest.raises(LoginRequired) as raised:
        engine.credentials(ctx, prof, allow_login=False)
    assert raised.value.hint == "run `ssoenv login dev`"


@pytest.mark.parametrize("content", [b"", b"{", b"[]", b'{"accessToken": 5}', b"\xff\xfe"])
def test_a_corrupt_token_file_counts_as_absent(
    emulator: Emulator, clock: FakeClock, isolated_env: Path, content: bytes
) -> None:
    path = token_file(isolated_env, "corp")
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    prof = profile(emulator)
    with pytest.raises(LoginRequired):
        engine.credentials(context(clock), prof, allow_login=False)


def test_logout_ends_the_session_and_removes_the_files(
    emulator: Emulator, clock: FakeClock, isolated_env: Path
) -> None:
    prof = profile(emulator)
    ctx = context(clock)
    engine.credentials(ctx, prof, allow_login=True)
    report = engine.logout(ctx, lambda region: prof.endpoints)
    assert report.sessions == [START_URL]
    assert report.credentials_removed == 1
    assert emulator.calls["Logout"] == 1
    assert not token_file(isolated_env, "corp").exists()
    with pytest.raises(LoginRequired):
        engine.credentials(ctx, prof, allow_login=False)


def test_a_rejected_registration_is_forgotten_and_replaced(
    emulator: Emulator, clock: FakeClock
) -> None:
    prof = profile(emulator)
    engine.login(context(clock), prof.session, prof.endpoints, force=False)
    emulator.inject("StartDeviceAuthorization", 401, "InvalidClientException", "unknown client")
    with pytest.raises(LoginRequired, match="no longer accepts") as raised:
        engine.login(context(clock), prof.session, prof.endpoints, force=True)
    assert raised.value.hint == "run the login again; a new registration will be made"
    engine.login(context(clock), prof.session, prof.endpoints, force=True)
    assert emulator.calls["RegisterClient"] == 2
