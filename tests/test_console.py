"""`ssoenv console` against the emulator's console federation endpoint: the URL
printed with --url holds a sign-in token the emulator issued for the role
credentials ssoenv hands out for that profile (SSO or chained), following it
gives the emulator's redirect to the destination, --destination, --region and
--duration reach the endpoint, the endpoint is configured as botocore configures
its `signin` client, errors are one line with their exit code, and the URL (a
credential for 15 minutes) is never in --debug output nor on a terminal unasked."""

from __future__ import annotations

import os
import pty
import stat
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import botocore.session
import pytest
import requests

from ssoenv import endpoints, signin
from ssoenv.commands.console import role_chained
from ssoenv.config import load_config
from ssoenv.errors import ConfigError
from ssoenv.model import ChainedProfile
from ssoenv.settings import Settings
from tests.emulator import ANY_ISSUED, Emulator, Trust, sso_role_arn
from tests.helpers import SSOENV, run
from tests.test_chains import CHAINS, DEPLOY, DEV, caller_arn, used
from tests.test_messages import _parses, suggested_forms

EU_HOME = "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"


@pytest.fixture
def logged_in(aws_env: Path, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """`dev` logged in; the sign-in endpoint is the emulator (a base URL, as botocore's)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", emulator.url)
    assert run("login", "dev", "--no-browser").returncode == 0
    return emulator


@pytest.fixture
def chained(logged_in: Emulator, aws_env: Path) -> Emulator:
    """`deploy` <- `dev-role` <- `dev` (SSO), as tests/test_chains.py sets them up."""
    aws_env.write_text(aws_env.read_text() + CHAINS)
    logged_in.trust[DEV] = Trust(
        principals=(sso_role_arn("111111111111", "ReadOnly"),), external_id="ext-42"
    )
    logged_in.trust[DEPLOY] = Trust(principals=(DEV,))
    return logged_in


def console_url(*args: str, env: dict[str, str] | None = None) -> str:
    done = run("console", *args, env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    return lines[0]


def login_parameters(url: str, emu: Emulator) -> dict[str, str]:
    """The Action=login URL's parameters, each given once; it goes to the emulator."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == emu.url + "/federation"
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in query.values()), query
    return {name: values[0] for name, values in query.items()}


