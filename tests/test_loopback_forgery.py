"""The loopback listener of the browser login against forged callbacks: any local
process can reach its port. A request without this login's `state`, on another
path or with another method is answered and forgotten, and the login keeps
waiting for the browser's real redirect; a forged request held open, hundreds
of them, a huge one or a client hanging up mid-answer change nothing either.
Tested over HTTP against the real listener, and as whole logins against the
emulator with the browser played by an HTTP client (and by a $BROWSER program)."""

from __future__ import annotations

import http.client
import socket
import struct
import threading
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from ssoenv.errors import LoginFailed
from ssoenv.loopback import CallbackListener
from ssoenv.model import SsoSession
from ssoenv.values import replace
from tests.conftest import FakeClock
from tests.emulator import Emulator
from tests.helpers import run
from tests.test_pkce import Browser, context, fetch, login, token_file

STATE = "0b2f6c1e-3a0d-4c55-9d44-6c5a6e2b8f10"


def request(port: int, method: str, target: str) -> tuple[int, str]:
    """(status, page) of one raw request: any method, any target, nothing encoded."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        connection.endheaders()
        answer = connection.getresponse()
        return answer.status, answer.read().decode(errors="replace")
    finally:
        connection.close()


def assert_still_waiting(listener: CallbackListener) -> None:
    """Nothing decided the login: waiting no time at all ends in the timeout."""
    with pytest.raises(LoginFailed, match="did not finish"):
        listener.wait(0)


def genuine(listener: CallbackListener, code: str = "the-code") -> None:
    """The browser's real redirect: it completes the login with its code."""
    status, _, page = fetch(f"{listener.redirect_uri}?code={code}&state={STATE}")
    assert status == 200 and "ssoenv is logged in" in page
    assert listener.wait(30) == code


# --------------------------------------------------------------------------- the listener


@pytest.mark.parametrize(
    ("method", "target", "status"),
    [
        ("GET", "/oauth/callback?code=forged&state=guess", 400),
        ("GET", "/oauth/callback?code=forged", 400),  # no state at all
        ("GET", "/oauth/callback?code=forged&state=", 400),
        ("GET", f"/oauth/callback?code=forged&state={STATE[:-1]}", 400),  # a prefix
        ("GET", f"/oauth/callback?code=forged&state={STATE}x", 400),
        ("GET", f"/oauth/callback?code=forged&STATE={STATE}", 400),
        ("GET", "/oauth/callback?error=access_denied&state=guess", 400),  # a forged denial
        ("GET", "/oauth/callback", 400),
        ("GET", f"/oauth/callback/?code=forged&state={STATE}", 404),  # another path
        ("GET", f"/elsewhere?code=forged&state={STATE}", 404),
        ("GET", f"/%6Fauth/callback?code=forged&state={STATE}", 404),
        ("POST", f"/oauth/callback?code=forged&state={STATE}", 501),  # another method
        ("PUT", f"/oauth/callback?code=forged&state={STATE}", 501),
        ("HEAD", f"/oauth/callback?code=forged&state={STATE}", 501),
        ("GET", "/oauth/callback?state=guess&code=" + "x" * 60_000, 400),  # a huge query
        ("GET", "/oauth/callback?" + "a=1&" * 15_000 + "state=guess", 400),  # many fields
        ("GET", "/oauth/callback?state=" + "x" * 70_000, 414),  # over the request line limit
        ("GET", "/oauth/callback?state=%00%1b%ff&code=%0d%0a", 400),
    ],
)
def test_a_forged_callback_is_answered_and_the_login_keeps_waiting(
    method: str, target: str, status: int
) -> None:
    with CallbackListener(STATE) as listener:
        got, page = request(listener.port, method, target)
        assert got == status
        if status in (400, 404):
            assert "forged" not in page and "<script" not in page
        assert_still_waiting(listener)
        genuine(listener)


def test_a_forged_callback_gets_a_plain_page_and_is_counted_not_kept() -> None:
    with CallbackListener(STATE) as listener:
        status, _, page = fetch(f"{listener.redirect_uri}?code=forged&state=guess")
        assert status == 400
        assert "Not this login" in page and "still waiting" in page
        assert listener.ignored == 1
        with pytest.raises(LoginFailed, match=r"1 request was ignored: no state of this login"):
            listener.wait(0)  # the timeout names the forgeries, which may be why


