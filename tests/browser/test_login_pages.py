"""The browser login in a real browser: `ssoenv login` opens a headless Chromium
through $BROWSER on the emulator's sign-in page; the test clicks Allow or Deny
with the mouse, and reads the page the browser lands on. Each page must say in
plain words what happened and what to do next, load nothing from anywhere but
127.0.0.1, and the login must end as the page says.

The cases: success, denial, a forged callback (another program or an old tab),
and late callbacks (a reload after the login ended, a click after ssoenv gave
up). Each starts one Chromium (about 1 s)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from ssoenv.loopback import CallbackListener
from tests.browser.devtools import TIMEOUT, Chromium, Tab
from tests.emulator import Emulator
from tests.helpers import SSOENV

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOOPBACK = "http://127.0.0.1:"
STATE = "0b2f6c1e-3a0d-4c55-9d44-6c5a6e2b8f10"


class Login:
    """`ssoenv login dev` running, with the browser it opened on the sign-in page."""

    def __init__(
        self, process: subprocess.Popen[str], chromium: Chromium, output: Path, sign_in: str
    ) -> None:
        self.process = process
        self.output = output
        chromium.connect(process)
        self.tab = chromium.tab(sign_in)
        query = parse_qs(urlsplit(self.tab.loaded(sign_in)).query)
        self.callback = query["redirect_uri"][0]  # the listener's address

    def decide(self, button: str) -> None:
        """Click Allow (`#approve`) or Deny (`#deny`), as the person does; wait
        for the page the browser lands on."""
        mark = self.tab.mark()
        self.tab.click(f"#{button}")
        self.tab.landed(self.callback, after=mark)

    def end(self) -> int:
        return self.process.wait(timeout=TIMEOUT)

    @property
    def stdout(self) -> str:
        return (self.output / "stdout").read_text()

    @property
    def stderr(self) -> str:
        return (self.output / "stderr").read_text()


@pytest.fixture
def login(aws_env: Path, chromium: Chromium, tmp_path: Path, emulator: Emulator) -> Iterator[Login]:
    output = tmp_path / "ssoenv"
    output.mkdir()
    with (output / "stdout").open("w") as stdout, (output / "stderr").open("w") as stderr:
        process = subprocess.Popen(
            [SSOENV, "login", "dev"],
            env={**os.environ, "BROWSER": chromium.browser_variable},
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            text=True,
        )
    try:
        yield Login(process, chromium, output, f"{emulator.url}/authorize?")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def token_file(home: Path) -> Path:
    return home / ".aws" / "sso" / "cache" / (hashlib.sha1(b"corp").hexdigest() + ".json")


def assert_only_loopback(tab: Tab, *, after: int = 0) -> None:
    """The page loaded nothing from elsewhere, and names nothing it could load."""
    requested = tab.requests(after=after)
    assert requested, "no request was seen: the check would pass vacuously"
    assert [url for url in requested if not url.startswith(LOOPBACK)] == []
    assert tab.external_references() == []


# --------------------------------------------------------------------------- whole logins


def test_allow_logs_in_and_the_page_says_to_go_back_to_the_terminal(
    login: Login, isolated_env: Path, emulator: Emulator
) -> None:
    mark = login.tab.mark()
    login.decide("approve")
    text = login.tab.text()
    assert "Logged in" in text
    assert "ssoenv is logged in" in text
    assert "close this tab" in text and "terminal" in text
    assert login.end() == 0, login.stderr
    assert "logged in to https://d-1234567890.awsapps.com/start" in login.stderr
    assert login.stdout == ""  # nothing of the browser's reaches what `eval` would read
    assert token_file(isolated_env).exists()
    assert emulator.calls["CreateToken:authorization_code"] == 1
    assert_only_loopback(login.tab, after=mark)
    answer = login.tab.response(login.callback, after=mark)
    assert answer["status"] == 200
    assert "default-src 'none'" in answer["headers"]["Content-Security-Policy"]


def test_deny_ends_the_login_and_the_page_says_what_to_run(
    login: Login, isolated_env: Path, emulator: Emulator
) -> None:
    mark = login.tab.mark()
    login.decide("deny")
    text = login.tab.text()
    assert "Login refused" in text
    assert "denied" in text and "not logged in" in text
    assert "ssoenv login --sso-session corp" in text  # what to run, exactly
    assert login.end() == 5  # LOGIN_FAILED
    assert "denied in the browser" in login.stderr
    assert not token_file(isolated_env).exists()
    assert emulator.calls["CreateToken:authorization_code"] == 0
    assert_only_loopback(login.tab, after=mark)


def test_a_forged_callback_shows_not_this_login_and_the_real_one_still_logs_in(
    login: Login, chromium: Chromium, isolated_env: Path, emulator: Emulator
) -> None:
    """Another program (or an old tab) opens the listener's address with a state
    that is not this login's: its page says it was ignored and the login waits."""
    forged = chromium.new_tab()
    forged.navigate(f"{login.callback}?code=forged&state=not-the-state")
    text = forged.text()
    assert "Not this login" in text
    assert "ignored" in text and "still waiting" in text
    assert "Ctrl-C" in text  # how to stop the waiting login, if that is what you want
    assert forged.response(login.callback)["status"] == 400
    assert_only_loopback(forged)
    login.decide("approve")
    assert "ssoenv is logged in" in login.tab.text()
    assert login.end() == 0, login.stderr
    # Only the real code was redeemed: the forged one never reached CreateToken.
    assert emulator.calls["CreateToken:authorization_code"] == 1
    assert token_file(isolated_env).exists()


