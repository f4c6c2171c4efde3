"""The browser login (authorization code with PKCE): the PKCE values and the
/authorize URL, the emulator's /authorize page and authorization_code grant, the
engine's flow through the real loopback listener driven by a scripted browser
that follows the redirect, and `ssoenv login` doing it end to end."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shlex
import socket
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from ssoenv import engine, pkce
from ssoenv.errors import LoginFailed
from ssoenv.model import DeviceAuthorization, Endpoints, SsoSession
from ssoenv.settings import Settings
from ssoenv.values import replace
from tests.conftest import FakeClock
from tests.emulator import Emulator
from tests.helpers import run

START_URL = "https://d-1234567890.awsapps.com/start"
SCOPES = ("sso:account:access",)

# --------------------------------------------------------------------------- helpers

BROWSER_SCRIPT = """\
#!{python}
# A scripted browser: GET the URL, follow the redirects (to the login's loopback
# listener), and note the final status and page in a log file.
import sys, urllib.error, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({{}}))
try:
    with opener.open(sys.argv[-1], timeout=30) as answer:
        status, page = answer.status, answer.read().decode()
except urllib.error.HTTPError as error:
    status, page = error.code, error.read().decode()
with open({log!r}, "a") as log:
    log.write(f"{{status}} {{page}}\\n")
"""


def scripted_browser(directory: Path) -> tuple[str, Path]:
    """A program for $BROWSER that plays the user's browser; returns ($BROWSER, its log)."""
    script, log = directory / "browser.py", directory / "browser.log"
    script.write_text(BROWSER_SCRIPT.format(python=sys.executable, log=str(log)))
    script.chmod(0o755)
    return shlex.quote(str(script)), log


def _opener(*, follow: bool) -> urllib.request.OpenerDirector:
    handlers: list[Any] = [urllib.request.ProxyHandler({})]
    if not follow:

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any) -> None:
                return None

        handlers.append(NoRedirect())
    return urllib.request.build_opener(*handlers)


def fetch(url: str, *, follow: bool = True) -> tuple[int, dict[str, str], str]:
    """(status, headers, body) of a GET, optionally without following redirects."""
    try:
        with _opener(follow=follow).open(url, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def follow(url: str) -> tuple[int, str]:
    """What a browser does with the /authorize URL: follow it to the listener's page."""
    status, _, page = fetch(url)
    return status, page


class Browser:
    """Plays the user's browser in a thread, as `on_authorize_url` must not block."""

    def __init__(self, action: Callable[[str], tuple[int, str]] = follow) -> None:
        self.action = action
        self.urls: list[str] = []
        self.pages: list[tuple[int, str]] = []
        self._threads: list[threading.Thread] = []

    def __call__(self, url: str, session: SsoSession) -> None:
        self.urls.append(url)
        thread = threading.Thread(target=lambda: self.pages.append(self.action(url)))
        thread.start()
        self._threads.append(thread)

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=30)


def session(*, legacy: bool = False) -> SsoSession:
    return SsoSession(
        name=None if legacy else "corp",
        start_url=START_URL,
        region="us-east-1",
        scopes=None if legacy else SCOPES,
        source="test",
    )


def context(
    clock: FakeClock, browser: Browser, *, flow: engine.LoginFlow = "pkce", timeout: float = 30
) -> engine.Context:
    codes: list[DeviceAuthorization] = []
    return engine.Context(
        settings=Settings.from_environ(os.environ),
        now=clock.now,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
        on_device_code=lambda auth, s: codes.append(auth),
        on_authorize_url=browser,
        choose_flow=lambda s: flow,
        login_timeout=timeout,
    )


def cache_dir(home: Path) -> Path:
    return home / ".aws" / "sso" / "cache"


def token_file(home: Path) -> Path:
    return cache_dir(home) / (hashlib.sha1(b"corp").hexdigest() + ".json")


def login(emu: Emulator, ctx: engine.Context, *, legacy: bool = False) -> None:
    engine.login(ctx, session(legacy=legacy), Endpoints(emu.url, emu.url), force=True)


# --------------------------------------------------------------------------- PKCE values