def followed(url: str) -> str:
    """Where the emulator's login redirects a browser that opens `url`."""
    answer = requests.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def one_line_failure(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, (done.returncode, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ssoenv: "), done.stderr
    return lines[0]


# --------------------------------------------------------------------- the sign-in URL


def test_console_url_for_an_sso_profile(logged_in: Emulator) -> None:
    url = console_url("dev", "--url")
    given = login_parameters(url, logged_in)
    token = given["SigninToken"]
    assert given == {
        "Action": "login",
        "Issuer": "",
        "Destination": EU_HOME,
        "SigninToken": token,
    }
    # The emulator issued that token for the credentials `use dev` exports, asking
    # for no particular console session length.
    issued = logged_in.signin_tokens()[token]
    assert issued["AccessKeyId"] == used("dev")["AWS_ACCESS_KEY_ID"]
    assert issued["SessionDuration"] is None
    assert logged_in.calls["GetSigninToken"] == 1
    assert followed(url) == EU_HOME
    assert logged_in.console_logins() == [
        {"Issuer": "", "Destination": EU_HOME, "SigninToken": token}
    ]


def test_console_url_for_a_chained_profile(chained: Emulator) -> None:
    url = console_url("deploy", "--url")
    given = login_parameters(url, chained)
    home = "https://us-west-2.console.aws.amazon.com/console/home?region=us-west-2"
    assert given["Destination"] == home
    env = used("deploy")
    assert (
        chained.signin_tokens()[given["SigninToken"]]["AccessKeyId"] == (env["AWS_ACCESS_KEY_ID"])
    )
    # Those are the Deploy role's credentials, at the top of the chain.
    assert caller_arn(env).startswith("arn:aws:sts::333333333333:assumed-role/Deploy/")
    assert followed(url) == home


def test_destination_and_region_are_honoured(logged_in: Emulator) -> None:
    sydney = "https://ap-southeast-2.console.aws.amazon.com/console/home?region=ap-southeast-2"
    url = console_url("dev", "--url", "--region", "ap-southeast-2")
    assert login_parameters(url, logged_in)["Destination"] == sydney
    s3 = "https://console.aws.amazon.com/s3/home?region=eu-west-1&tab=a b"
    url = console_url("dev", "--url", "--destination", s3.replace(" ", "%20"))
    assert login_parameters(url, logged_in)["Destination"] == s3.replace(" ", "%20")
    assert followed(url) == s3.replace(" ", "%20")
    # GovCloud's and China's consoles have one host; the region is in the query.
    url = console_url("dev", "--url", "--region", "us-gov-west-1")
    assert login_parameters(url, logged_in)["Destination"] == (
        "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1"
    )
    # A profile without a region: the console's home, where the console chooses.
    url = console_url("admin", "--url")
    assert login_parameters(url, logged_in)["Destination"] == (
        "https://console.aws.amazon.com/console/home"
    )


def test_duration_asks_for_a_console_session_of_that_length(logged_in: Emulator) -> None:
    url = console_url("dev", "--url", "--duration", "43200")
    token = login_parameters(url, logged_in)["SigninToken"]
    assert logged_in.signin_tokens()[token]["SessionDuration"] == 43200
    assert followed(url) == EU_HOME


def test_duration_is_refused_up_front_for_role_chained_credentials(chained: Emulator) -> None:
    for profile in ("deploy", "dev-role"):  # chained on a role, or on the SSO role
        line = one_line_failure(run("console", profile, "--url", "--duration", "3600"), 2)
        assert "role chaining" in line and "without --duration" in line
    # Refused before any call: no role assumed, no token asked for.
    assert chained.calls["AssumeRole"] == 0
    assert chained.calls["GetSigninToken"] == 0


def test_duration_is_sent_for_a_role_assumed_with_a_users_keys(
    logged_in: Emulator, aws_env: Path
) -> None:
    # An IAM user's AssumeRole is not role chaining: AWS takes a SessionDuration.
    key, secret = logged_in.add_user("111111111111", "me")
    credentials = Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"])
    credentials.write_text(f"[keys]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
    aws_env.write_text(
        aws_env.read_text()
        + f"\n[profile from-keys]\nrole_arn = {DEV}\nsource_profile = keys\nregion = eu-west-1\n"
    )
    logged_in.trust[DEV] = Trust(principals=(ANY_ISSUED,))
    url = console_url("from-keys", "--url", "--duration", "900")
    token = login_parameters(url, logged_in)["SigninToken"]
    assert logged_in.signin_tokens()[token]["SessionDuration"] == 900


def test_a_duration_aws_refuses_says_why(logged_in: Emulator, aws_env: Path) -> None:
    # Keys in the credentials file that are a role's (here the SSO role's): only AWS
    # can tell that the role assumed with them is role chaining, and it refuses.
    env = used("dev")
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[pasted]\n"
        f"aws_access_key_id = {env['AWS_ACCESS_KEY_ID']}\n"
        f"aws_secret_access_key = {env['AWS_SECRET_ACCESS_KEY']}\n"
        f"aws_session_token = {env['AWS_SESSION_TOKEN']}\n"
    )
    aws_env.write_text(
        aws_env.read_text()
        + f"\n[profile from-pasted]\nrole_arn = {DEV}\nsource_profile = pasted\n"
        "region = eu-west-1\n"
    )
    logged_in.trust[DEV] = Trust(principals=(ANY_ISSUED,))
    line = one_line_failure(run("console", "from-pasted", "--url", "--duration", "3600"), 7)
    assert "Invalid credentials parameter" in line and "without --duration" in line
    assert login_parameters(console_url("from-pasted", "--url"), logged_in)  # and without


def test_which_profiles_are_role_chained(chained: Emulator) -> None:
    from ssoenv import runtime, settings

    settings.from_process(reread=True)  # this test's environment, as main() reads it
    assert not role_chained(runtime.load_target("dev"))
    deploy = runtime.load_target("deploy")
    assert isinstance(deploy, ChainedProfile) and role_chained(deploy)


# ------------------------------------------------------------------------ the endpoint


def test_a_federation_path_in_the_endpoint_is_not_doubled(
    logged_in: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for configured in ("/federation", "/federation/"):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", logged_in.url + configured)
        assert followed(console_url("dev", "--url")) == EU_HOME


def test_aws_endpoint_url_and_the_services_section_reach_the_sign_in_endpoint(
    logged_in: Emulator, aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_SIGNIN")
    monkeypatch.setenv("AWS_ENDPOINT_URL", logged_in.url)
    assert followed(console_url("dev", "--url")) == EU_HOME
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    aws_env.write_text(
        aws_env.read_text().replace("[profile dev]\n", "[profile dev]\nservices = local\n")
        + f"\n[services local]\nsignin =\n  endpoint_url = {logged_in.url}\n"
    )
    assert followed(console_url("dev", "--url")) == EU_HOME


# (config text of profile p, environment) -> what both say. "default": not configured.
ENDPOINT_CASES = {
    "nothing": ("", {}),
    "signin-variable": ("", {"AWS_ENDPOINT_URL_SIGNIN": "http://signin.test:1/p/"}),
    "global-variable": ("", {"AWS_ENDPOINT_URL": "http://all.test:2"}),
    "own-beats-global": (
        "",
        {"AWS_ENDPOINT_URL": "http://all.test:2", "AWS_ENDPOINT_URL_SIGNIN": "http://own.test:3"},
    ),
    "services-section": (
        "services = s\n[services s]\nsignin =\n  endpoint_url = http://svc.test:4\n",
        {},
    ),
    "profile-endpoint-url": ("endpoint_url = http://profile.test:5\n", {}),
    "ignored": (
        "endpoint_url = http://profile.test:5\n",
        {
            "AWS_ENDPOINT_URL_SIGNIN": "http://own.test:3",
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
        },
    ),
}


@pytest.mark.parametrize("case", sorted(ENDPOINT_CASES))
def test_the_endpoint_is_configured_as_botocore_configures_signin(
    case: str, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, environment = ENDPOINT_CASES[case]
    config = isolated_env / ".aws" / "config"
    config.parent.mkdir(exist_ok=True)
    config.write_text(f"[profile p]\nregion = eu-west-1\n{text}")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    cfg = load_config(config, home=isolated_env)
    ours = endpoints.configured_signin_endpoint(
        cfg, cfg.profiles["p"], Settings.from_environ(os.environ), profile_name="p"
    )
    client = botocore.session.Session(profile="p").create_client(
        "signin", region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="s"
    )
    theirs = client.meta.endpoint_url.rstrip("/")
    if ours is None:  # botocore then uses its rule set's host
        assert theirs == "https://signin.eu-west-1.amazonaws.com"
        assert case in ("nothing", "ignored")
    else:
        assert ours == theirs


def test_sign_in_and_console_hosts_per_partition() -> None:
    partitions = {
        region: endpoints.partition_name(region)
        for region in ("eu-west-1", "us-gov-west-1", "cn-north-1", "", "us-iso-east-1")
    }
    assert partitions == {
        "eu-west-1": "aws",
        "us-gov-west-1": "aws-us-gov",
        "cn-north-1": "aws-cn",
        "": "aws",
        "us-iso-east-1": "aws-iso",
    }
    assert signin.federation_endpoint("aws", None) == "https://signin.aws.amazon.com/federation"
    assert signin.federation_endpoint("aws-us-gov", None) == (
        "https://signin.amazonaws-us-gov.com/federation"
    )
    assert signin.federation_endpoint("aws-cn", None) == "https://signin.amazonaws.cn/federation"
    assert signin.console_destination("aws-cn", "cn-north-1") == (
        "https://console.amazonaws.cn/console/home?region=cn-north-1"
    )
    # A configured endpoint serves any partition; a console ssoenv does not know, none.
    assert signin.federation_endpoint("aws-iso", "http://h:1/x") == "http://h:1/x/federation"
    for unknown in (
        lambda: signin.federation_endpoint("aws-iso", None),
        lambda: signin.console_destination("aws-iso", "us-iso-east-1"),
    ):
        with pytest.raises(ConfigError, match="partition aws-iso") as raised:
            unknown()
        assert "AWS_ENDPOINT_URL_SIGNIN" in (raised.value.hint or "")


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--duration", "899"], 2),
        (["--duration", "43201"], 2),
        (["--duration", "1h"], 2),
        (["--destination", "console.aws.amazon.com"], 2),
        (["--destination", "https://console.aws.amazon.com/\n"], 2),
        (["--region", "eu west 1"], 2),
    ],
)
def test_bad_arguments_are_one_line_before_any_call(
    logged_in: Emulator, args: list[str], code: int
) -> None:
    before = dict(logged_in.calls)
    one_line_failure(run("console", "dev", "--url", *args), code)
    assert dict(logged_in.calls) == before


def test_a_profile_problem_is_a_config_error(logged_in: Emulator) -> None:
    assert "nosuch" in one_line_failure(run("console", "nosuch", "--url"), 3)


def test_without_a_session_it_says_to_log_in(aws_env: Path, emulator: Emulator) -> None:
    line = one_line_failure(
        run("console", "dev", "--url", env={"AWS_ENDPOINT_URL_SIGNIN": emulator.url}), 4
    )
    assert "ssoenv login dev" in line


def test_a_refusal_of_the_endpoint_is_exit_7(logged_in: Emulator) -> None:
    logged_in.inject("GetSigninToken", 400, "Invalid credentials parameter")
    line = one_line_failure(run("console", "dev", "--url"), 7)
    assert "refused these credentials" in line


def test_a_failing_endpoint_is_retried_then_exit_7(logged_in: Emulator) -> None:
    logged_in.inject("GetSigninToken", 503, "ServiceUnavailable")
    assert followed(console_url("dev", "--url")) == EU_HOME  # retried once, then served
    assert logged_in.calls["GetSigninToken"] == 2
    logged_in.inject("GetSigninToken", 503, "ServiceUnavailable", times=3)
    line = one_line_failure(run("console", "dev", "--url"), 7)
    assert "3 tries" in line


def test_an_unreachable_endpoint_is_exit_8(logged_in: Emulator) -> None:
    line = one_line_failure(
        run("console", "dev", "--url", env={"AWS_ENDPOINT_URL_SIGNIN": "http://127.0.0.1:9"}), 8
    )
    assert "127.0.0.1:9" in line


@pytest.mark.parametrize("failure", ["none", "refused", "unreachable"])
def test_debug_shows_no_secret(logged_in: Emulator, failure: str) -> None:
    env = {"AWS_ENDPOINT_URL_SIGNIN": "http://127.0.0.1:9"} if failure == "unreachable" else {}
    if failure == "refused":
        logged_in.inject("GetSigninToken", 400, "Invalid credentials parameter")
    done = run("console", "dev", "--url", "--debug", env=env)
    if failure == "none":
        assert done.returncode == 0
        assert "GetSigninToken: POST" in done.stderr
        assert login_parameters(done.stdout.strip(), logged_in)["SigninToken"] in (
            logged_in.secrets()
        )
    else:
        assert "Traceback" in done.stderr  # --debug shows where it failed...
    # ...and never a key, a session token or a sign-in token.
    assert logged_in.secrets()
    assert not any(secret in done.stderr for secret in logged_in.secrets())
    assert '"sessionKey"' not in done.stderr and "SigninToken=" not in done.stderr


# ------------------------------------------------------------------ where the URL goes


def on_terminal(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """`ssoenv ARGS` with stdout on a pseudo-terminal: (exit code, terminal, stderr)."""
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [SSOENV, *args],
            stdout=follower,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            check=False,
            env={**os.environ, **env},
            timeout=60,
        )
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    return done.returncode, shown.decode(), done.stderr


NO_BROWSER = {"BROWSER": "", "CI": "1"}  # a CI job: no browser here


def test_without_a_browser_the_url_goes_to_stdout(logged_in: Emulator) -> None:
    done = run("console", "dev", env=NO_BROWSER)
    assert done.returncode == 0, done.stderr
    assert followed(done.stdout.strip()) == EU_HOME
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "a CI job" in lines[0] and "stdout" in lines[0]


def test_the_url_is_not_shown_on_a_terminal_unasked(logged_in: Emulator) -> None:
    code, shown, stderr = on_terminal("console", "dev", env=NO_BROWSER)
    assert code == 2 and shown == ""
    assert len(stderr.splitlines()) == 1 and "a CI job" in stderr
    # Refused before the credentials were even fetched.
    assert logged_in.calls["GetSigninToken"] == 0
    # What it suggests works, and shows the URL there.
    assert suggested_forms(stderr) == ["ssoenv console dev --url"]
    _parses("ssoenv console dev --url")
    code, shown, stderr = on_terminal("console", "dev", "--url", env=NO_BROWSER)
    assert code == 0 and stderr == ""
    assert followed(shown.strip()) == EU_HOME


def test_the_browser_gets_the_url(logged_in: Emulator, tmp_path: Path) -> None:
    # The browser writes the URL it was given into a FIFO, which the test reads:
    # the read waits for the browser, however late it starts.
    fifo = tmp_path / "opened"
    os.mkfifo(fifo, 0o600)
    browser = tmp_path / "browser"
    # (Its stdout and stderr closed: ssoenv's stderr, which it inherits, is the
    # test's pipe, which must reach its end when ssoenv exits.)
    browser.write_text(f"#!/bin/sh\nexec >/dev/null 2>&1\nprintf '%s\\n' \"$1\" > '{fifo}'\n")
    browser.chmod(stat.S_IRWXU)
    done = run("console", "dev", env={"BROWSER": str(browser)})
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr == "ssoenv: opened the AWS console as 'dev' in your browser\n"
    url = fifo.read_text().strip()
    assert followed(url) == EU_HOME
    assert url not in done.stderr


def test_a_browser_that_does_not_start(logged_in: Emulator, tmp_path: Path) -> None:
    missing = {"BROWSER": str(tmp_path / "no-such-browser")}
    done = run("console", "dev", env=missing)
    assert done.returncode == 0, done.stderr
    assert followed(done.stdout.strip()) == EU_HOME
    assert "did not start" in done.stderr and len(done.stderr.splitlines()) == 1
    code, shown, stderr = on_terminal("console", "dev", env=missing)
    assert code == 3 and shown == ""
    assert "did not start" in stderr and suggested_forms(stderr) == ["ssoenv console dev --url"]
