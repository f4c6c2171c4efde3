"""Hostile input stays data. Values from the server (role credentials) and from the
config file (profile names, regions) holding quotes, `$()`, backticks,
semicolons, newlines, control characters, unicode and very long strings come
back byte for byte from every output format evaluated by the real shell (or
read by the format's own reader), and nothing runs. Malformed config files,
damaged cache files and junk from the server each end in one clear line: no
traceback, and nothing deleted that should be kept.

The quoters' own round trip through bash, zsh, sh, fish and nu lives in
tests/test_shells_quote.py; this suite reuses its runners and values and drives
them end to end, through `ssoenv use`."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssoenv import files, oidc
from ssoenv.cache import (
    CredentialCache,
    RegistrationCache,
    TokenCache,
    parse_timestamp,
)
from ssoenv.config import load_config, resolve_profile
from ssoenv.http import HttpClient
from ssoenv.settings import Settings
from ssoenv.shells import SHELLS
from tests.conftest import FakeClock
from tests.emulator import Emulator
from tests.helpers import SSOENV, run
from tests.reliability.conftest import (
    Answer,
    RawServer,
    assert_one_line_error,
    credentials_dir,
    token_file,
)
from tests.test_shells_quote import (
    RUNNERS,
    TRICKY,
    Runner,
    env_readers,
    env_writable,
    ps_apply,
)

CREDENTIAL_FIELDS = {
    "AWS_ACCESS_KEY_ID": "accessKeyId",
    "AWS_SECRET_ACCESS_KEY": "secretAccessKey",
    "AWS_SESSION_TOKEN": "sessionToken",
}
RUNNER = {runner.id: runner for runner in RUNNERS}


# --------------------------------------------------------------------------- evaluation


def shell_environment(runner: Runner, text: str, work: Path) -> dict[str, str]:
    """Evaluate `text` in a fresh real shell (in the empty `work`) and return the
    environment a child of that shell receives."""
    # HOME is the test's private one: fish keeps its own files there, not in `work`.
    env = {"PATH": os.environ["PATH"], "HOME": os.environ["HOME"], "LC_ALL": "C.UTF-8"}
    proc = subprocess.run(
        runner.argv(),
        input=text.encode(),
        capture_output=True,
        env=env,
        cwd=work,
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (0, b""), (runner.id, proc.stderr, text[:2000])
    pairs = (entry.partition(b"=") for entry in proc.stdout.split(b"\0") if entry)
    return {name.decode(): value.decode() for name, _, value in pairs}


def dotenv_environment(text: str, work: Path) -> dict[str, str]:
    """What python-dotenv (with and without interpolation), docker compose's
    parser and `set -a; . ./.env` read from `text`: the same, or the test fails."""
    readers = env_readers()
    environ = readers[0](text)
    for read in readers[1:]:
        assert read(text) == environ, read
    return environ


def json_environment(text: str, work: Path) -> dict[str, str]:
    data = json.loads(text)
    assert data["Version"] == 1
    return {
        "AWS_ACCESS_KEY_ID": data["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": data["SecretAccessKey"],
        "AWS_SESSION_TOKEN": data["SessionToken"],
    }


def _shell_reader(runner_id: str) -> Callable[[str, Path], dict[str, str]]:
    return lambda text, work: shell_environment(RUNNER[runner_id], text, work)


def _powershell(text: str, work: Path) -> dict[str, str]:
    return {k: v for k, v in ps_apply(text).items() if v is not None}


# (id, --shell value, how to read the output back). Real shells skip when missing,
# unless CI is set (Runner.argv); PowerShell is read by test_shells_quote's reader
# of its string grammar, env by python-dotenv, compose's parser and a POSIX shell
# (a value none can read alike is refused in one line), json by json.loads.
FORMATS: list[tuple[str, str, Callable[[str, Path], dict[str, str]]]] = [
    ("bash", "bash", _shell_reader("bash")),
    ("zsh", "zsh", _shell_reader("zsh")),
    ("sh", "sh", _shell_reader("sh")),
    ("fish-source", "fish", _shell_reader("fish-source")),
    ("fish-eval", "fish", _shell_reader("fish-eval")),
    ("nu", "nu", _shell_reader("nu-json")),
    ("powershell", "powershell", _powershell),
    ("env", "env", dotenv_environment),
    ("json", "json", json_environment),
]


# --------------------------------------------------------------------------- end to end


def attacks(work: Path) -> list[str]:
    """Strings that run `touch` in `work` if any shell ever treats them as code."""
    pwned = work / "pwned"
    return [
        f"$(touch {pwned})",
        f"`touch {pwned}`",
        f"'; touch {pwned}; '",
        f'"; touch {pwned}; "',
        f"\ntouch {pwned}\n",
        f"x'\\''; touch {pwned}; echo '",
        f'"; ^touch {pwned}; "',
        f"\r\ntouch {pwned}\r\n",
        f"\x1b]0;x\x07; touch {pwned}",
        f"{{a,b}}; (touch {pwned}) & [char]0x41",
    ]


def hostile_sets(work: Path) -> list[dict[str, str]]:
    """Values for the three credential variables, the profile name and the region."""
    bad = attacks(work)
    return [
        {
            "AWS_ACCESS_KEY_ID": bad[0] + bad[1],
            "AWS_SECRET_ACCESS_KEY": "".join(bad[2:6]),
            "AWS_SESSION_TOKEN": "".join(TRICKY) + bad[6],
            "SSOENV_PROFILE": f"x'; touch {work}/pwned; echo '$(touch {work}/pwned)`id`",
            "AWS_REGION": f"eu-west-1 $(touch {work}/pwned); `id` \"'",
        },
        {
            "AWS_ACCESS_KEY_ID": "é€😀\u2018q\u2019\u202e\ufeff" + bad[7],
            "AWS_SECRET_ACCESS_KEY": bad[8] + "\\" + "\u2028\x85\xa0\x7f\x01",
            "AWS_SESSION_TOKEN": ("IQoJb3JpZ2luX2Vj" + bad[9]) * 500,  # ~25 KB
            "SSOENV_PROFILE": 'dév "q" \\ {a,b} [x] * ~root ;|&<> %1',
            "AWS_REGION": f"eu\n$(touch {work}/pwned)",  # a continuation line
        },
        {  # what the env format can write too: no ' \\ $ or control character
            "AWS_ACCESS_KEY_ID": f'"; touch {work}/pwned; " `touch {work}/pwned`',
            "AWS_SECRET_ACCESS_KEY": "中\u2018q\u2019 ü € 😀 #x ; & | ( ) < > * ? [a] {a,b} ~",
            "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2Vj\u00a0\u2028\ufeff\u202e" * 300,
            "SSOENV_PROFILE": 'dév "q" {a,b} [x] * ~root ;|&<> %1 中',
            "AWS_REGION": 'eu-west-1 中 "x" `id`',
        },
    ]


def run_exact(*args: str) -> subprocess.CompletedProcess[str]:
    """`ssoenv ARGS`, its output decoded without newline translation (text mode
    would turn a "\r" in a value into "\n")."""
    proc = subprocess.run(
        [SSOENV, *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ),
        timeout=60,
        check=False,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode()
    )


def write_profile(config: Path, name: str, region: str) -> None:
    """A `[profile "…"]` section botocore reads back as exactly `name`."""
    region_lines = region.split("\n")
    text = (
        f"\n[profile {shlex.quote(name)}]\nsso_session = corp\n"
        "sso_account_id = 111111111111\nsso_role_name = ReadOnly\n"
        f"region = {region_lines[0]}\n" + "".join(f"  {line}\n" for line in region_lines[1:])
    )
    config.write_text(config.read_text() + text)
    # What botocore's own parser makes of it, so the test is about ssoenv, not INI.
    from botocore.configloader import load_config as botocore_load_config

    profile = botocore_load_config(str(config))["profiles"][name]
    assert profile["region"] == region


@pytest.mark.shell  # the readers of the output are real shells
@pytest.mark.slow
@pytest.mark.parametrize("case", [0, 1, 2])
def test_hostile_values_from_server_and_config_stay_data_in_every_format(
    logged_in: Emulator, aws_env: Path, isolated_env: Path, tmp_path: Path, case: int
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    values = hostile_sets(work)[case]
    write_profile(aws_env, values["SSOENV_PROFILE"], values["AWS_REGION"])
    logged_in.role_credentials_override = {
        field: values[name] for name, field in CREDENTIAL_FIELDS.items()
    }
    tried = 0
    for format_id, shell, read in FORMATS:
        result = run_exact("use", values["SSOENV_PROFILE"], "--shell", shell)
        expected = values if shell != "json" else {k: values[k] for k in CREDENTIAL_FIELDS}
        if shell == "env":  # an env file holds the AWS variables only
            expected = {k: v for k, v in expected.items() if k.startswith("AWS_")}
        if shell == "env" and not all(env_writable(v) for v in expected.values()):
            error = assert_one_line_error(result, 2)
            assert "in env format" in error and "--shell sh" in error
            continue
        assert result.returncode == 0, (format_id, result.stderr)
        assert "Traceback" not in result.stderr
        if shell != "env":
            assert result.stdout.isascii(), format_id
        environ = read(result.stdout, work)
        for name, value in expected.items():
            assert environ.get(name) == value, (format_id, name)
            tried += 1
        if shell != "json":
            assert environ["AWS_DEFAULT_REGION"] == values["AWS_REGION"]
        assert list(work.iterdir()) == [], f"{format_id} ran something"
    # Fetched once; every other format was served from the credential cache, so
    # the values also survived its JSON file intact.
    assert logged_in.calls["GetRoleCredentials"] == 1
    print(f"\n{tried} hostile values read back byte for byte")


# The property test (any string from the server, every format, any locale) is in
# tests/reliability/test_quoting_properties.py.


# --------------------------------------------------------------------------- config files

MALFORMED_CONFIGS = [
    pytest.param(b"\xff\xfe[profile dev]\n", "not valid UTF-8", id="not-utf8"),
    pytest.param(b"sso_session = corp\n[profile dev]\n", "before any", id="no-section"),
    pytest.param(b"[profile dev\nsso_session = corp\n", "line 1", id="open-header"),
    pytest.param(b"[profile dev]\nthis line has no equals sign\n", "line 2", id="no-equals"),
    pytest.param(bytes(range(1, 128)), "line", id="control-junk"),
    pytest.param(
        b"[profile dev]\nsso_session = nowhere\nsso_account_id = 1\nsso_role_name = R\n",
        "nowhere",
        id="missing-session",
    ),
    pytest.param(
        b"[profile dev]\nsso_session = corp\nsso_account_id =\n  nested = 1\n"
        b"sso_role_name = R\n[sso-session corp]\nsso_start_url = https://x\n"
        b"sso_region = us-east-1\n",
        "sso_account_id",
        id="nested-value",
    ),
    pytest.param(
        b"[profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n"
        b"[sso-session corp]\nsso_start_url = https://x\nsso_region = $(id)\n",
        "sso_region",
        id="bad-region",
    ),
    pytest.param(b"", "dev", id="empty"),
    pytest.param(b"[profile dev]\n" + b"# padding\n" * 200_000, "dev", id="two-mb-of-comments"),
]


@pytest.mark.parametrize(("content", "named"), MALFORMED_CONFIGS)
def test_a_malformed_config_is_one_line_and_left_alone(
    aws_env: Path, isolated_env: Path, content: bytes, named: str
) -> None:
    token = token_file(isolated_env)
    token.parent.mkdir(parents=True)
    token.write_text('{"kept": true}')
    aws_env.write_bytes(content)
    line = assert_one_line_error(run("use", "dev", "--shell", "bash"), 3)
    assert named in line
    assert aws_env.read_bytes() == content
    assert token.read_text() == '{"kept": true}'


def test_a_config_that_is_a_directory_is_one_line(aws_env: Path) -> None:
    aws_env.unlink()
    aws_env.mkdir()
    assert "is a directory" in assert_one_line_error(run("use", "dev", "--shell", "bash"), 3)
    assert aws_env.is_dir()


def test_a_nul_in_a_config_value_is_one_line(logged_in: Emulator, aws_env: Path) -> None:
    aws_env.write_text(
        aws_env.read_text() + "\n[profile nul]\nsso_session = corp\n"
        "sso_account_id = 111111111111\nsso_role_name = ReadOnly\nregion = eu\0west-1\n"
    )
    assert_one_line_error(run("use", "nul", "--shell", "bash"), 3)


def test_hostile_profile_names_parse_as_botocore_parses_them(aws_env: Path) -> None:
    """ssoenv and botocore agree on every hostile section header used above."""
    from botocore.configloader import load_config as botocore_load_config

    names = [values["SSOENV_PROFILE"] for values in hostile_sets(Path("/nowhere"))]
    names += ["a]b", "tab\there", "  padded  ", "#not-a-comment", ";neither"]
    for name in names:
        write_profile(aws_env, name, "us-east-1")
    ours = load_config(aws_env)
    theirs = botocore_load_config(str(aws_env))["profiles"]
    for name in names:
        assert name in theirs
        assert resolve_profile(ours, name, Settings.from_environ({})).name == name


# --------------------------------------------------------------------------- cache files

DAMAGED_TOKENS = [
    b"",
    b"not json",
    b"\x00\x01\x02\xff",
    b'{"accessToken": "x',
    b"[]",
    b"null",
    b'{"accessToken": 5, "expiresAt": "2099-01-01T00:00:00Z"}',
    b'{"accessToken": "x", "expiresAt": 12}',
    b'{"accessToken": "x", "expiresAt": "2099-13-45T00:00:00Z"}',
    b'{"accessToken": "x", "expiresAt": "9999-12-31T23:59:59-23:59"}',
    b'{"accessToken": "\xe2\x82\xac", "expiresAt": "2099-01-01T00:00:00Z"}',
    b'{"accessToken": "a b", "expiresAt": "2099-01-01T00:00:00Z"}',
    b'{"accessToken": "x", "expiresAt": "2000-01-01T00:00:00Z", "refreshToken": 7, '
    b'"clientId": [], "clientSecret": {}, "registrationExpiresAt": true}',
    b'{"accessToken": "x", "expiresAt": "2000-01-01T00:00:00Z", "refreshToken": "r", '
    b'"clientId": "c", "clientSecret": "s", "registrationExpiresAt": "0001-01-01T00:00:00+01:00"}',
    b"[" * 100_000,
    b'{"pad": "' + b"x" * (2 * 1024 * 1024) + b'"}',
]


@pytest.mark.parametrize(
    "content", DAMAGED_TOKENS, ids=[str(n) for n in range(len(DAMAGED_TOKENS))]
)
def test_a_damaged_token_file_asks_for_a_login_and_is_kept(
    logged_in: Emulator, isolated_env: Path, content: bytes
) -> None:
    path = token_file(isolated_env)
    path.write_bytes(content)
    line = assert_one_line_error(run("use", "dev", "--shell", "bash"), 4)
    assert "run `ssoenv login dev`" in line
    assert path.read_bytes() == content  # it may be another tool's: not ours to delete
    assert logged_in.calls["CreateToken:refresh_token"] == 0


@pytest.mark.parametrize("content", [DAMAGED_TOKENS[n] for n in (0, 2, 4, 9)])
def test_damaged_credential_and_registration_files_are_replaced(
    logged_in: Emulator, isolated_env: Path, content: bytes
) -> None:
    assert run("use", "dev", "--shell", "bash").returncode == 0
    (credential,) = credentials_dir(isolated_env).iterdir()
    credential.write_bytes(content)
    result = run("use", "dev", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    assert json.loads(credential.read_text())["Credentials"]["AccessKeyId"].startswith("ASIA")
    registrations = [
        p
        for p in token_file(isolated_env).parent.iterdir()
        if p != token_file(isolated_env) and p.suffix == ".json"
    ]
    for registration in registrations:
        registration.write_bytes(content)
    result = run("login", "dev", "--no-browser", "--force")
    assert result.returncode == 0, result.stderr
    assert logged_in.calls["RegisterClient"] == 2  # the damaged one was replaced


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
TOKEN_KEYS = [
    "accessToken",
    "expiresAt",
    "refreshToken",
    "clientId",
    "clientSecret",
    "registrationExpiresAt",
]
STAMPS = st.from_regex(
    r"\A-?\d{1,5}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d{1,9})?\s*(Z|UTC|[+-]\d\d:?\d\d)?\Z"
)
FIELD = st.one_of(JSON, STAMPS)


@pytest.mark.slow  # 200 examples
@settings(max_examples=200, deadline=None)
@given(
    token=st.dictionaries(st.sampled_from(TOKEN_KEYS), FIELD),
    credentials=st.dictionaries(
        st.sampled_from(["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"]), FIELD
    ),
    registration=st.dictionaries(
        st.sampled_from(["clientId", "clientSecret", "expiresAt", "scopes", "grantTypes"]), FIELD
    ),
)
def test_cache_readers_never_raise_on_any_json(
    token: dict[str, Any], credentials: dict[str, Any], registration: dict[str, Any]
) -> None:
    """Whatever JSON object a cache file holds, reading it gives a value or None."""
    from ssoenv.model import Endpoints, SsoProfile, SsoSession

    session = SsoSession("corp", "https://x", "us-east-1", None, "test")
    profile = SsoProfile("dev", "1", "R", session, Endpoints("http://x", "http://x"))
    where = Path("/nonexistent")
    with mock.patch.object(files, "read_json", return_value={"Credentials": credentials}):
        loaded = CredentialCache(where).load(profile)
    if loaded is not None:  # whatever it accepts, the shells can export
        for value in (loaded.access_key_id, loaded.secret_access_key, loaded.session_token):
            for shell in SHELLS.values():
                shell.quote(value)
    with mock.patch.object(files, "read_json", return_value=registration):
        RegistrationCache(where).load(session)
    with mock.patch.object(files, "read_json", return_value=token):
        found = TokenCache(where).load(session)
    if found is not None:  # the access token can travel in an HTTP header
        found.access_token.encode("ascii")


# --------------------------------------------------------------------------- the server

BIG = b'{"pad": "' + b"a" * (9 * 1024 * 1024) + b'"}'
CREDS = b'{"roleCredentials": {"accessKeyId": "A", "secretAccessKey": "B", "sessionToken": "C", '
JUNK_ANSWERS = [
    pytest.param(Answer(200, b"not json"), "unexpected answer", id="not-json"),
    pytest.param(Answer(200, b"<html>hi</html>", "text/html"), "text/html", id="html"),
    pytest.param(Answer(200, b"[]"), "unexpected answer", id="array"),
    pytest.param(Answer(200, b'"text"'), "unexpected answer", id="string"),
    pytest.param(Answer(200, b'{"roleCredentials": "x"}'), "no role credentials", id="no-creds"),
    pytest.param(
        Answer(200, b'{"roleCredentials": {"accessKeyId": 5}}'), "accessKeyId", id="wrong-type"
    ),
    pytest.param(Answer(200, CREDS + b'"expiration": 1e300}}'), "expiration", id="far-future"),
    pytest.param(
        Answer(200, CREDS + b'"expiration": ' + b"9" * 5000 + b"}}"), "unexpected", id="huge-int"
    ),
    pytest.param(
        Answer(200, CREDS.replace(b'"B"', b'"\\u0000"') + b'"expiration": 1}}'),
        "secretAccessKey",
        id="nul",
    ),
    pytest.param(
        Answer(200, CREDS.replace(b'"B"', b'"\\ud800"') + b'"expiration": 1}}'),
        "secretAccessKey",
        id="lone-surrogate",
    ),
    pytest.param(
        Answer(200, bytes(range(1, 256)), "application/octet-stream"), "octet-stream", id="binary"
    ),
    pytest.param(Answer(200, BIG), "larger than 8 MiB", id="9-mib"),
    pytest.param(Answer(200, b"[" * 100_000 + b"]" * 100_000), "unexpected", id="deep-nesting"),
    pytest.param(
        Answer(403, b"<html>proxy says no</html>", "text/html"), "HTTP 403", id="403-html"
    ),
    pytest.param(Answer(401, b"<html>log in</html>", "text/html"), "HTTP 401", id="401-html"),
    pytest.param(Answer(302, b"", None, {"Location": "http://x/"}), "HTTP 302", id="redirect"),
]


@pytest.mark.parametrize(("answer", "named"), JUNK_ANSWERS)
def test_junk_from_the_portal_is_one_line(
    logged_in: Emulator, raw_server: RawServer, isolated_env: Path, answer: Answer, named: str
) -> None:
    raw_server.answer = answer
    result = run("use", "dev", "--shell", "bash", env={"AWS_ENDPOINT_URL_SSO": raw_server.url})
    assert named in assert_one_line_error(result, 7)
    assert len(raw_server.requests) == 1  # a wrong answer is not retried
    assert token_file(isolated_env).exists()
    assert not credentials_dir(isolated_env).exists()  # nothing cached from it


LOGIN_JUNK = [
    pytest.param(b"not json", "unexpected answer", id="not-json"),
    pytest.param(b'{"clientId": 1}', "clientId", id="wrong-type"),
    pytest.param(
        b'{"clientId": "c", "clientSecret": "s", "clientSecretExpiresAt": 1' + b"0" * 40 + b"}",
        "without a valid",
        id="infinite-expiry",
    ),
]


@pytest.mark.parametrize(("body", "named"), LOGIN_JUNK)
def test_junk_from_the_oidc_api_is_one_line(
    aws_env: Path, raw_server: RawServer, body: bytes, named: str
) -> None:
    raw_server.answer = Answer(200, body)
    env = {"AWS_ENDPOINT_URL_SSO_OIDC": raw_server.url}
    assert named in assert_one_line_error(run("login", "dev", "--no-browser", env=env), 7)


DEVICE_ANSWERS = [
    pytest.param({"verificationUri": "javascript:alert(1)"}, "not a web page", id="javascript"),
    pytest.param({"verificationUri": "file:///etc/passwd"}, "not a web page", id="file"),
    pytest.param(
        {"verificationUriComplete": "https://x/\x1b]0;owned\x07"}, "unusable", id="escape"
    ),
    pytest.param({"userCode": "ABCD\nssoenv: all good"}, "unusable", id="two-lines"),
    pytest.param({"expiresIn": 10**30, "interval": 10**30}, None, id="huge-numbers"),
]


@pytest.mark.parametrize(("override", "named"), DEVICE_ANSWERS)
def test_hostile_device_authorization_answers(
    aws_env: Path, emulator: Emulator, override: dict[str, Any], named: str | None
) -> None:
    """What the server says is shown to the user or opened in a browser: only
    web pages, one line each, no terminal escapes."""
    from tests import emulator as module

    original = module._ROUTES[("POST", "/device_authorization")]

    def hostile(emu: Emulator, request: Any) -> Any:
        response = original.handler(emu, request)
        response.body = json.dumps({**json.loads(response.body), **override}).encode()
        return response

    module._ROUTES[("POST", "/device_authorization")] = module._Route(
        original.api, original.operation, hostile
    )
    try:
        result = run("login", "dev", "--no-browser", timeout=60)
    finally:
        module._ROUTES[("POST", "/device_authorization")] = original
    assert "Traceback" not in result.stderr
    assert "\x1b" not in result.stderr
    if named is None:
        assert result.returncode == 0, result.stderr
    else:
        assert named in assert_one_line_error(result, 7)


def test_absurd_token_lifetimes_are_capped(aws_env: Path, isolated_env: Path) -> None:
    """expiresIn of 10^30 seconds would overflow a date: it is capped instead."""
    with Emulator(token_ttl=10**30) as emu:
        env = {"AWS_ENDPOINT_URL_SSO_OIDC": emu.url, "AWS_ENDPOINT_URL_SSO": emu.url}
        result = run("login", "dev", "--no-browser", env=env)
        assert result.returncode == 0, result.stderr
    expires = parse_timestamp(json.loads(token_file(isolated_env).read_text())["expiresAt"])
    assert expires is not None
    assert expires - datetime.now(timezone.utc) <= timedelta(seconds=oidc.MAX_EXPIRES_IN)


def test_a_huge_polling_interval_is_capped(emulator: Emulator, clock: FakeClock) -> None:
    """time.sleep cannot take 10^30 seconds; a person would not wait that long anyway."""
    emulator.interval = emulator.device_code_ttl = 10**30
    emulator.pending_polls = 2
    client = HttpClient(sleep=clock.sleep)
    registration = oidc.register_client(client, emulator.url, client_name="t", now=clock.now())
    authorization = oidc.start_device_authorization(
        client, emulator.url, registration, "https://x/start"
    )
    assert authorization.interval == oidc.MAX_INTERVAL
    assert authorization.expires_in == oidc.MAX_EXPIRES_IN
    oidc.poll_for_token(
        client,
        emulator.url,
        registration,
        authorization,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    )
    assert clock.sleeps == [oidc.MAX_INTERVAL] * 2