def test_challenge_is_the_rfc_7636_s256_example() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 appendix B
    assert pkce.challenge_for(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_a_new_request_is_random_and_shaped_like_the_aws_clis() -> None:
    first, second = pkce.new_request(), pkce.new_request()
    assert len(first.verifier) == 64
    assert set(first.verifier) <= set(pkce.VERIFIER_ALPHABET)
    assert first.challenge == pkce.challenge_for(first.verifier)
    assert len(first.challenge) == 43 and "=" not in first.challenge
    assert len(first.state) == 36 and first.state.count("-") == 4  # a UUID
    assert first.verifier != second.verifier and first.state != second.state
    assert first.verifier not in repr(first)


def test_authorize_url_is_built_exactly_as_the_aws_cli_builds_it() -> None:
    url = pkce.authorize_url(
        "https://oidc.us-east-1.amazonaws.com/some/prefix",
        client_id="client-1",
        redirect_uri="http://127.0.0.1:4567/oauth/callback",
        state="0b2f6c1e-3a0d-4c55-9d44-6c5a6e2b8f10",
        challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        scopes=("sso:account:access", "codewhisperer:completions"),
    )
    assert url == (
        "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=client-1"
        "&redirect_uri=http%3A%2F%2F127.0.0.1%3A4567%2Foauth%2Fcallback"
        "&state=0b2f6c1e-3a0d-4c55-9d44-6c5a6e2b8f10&code_challenge_method=S256"
        "&scopes=sso%3Aaccount%3Aaccess%20codewhisperer%3Acompletions"
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


# --------------------------------------------------------------------------- the emulator


def oidc_client(emu: Emulator) -> Any:
    config = Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1})
    return boto3.client("sso-oidc", region_name="us-east-1", endpoint_url=emu.url, config=config)


def register_pkce(oidc: Any) -> dict[str, Any]:
    answer: dict[str, Any] = oidc.register_client(
        clientName="botocore-client-corp",
        clientType="public",
        scopes=list(SCOPES),
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=[pkce.REGISTERED_REDIRECT_URI],
        issuerUrl=START_URL,
    )
    return answer


def authorize(emu: Emulator, client_id: str, **overrides: str) -> tuple[str, dict[str, Any]]:
    """GET /authorize without following the redirect; returns (verifier, answer)."""
    request = pkce.new_request()
    url = pkce.authorize_url(
        emu.url,
        client_id=client_id,
        redirect_uri=overrides.pop("redirect_uri", pkce.redirect_uri(4567)),
        state=request.state,
        challenge=request.challenge,
        scopes=SCOPES,
    )
    if overrides:
        query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()} | overrides
        url = f"{emu.url}/authorize?{urlencode(query)}"
    status, headers, body = fetch(url, follow=False)
    location = headers.get("Location", "")
    answer = {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()}
    return request.verifier, {"status": status, "location": location, "body": body, **answer}


def test_authorize_redirects_with_a_code_the_verifier_redeems_once(emulator: Emulator) -> None:
    oidc = oidc_client(emulator)
    client = register_pkce(oidc)
    verifier, answer = authorize(emulator, client["clientId"])
    assert answer["status"] == 302
    assert answer["location"].startswith("http://127.0.0.1:4567/oauth/callback?code=")
    redeem = {
        "clientId": client["clientId"],
        "clientSecret": client["clientSecret"],
        "grantType": "authorization_code",
        "code": answer["code"],
        "redirectUri": pkce.redirect_uri(4567),
        "codeVerifier": verifier,
    }
    token = oidc.create_token(**redeem)
    assert token["tokenType"] == "Bearer" and token["refreshToken"]
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(**redeem)  # a code works once
    assert emulator.calls["Authorize"] == 1
    assert emulator.calls["CreateToken:authorization_code"] == 2


@pytest.mark.parametrize(
    "change",
    [{"codeVerifier": "x" * 64}, {"redirectUri": pkce.redirect_uri(4568)}, {"code": "guessed"}],
)
def test_a_wrong_verifier_redirect_or_code_is_an_invalid_grant(
    emulator: Emulator, change: dict[str, str]
) -> None:
    oidc = oidc_client(emulator)
    client = register_pkce(oidc)
    verifier, answer = authorize(emulator, client["clientId"])
    redeem = {
        "clientId": client["clientId"],
        "clientSecret": client["clientSecret"],
        "grantType": "authorization_code",
        "code": answer["code"],
        "redirectUri": pkce.redirect_uri(4567),
        "codeVerifier": verifier,
    }
    with pytest.raises(oidc.exceptions.InvalidGrantException):
        oidc.create_token(**(redeem | change))


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scopes": "sso:admin"}, "invalid_scope"),
    ],
)
def test_bad_authorize_requests_go_back_to_the_listener_with_an_error(
    emulator: Emulator, overrides: dict[str, str], error: str
) -> None:
    client = register_pkce(oidc_client(emulator))
    _, answer = authorize(emulator, client["clientId"], **overrides)
    assert answer["status"] == 302
    assert answer["error"] == error and "code" not in answer


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:4567/elsewhere",
        "http://evil.example:4567/oauth/callback",
        "https://127.0.0.1:4567/oauth/callback",
        "http://127.0.0.1/oauth/callback",  # a port is required
    ],
)
def test_unregistered_redirect_uris_are_never_redirected_to(
    emulator: Emulator, redirect_uri: str
) -> None:
    client = register_pkce(oidc_client(emulator))
    _, answer = authorize(emulator, client["clientId"], redirect_uri=redirect_uri)
    assert answer["status"] == 400 and answer["location"] == ""