def test_a_reload_after_the_login_ended_shows_the_browsers_own_error(
    login: Login, isolated_env: Path, emulator: Emulator
) -> None:
    """ssoenv has logged in and closed its listener: nothing answers any more, so
    the browser says the address cannot be reached; the login is not touched."""
    login.decide("approve")
    assert login.end() == 0, login.stderr
    token = token_file(isolated_env).read_bytes()
    login.tab.reload()
    assert "ERR_CONNECTION_REFUSED" in login.tab.text()  # Chromium's own page, in any language
    assert token_file(isolated_env).read_bytes() == token
    assert emulator.calls["CreateToken:authorization_code"] == 1


def test_allow_after_ssoenv_gave_up_reaches_nothing_and_changes_nothing(
    login: Login, isolated_env: Path, emulator: Emulator
) -> None:
    """Ctrl-C in the terminal (or the 10-minute timeout) closes the listener;
    a click on Allow afterwards gets the browser's error page, and the terminal
    has said what to do."""
    login.process.send_signal(signal.SIGINT)
    assert login.end() == 130
    login.decide("approve")
    assert "ERR_CONNECTION_REFUSED" in login.tab.text()
    assert not token_file(isolated_env).exists()
    assert emulator.calls["CreateToken:authorization_code"] == 0


# --------------------------------------------------------------------------- the listener's pages


@pytest.fixture
def tab(chromium: Chromium) -> Tab:
    """A tab of a Chromium the test starts itself, on a blank page."""
    chromium.connect(chromium.launch())
    return chromium.tab("about:blank")


def test_a_second_callback_while_the_listener_is_open_says_nothing_more_to_do(
    tab: Tab,
) -> None:
    with CallbackListener(STATE) as listener:
        tab.navigate(f"{listener.redirect_uri}?code=the-code&state={STATE}")
        assert "ssoenv is logged in" in tab.text()
        tab.reload()
        text = tab.text()
        assert "already received this login" in text and "close this tab" in text
        assert listener.wait(0) == "the-code"
    assert_only_loopback(tab)


def test_a_failed_login_says_what_failed_and_what_to_run(tab: Tab) -> None:
    # The sso-session's name comes from the config: here it is markup that would
    # load an image from elsewhere, were it not shown as text.
    retry = "ssoenv login --sso-session '<img src=https://example.com/x.png>'"
    with CallbackListener(STATE, retry=retry) as listener:
        tab.navigate(f"{listener.redirect_uri}?error=invalid_scope&state={STATE}")
        text = tab.text()
        assert "Login failed" in text
        assert "the browser login failed: invalid_scope" in text
        assert retry in text
    assert_only_loopback(tab)


def test_the_listener_answers_other_addresses_with_a_plain_page(tab: Tab) -> None:
    with CallbackListener(STATE) as listener:
        tab.navigate(f"{LOOPBACK}{listener.port}/")
        assert "ssoenv login listener" in tab.text()
        assert_only_loopback(tab)
        with pytest.raises(Exception, match="did not finish"):
            listener.wait(0)