@pytest.mark.slow  # hundreds of HTTP requests: ~2.5 s
def test_hundreds_of_forged_callbacks_are_all_refused_then_the_real_one_wins() -> None:
    """Each forgery costs a counter increment, not a record: the listener keeps
    serving, and the real redirect after them is the one redeemed."""
    with CallbackListener(STATE) as listener:
        statuses: list[int] = []

        def forge(n: int) -> None:
            for i in range(n):
                statuses.append(fetch(f"{listener.redirect_uri}?code=f{i}&state=s{i}")[0])

        threads = [threading.Thread(target=forge, args=(100,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses == [400] * 800
        assert listener.ignored == 800
        assert_still_waiting(listener)
        genuine(listener)


def test_a_forged_connection_held_open_does_not_block_the_real_callback() -> None:
    with CallbackListener(STATE) as listener:
        # Half a request line, never finished: its handler waits on this socket.
        held = socket.create_connection(("127.0.0.1", listener.port))
        held.sendall(b"GET /oauth/callback?code=forged&state=")
        idle = socket.create_connection(("127.0.0.1", listener.port))  # sends nothing
        try:
            genuine(listener)
        finally:
            held.close()
            idle.close()


def test_a_client_hanging_up_prints_no_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    """Any local process can connect and reset: the login's terminal stays clean."""
    with CallbackListener(STATE) as listener:
        for _ in range(3):
            reset = socket.create_connection(("127.0.0.1", listener.port))
            reset.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            reset.close()  # an RST: the handler's read fails
        # Connections are accepted in order: once the real callback is answered,
        # every handler before it has started; wait for each to end.
        genuine(listener)
        for thread in threading.enumerate():
            if "process_request_thread" in thread.name:
                thread.join()
    assert capfd.readouterr().err == ""


def test_after_the_decision_a_reload_redeems_nothing_and_forgeries_are_still_refused() -> None:
    with CallbackListener(STATE) as listener:
        genuine(listener)
        status, _, page = fetch(f"{listener.redirect_uri}?code=second&state={STATE}")
        assert status == 200 and "already received this login" in page
        assert fetch(f"{listener.redirect_uri}?code=forged&state=guess")[0] == 400
        assert listener.wait(0) == "the-code"


def test_a_denial_carrying_the_state_ends_the_login_with_a_plain_page() -> None:
    """It carries the state, so it follows the authorization server's redirect:
    the person said no, and waiting on would only end in a timeout."""
    with CallbackListener(STATE) as listener:
        fetch(f"{listener.redirect_uri}?code=forged&state=guess")
        status, _, page = fetch(f"{listener.redirect_uri}?error=access_denied&state={STATE}")
        assert status == 400
        assert "could not log in: the login was denied in the browser" in page
        assert "To try again, run the login again in the terminal" in page
        with pytest.raises(LoginFailed, match="denied"):
            listener.wait(30)


def test_a_refused_login_names_the_command_to_run_as_text() -> None:
    """The command holds the sso-session's name, from the config: shown, never markup."""
    retry = "ssoenv login --sso-session '<b>corp</b>'"
    with CallbackListener(STATE, retry=retry) as listener:
        status, _, page = fetch(f"{listener.redirect_uri}?error=access_denied&state={STATE}")
        assert status == 400 and "Login refused" in page
        assert "run the command below in the terminal" in page
        assert "<pre>ssoenv login --sso-session &#x27;&lt;b&gt;corp&lt;/b&gt;&#x27;</pre>" in page


# --------------------------------------------------------------------------- whole logins


def _forge_then_follow(url: str) -> tuple[int, str]:
    """A local program races a forged callback to the listener (it learnt the port),
    then the browser follows the real redirect."""
    query = parse_qs(urlsplit(url).query)
    redirect_uri = query["redirect_uri"][0]
    forged = fetch(f"{redirect_uri}?code=forged&state={quote('not-the-state')}")
    assert forged[0] == 400
    status, _, page = fetch(url)
    return status, page


def test_a_forged_callback_first_does_not_stop_the_real_login(
    emulator: Emulator, clock: FakeClock, isolated_env: Path
) -> None:
    browser = Browser(_forge_then_follow)
    login(emulator, context(clock, browser))
    browser.join()
    assert browser.pages == [(200, browser.pages[0][1])]
    assert "ssoenv is logged in" in browser.pages[0][1]
    assert token_file(isolated_env).exists()
    assert emulator.calls["CreateToken:authorization_code"] == 1  # the real code only


def test_only_forgeries_end_in_the_timeout_and_keep_the_cache(
    emulator: Emulator, clock: FakeClock, isolated_env: Path
) -> None:
    login(emulator, context(clock, Browser()))
    before = token_file(isolated_env).read_bytes()
    pages: list[tuple[int, str]] = []

    def forge_only(url: str, session: SsoSession) -> None:
        # Synchronous, so it is answered before the login starts waiting.
        redirect_uri = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        status, _, page = fetch(f"{redirect_uri}?code=forged&state=guess")
        pages.append((status, page))

    ctx = replace(context(clock, Browser(), timeout=0.01), on_authorize_url=forge_only)
    with pytest.raises(
        LoginFailed, match=r"did not finish.*; 1 request was ignored: no state of this login"
    ) as raised:
        login(emulator, ctx)
    assert pages[0][0] == 400 and "Not this login" in pages[0][1]
    assert token_file(isolated_env).read_bytes() == before
    assert emulator.calls["CreateToken:authorization_code"] == 1  # only the first login
    assert not any(secret in str(raised.value) for secret in emulator.secrets())


FORGING_BROWSER = """\
#!{python}
# A $BROWSER that first forges a callback to the listener, then follows the URL.
import sys, urllib.error, urllib.parse, urllib.request
url = sys.argv[-1]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({{}}))
redirect = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["redirect_uri"][0]
with open({log!r}, "a") as log:
    for target in (redirect + "?code=forged&state=forged", url):
        try:
            with opener.open(target, timeout=30) as answer:
                log.write(f"{{answer.status}}\\n")
        except urllib.error.HTTPError as error:
            log.write(f"{{error.code}}\\n")
"""


def test_ssoenv_login_survives_a_forged_callback_end_to_end(
    aws_env: Path, emulator: Emulator, tmp_path: Path
) -> None:
    import shlex
    import sys

    script, log = tmp_path / "browser.py", tmp_path / "browser.log"
    script.write_text(FORGING_BROWSER.format(python=sys.executable, log=str(log)))
    script.chmod(0o755)
    result = run("login", "dev", env={"BROWSER": shlex.quote(str(script))})
    assert result.returncode == 0, result.stderr
    assert "logged in to https://d-1234567890.awsapps.com/start" in result.stderr
    assert log.read_text().split() == ["400", "200"]
    assert emulator.calls["CreateToken:authorization_code"] == 1
