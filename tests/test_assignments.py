"""`ssoenv accounts`: every page of ListAccounts and ListAccountRoles, roles
fetched concurrently with a bound, a deterministic order, progress on stderr
only, and the usual one-line errors."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from ssoenv.assignments import ProgressLine, list_assignments
from ssoenv.errors import LoginRequired
from tests.emulator import Emulator, make_org
from tests.helpers import run

SESSION = """\
[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""


def point_at(emu: Emulator, home: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", emu.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", emu.url)
    config = home / ".aws" / "config"
    config.parent.mkdir(parents=True)
    config.write_text(text)


@pytest.fixture
def big_org(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with Emulator(accounts=make_org(500, 3)) as emu:
        point_at(emu, isolated_env, monkeypatch, SESSION)
        assert run("login", "--sso-session", "corp", "--no-browser").returncode == 0
        emu.reset_counts()
        yield emu


@pytest.fixture
def small_org(emulator: Emulator, isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    point_at(emulator, isolated_env, monkeypatch, SESSION)
    return emulator


def test_a_500_account_organisation_as_json(big_org: Emulator) -> None:
    result = run("accounts", "--json")
    assert result.returncode == 0, result.stderr
    accounts = json.loads(result.stdout)
    assert len(accounts) == 500
    assert [a["accountId"] for a in accounts] == [f"{i:012d}" for i in range(1, 501)]
    assert accounts[0] == {
        "accountId": "000000000001",
        "accountName": "acct-0001",
        "emailAddress": "acct-0001@example.com",
        "roles": ["Admin", "PowerUser", "ReadOnly"],  # sorted
    }
    assert big_org.calls["ListAccounts"] == 25  # every page of 20
    assert big_org.calls["ListAccountRoles"] == 500
    # Progress: a line per quarter on a non-terminal stderr, for a large organisation.
    progress = [
        re.fullmatch(r"ssoenv: listing roles: (\d+)/500 accounts", line)
        for line in result.stderr.splitlines()
    ]
    done = [int(match.group(1)) for match in progress if match]
    assert len(done) == len(progress) == 4
    assert [n * 4 // 500 for n in done] == [1, 2, 3, 4]
    assert done[-1] == 500


def test_the_table_has_one_line_per_role(big_org: Emulator) -> None:
    result = run("accounts")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ACCOUNT", "NAME", "ROLE"]
    assert len(lines) == 1 + 1500
    assert lines[1].split() == ["000000000001", "acct-0001", "Admin"]
    assert lines[-1].split() == ["000000000500", "acct-0500", "ReadOnly"]
    assert "ssoenv:" not in result.stdout


def test_small_organisations_report_no_progress(small_org: Emulator) -> None:
    assert run("login", "--sso-session", "corp", "--no-browser").returncode == 0
    result = run("accounts")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert [line.split() for line in result.stdout.splitlines()[1:]] == [
        ["111111111111", "dev", "Admin"],
        ["111111111111", "dev", "ReadOnly"],
        ["222222222222", "prod", "ReadOnly"],
    ]


def test_without_a_session_it_asks_for_a_login_and_does_not_start_one(
    small_org: Emulator,
) -> None:
    result = run("accounts")
    assert result.returncode == 4
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "ssoenv: no valid SSO session for corp (not logged in, or expired); "
        "run `ssoenv login --sso-session corp`"
    ]
    assert small_org.calls["StartDeviceAuthorization"] == 0


def test_a_session_ended_on_the_portal_is_one_line(small_org: Emulator) -> None:
    assert run("login", "--sso-session", "corp", "--no-browser").returncode == 0
    small_org.expire_access_tokens()
    small_org.revoke_refresh_tokens()  # else a refresh replaces the rejected token
    result = run("accounts")
    assert result.returncode == 4
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_several_sessions_need_sso_session(small_org: Emulator, isolated_env: Path) -> None:
    config = isolated_env / ".aws" / "config"
    config.write_text(SESSION + "\n" + SESSION.replace("corp", "other"))
    result = run("accounts")
    assert result.returncode == 2
    assert "choose one with --sso-session; one of: corp, other" in result.stderr


class FakeHttp:
    """Just enough of HttpClient for the portal functions, recording the threads."""

    lock = threading.Lock()
    threads: ClassVar[set[int]] = set()
    role_calls = 0
    fail = False
    # The first two role calls wait for each other: they can only both pass if
    # they run at the same time.
    meet = threading.Barrier(2, timeout=10)
    release = threading.Event()

    def call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        params = kwargs["params"]
        if url.endswith("/assignment/accounts"):
            start = int(params.get("next_token", "0"))
            ids = range(start, start + 10)
            more = {"nextToken": str(start + 10)} if start + 10 < 40 else {}
            return {"accountList": [{"accountId": f"{i:012d}"} for i in ids], **more}
        cls = type(self)
        with cls.lock:
            cls.role_calls += 1
            first_two = cls.role_calls <= 2
            cls.threads.add(threading.get_ident())
        if first_two and not cls.fail:
            cls.meet.wait()
        if cls.fail:
            if params["account_id"] == "000000000000":
                raise LoginRequired("the SSO session is no longer valid")
            cls.release.wait(timeout=10)  # busy until the test lets go
        return {"roleList": [{"roleName": "B"}, {"roleName": "A"}]}

    @classmethod
    def reset(cls, *, fail: bool) -> None:
        cls.threads, cls.role_calls, cls.fail = set(), 0, fail
        cls.meet.reset()
        cls.release.clear()


def test_roles_are_fetched_concurrently_within_the_bound() -> None:
    FakeHttp.reset(fail=False)
    progress: list[tuple[int, int]] = []
    found = list_assignments(
        FakeHttp,  # type: ignore[arg-type]
        "http://portal",
        "token",
        workers=4,
        on_progress=lambda done, total: progress.append((done, total)),
    )
    assert [a.account_id for a in found] == [f"{i:012d}" for i in range(40)]
    assert all(a.roles == ("A", "B") for a in found)
    assert 1 < len(FakeHttp.threads) <= 4  # concurrent, within the bound
    assert FakeHttp.role_calls == 40
    assert progress[-1] == (40, 40)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)


def test_the_first_failure_stops_the_listing() -> None:
    FakeHttp.reset(fail=True)
    try:
        with pytest.raises(LoginRequired):
            list_assignments(FakeHttp, "http://portal", "token", workers=2)  # type: ignore[arg-type]
        # Raised while the other worker was still busy: nothing more was started.
        assert FakeHttp.role_calls <= 3
    finally:
        FakeHttp.release.set()


def test_progress_line_rewrites_itself_on_a_terminal() -> None:
    out: list[str] = []
    line = ProgressLine(out.append, tty=True)
    line(1, 3)
    line.close()
    assert out == ["\rssoenv: listing roles: 1/3 accounts\x1b[K", "\n"]