def test_a_device_flow_registration_may_not_authorize(emulator: Emulator) -> None:
    oidc = oidc_client(emulator)
    client = oidc.register_client(clientName="device", clientType="public", scopes=list(SCOPES))
    _, answer = authorize(emulator, client["clientId"])
    assert answer["status"] == 400  # no redirect URI was registered at all


def test_without_auto_approve_the_user_allows_or_denies_on_the_page(emulator: Emulator) -> None:
    emulator.auto_approve = False
    client = register_pkce(oidc_client(emulator))
    for action, expected in (("approve", "code"), ("deny", "error")):
        _, answer = authorize(emulator, client["clientId"])
        assert answer["status"] == 200 and 'id="approve"' in answer["body"]
        link = answer["body"].split(f'id="{action}" href="')[1].split('"')[0]
        status, headers, _ = fetch(emulator.url + link.replace("&amp;", "&"), follow=False)
        assert status == 302
        assert expected in parse_qs(urlsplit(headers["Location"]).query)
    assert emulator.calls["AuthorizeDecision"] == 2


# --------------------------------------------------------------------------- the engine


def test_browser_login_registers_like_the_aws_cli_and_caches_the_token(
    emulator: Emulator, clock: FakeClock, isolated_env: Path
) -> None:
    browser = Browser()
    login(emulator, context(clock, browser))
    browser.join()

    assert len(browser.pages) == 1 and browser.pages[0][0] == 200
    assert "ssoenv is logged in" in browser.pages[0][1]
    assert emulator.registrations() == [
        {
            "clientName": "ssoenv-corp",
            "scopes": ["sso:account:access"],
            "grantTypes": ["authorization_code", "refresh_token"],
            "redirectUris": ["http://127.0.0.1/oauth/callback"],
            "issuerUrl": START_URL,
        }
    ]
    query = parse_qs(urlsplit(browser.urls[0]).query)
    assert browser.urls[0].startswith(emulator.url + "/authorize?response_type=code&")
    assert urlsplit(query["redirect_uri"][0]).hostname == "127.0.0.1"
    data = json.loads(token_file(isolated_env).read_text())
    assert {"accessToken", "refreshToken", "clientId", "registrationExpiresAt"} <= data.keys()
    assert emulator.calls["StartDeviceAuthorization"] == 0
    registration = [p for p in cache_dir(isolated_env).iterdir() if p != token_file(isolated_env)]
    saved = json.loads(registration[0].read_text())
    assert saved["grantTypes"] == ["authorization_code", "refresh_token"]
    assert saved["scopes"] == ["sso:account:access"]


def test_registrations_are_reused_only_by_their_own_flow(
    emulator: Emulator, clock: FakeClock
) -> None:
    browser = Browser()
    for flow in ("pkce", "pkce", "device", "device", "pkce"):
        login(emulator, context(clock, browser, flow=flow))  # type: ignore[arg-type]
        browser.join()
    # pkce (new), pkce (reused), device (new), device (reused), pkce (new): the AWS CLI's rule.
    assert emulator.calls["RegisterClient"] == 3
    assert emulator.calls["Authorize"] == 3


def test_legacy_profiles_always_use_the_device_code(emulator: Emulator, clock: FakeClock) -> None:
    browser = Browser()
    login(emulator, context(clock, browser), legacy=True)
    assert browser.urls == []
    assert emulator.calls["StartDeviceAuthorization"] == 1 and emulator.calls["Authorize"] == 0


def _with_state(state: str) -> Callable[[str], tuple[int, str]]:
    """A browser whose redirect arrives with another `state` (an old tab, a forgery)."""

    def act(url: str) -> tuple[int, str]:
        _, headers, _ = fetch(url, follow=False)
        location = headers["Location"].replace("state=", f"state={state}")
        status, _, page = fetch(location)
        return status, page

    return act


def test_a_wrong_state_is_ignored_then_the_right_one_logs_in(
    emulator: Emulator, clock: FakeClock, isolated_env: Path
) -> None:
    """The redirect with a wrong state is refused and forgotten (see also
    tests/test_loopback_forgery.py); the real one, which follows, is redeemed."""
    pages: list[tuple[int, str]] = []

    def old_tab_then_real(url: str) -> tuple[int, str]:
        pages.append(_with_state("forged")(url))  # a fresh code, under a wrong state
        return follow(url)

    browser = Browser(old_tab_then_real)
    login(emulator, context(clock, browser))
    browser.join()
    assert pages[0][0] == 400 and "Not this login" in pages[0][1]
    assert browser.pages[0][0] == 200 and "ssoenv is logged in" in browser.pages[0][1]
    assert token_file(isolated_env).exists()
    assert emulator.calls["CreateToken:authorization_code"] == 1  # the wrong one never


def test_a_denied_login_says_so(emulator: Emulator, clock: FakeClock) -> None:
    emulator.auto_approve = False

    def deny(url: str) -> tuple[int, str]:
        _, _, page = fetch(url)
        link = page.split('id="deny" href="')[1].split('"')[0].replace("&amp;", "&")
        status, _, page = fetch(emulator.url + link)
        return status, page

    with pytest.raises(LoginFailed, match="denied"):
        login(emulator, context(clock, Browser(deny)))


def test_a_rejected_code_fails_the_login(
    emulator: Emulator, clock: FakeClock, isolated_env: Path
) -> None:
    emulator.inject("CreateToken:authorization_code", 400, "InvalidGrantException")
    with pytest.raises(LoginFailed, match="did not accept the code"):
        login(emulator, context(clock, Browser()))
    assert not token_file(isolated_env).exists()


def test_no_answer_from_the_browser_times_out_and_frees_the_port(
    emulator: Emulator, clock: FakeClock
) -> None:
    seen: list[str] = []
    never_back = lambda url, s: seen.append(url)  # noqa: E731  # a browser that never comes back
    ctx = replace(context(clock, Browser(), timeout=0.05), on_authorize_url=never_back)
    with pytest.raises(LoginFailed, match=r"did not finish within 0\.05 seconds") as raised:
        login(emulator, ctx)
    assert raised.value.hint is not None and "--use-device-code" in raised.value.hint
    port = urlsplit(parse_qs(urlsplit(seen[0]).query)["redirect_uri"][0]).port
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port or 0)):
        pass


def test_ctrl_c_while_waiting_closes_the_listener_and_keeps_the_cache(
    emulator: Emulator, clock: FakeClock, isolated_env: Path
) -> None:
    login(emulator, context(clock, Browser()))
    before = token_file(isolated_env).read_bytes()

    def interrupt(url: str, s: SsoSession) -> None:
        raise KeyboardInterrupt

    ctx = replace(context(clock, Browser()), on_authorize_url=interrupt)
    with pytest.raises(KeyboardInterrupt):
        login(emulator, ctx)
    assert token_file(isolated_env).read_bytes() == before


def test_the_listener_binds_loopback_only_and_answers_other_paths_404() -> None:
    from ssoenv.loopback import CallbackListener

    with CallbackListener("state") as listener:
        assert listener.redirect_uri == f"http://127.0.0.1:{listener.port}/oauth/callback"
        connection = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=10)
        connection.request("GET", "/favicon.ico")
        assert connection.getresponse().status == 404
        connection.close()
        status, _, page = fetch(f"{listener.redirect_uri}?code=abc&state=state")
        assert status == 200 and "logged in" in page
        assert listener.wait(1) == "abc"
        # A reload of the tab shows the same answer and changes nothing.
        assert fetch(f"{listener.redirect_uri}?code=other&state=state")[0] == 200
        assert listener.wait(1) == "abc"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("error=access_denied&state=s", "denied"),
        ("error=server_error&state=s", "failed: server_error"),
        ("error=%3Cscript%3E&state=s", "an unreadable error"),
        ("state=s", "without an authorization code"),
    ],
)
def test_the_listener_turns_bad_callbacks_into_one_clear_error(query: str, message: str) -> None:
    """Callbacks that carry the state; those without it are ignored
    (tests/test_loopback_forgery.py)."""
    from ssoenv.loopback import CallbackListener

    with CallbackListener("s") as listener:
        status, _, page = fetch(f"{listener.redirect_uri}?{query}")
        assert status == 400 and "<script>" not in page
        with pytest.raises(LoginFailed, match=message):
            listener.wait(1)


# --------------------------------------------------------------------------- the command


def test_ssoenv_login_runs_the_browser_login_end_to_end(
    aws_env: Path, emulator: Emulator, tmp_path: Path
) -> None:
    browser, _ = scripted_browser(tmp_path)
    result = run("login", "dev", env={"BROWSER": browser})
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert f"opened in your browser: {emulator.url}/authorize?response_type=code&" in result.stderr
    assert "logged in to https://d-1234567890.awsapps.com/start" in result.stderr
    assert emulator.calls["Authorize"] == 1
    assert emulator.calls["CreateToken:authorization_code"] == 1
    assert emulator.calls["StartDeviceAuthorization"] == 0
    assert not any(secret in result.stderr for secret in emulator.secrets())
    used = run("use", "dev", "--shell", "bash")
    assert used.returncode == 0, used.stderr
