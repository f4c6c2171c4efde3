"""ssoenv.config against botocore, the oracle: the same parse of tricky files (a table and
a fuzzer), the same files rejected, and resolve_profile failing exactly where botocore's
SSOProvider/SSOTokenProvider fail and agreeing with them where they succeed. Plus our
own messages: one line, the file, the line or section, and a hint.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import botocore.configloader
import botocore.exceptions
import botocore.session
import botocore.utils
import pytest
from botocore.credentials import SSOProvider
from botocore.tokens import SSOTokenProvider
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssoenv.config import (
    ConfigFile,
    config_path,
    is_sso_profile,
    load_config,
    parse_text,
    profile_names,
    resolve_login_session,
    resolve_profile,
    resolve_session,
    select_profile,
    session_names,
    shown_path,
)
from ssoenv.errors import ConfigError, ExitCode
from ssoenv.settings import Settings

# No variable set: the profile alone decides (endpoint overrides are tested elsewhere).
NO_ENV = Settings.from_environ({})


def write(home: Path, text: str | bytes) -> Path:
    """The file AWS_CONFIG_FILE names (conftest): $HOME/.aws/config."""
    path = home / ".aws" / "config"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def load(home: Path, text: str | bytes) -> ConfigFile:
    return load_config(write(home, text), home=home)


def assert_one_line(err: ConfigError, *fragments: str) -> None:
    message = str(err)
    assert "\n" not in message
    assert "Traceback" not in message
    assert err.hint
    assert "\n" not in err.hint
    assert err.exit_code == ExitCode.CONFIG
    for fragment in fragments:
        assert fragment in message


# ---------------------------------------------------------------------- config_path


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "{home}/.aws/config"),
        ("", "{home}/.aws/config"),
        ("~/other/config", "{home}/other/config"),
        ("~", "{home}"),
        ("$HOME/x/config", "{home}/x/config"),
        ("${HOME}/y", "{home}/y"),
        ("$NO_SUCH_VAR/z", "$NO_SUCH_VAR/z"),
        ("/etc/aws-config", "/etc/aws-config"),
        ("rel/config", "rel/config"),
    ],
)
def test_config_path_expands_like_botocore(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, value: str | None, expected: str
) -> None:
    if value is None:
        monkeypatch.delenv("AWS_CONFIG_FILE")
    else:
        monkeypatch.setenv("AWS_CONFIG_FILE", value)
    ours = config_path(Settings.from_environ(os.environ))
    assert ours == Path(expected.format(home=isolated_env))
    if value != "":  # botocore would read no file at all for an empty AWS_CONFIG_FILE
        raw = botocore.session.Session().get_config_variable("config_file")
        assert ours == Path(os.path.expanduser(os.path.expandvars(raw)))


def test_config_path_uses_the_given_environ_not_the_process() -> None:
    environ = {"HOME": "/h", "AWS_CONFIG_FILE": "~/c/$X", "X": "cfg"}
    assert config_path(Settings.from_environ(environ)) == Path("/h/c/cfg")
    assert config_path(Settings.from_environ({"HOME": "/h/"})) == Path("/h/.aws/config")


def test_config_path_without_home_asks_the_passwd_database() -> None:
    import pwd

    home = pwd.getpwuid(os.getuid()).pw_dir.rstrip("/")
    assert config_path(Settings.from_environ({})) == Path(f"{home}/.aws/config")
    root = Settings.from_environ({"AWS_CONFIG_FILE": "~root/x"})
    assert config_path(root) == Path(os.path.expanduser("~root/x"))


def test_display_path_shows_home_as_tilde(isolated_env: Path) -> None:
    cfg = load(isolated_env, "")
    assert cfg.display_path() == "~/.aws/config"
    assert load_config(Path("/etc/x"), home=isolated_env).display_path() == "/etc/x"
    assert shown_path(isolated_env, isolated_env) == "~"
    sibling = Path(f"{isolated_env}x") / "config"
    assert shown_path(sibling, isolated_env) == str(sibling)
    assert shown_path(Path("/a/b"), Path("/")) == "/a/b"
    assert shown_path(Path("relative/x"), isolated_env) == "relative/x"


# -------------------------------------------------------- parsing: the botocore table

TRICKY = {
    "comments": "# top\n; semi\n[default]\n# inside\nregion = us-east-1\n  ; indented\n",
    "inline-comment-kept": "[default]\nregion = us-east-1 # not a comment\noutput = json ;x\n",
    "quotes-kept": "[default]\nregion = \"us-east-1\"\nname = 'x'\n",
    "colon-separator": "[default]\nregion: eu-west-1\nurl = http://h:1/p\nk:v=w\n",
    "nested": "[profile dev]\ns3 =\n  addressing_style = path\n  Signature_Version = s3v4\n"
    "region = x\n",
    "nested-blank-lines": "[profile dev]\ns3 =\n\n  a = 1\n\n  b = 2\n\nregion = x\n",
    "nested-comment": "[profile dev]\ns3 =\n  # c\n  a = 1\n",
    "nested-equals-in-value": "[profile dev]\ns3 =\n  a = b = c\n  d=\n",
    "empty-value": "[profile dev]\nregion =\nout = \n\n",
    "continuation": "[profile dev]\nregion = us\n  east\n\tmore\nnext = 1\n",
    "continuation-after-blank": "[profile dev]\nregion = a\n\n   b\n",
    "deeper-indent-key": "[profile dev]\n  region = a\n    b = c\n  out = d\n",
    "quoted-name": "[profile \"my dev\"]\nregion = a\n[profile 'x y']\nregion = b\n",
    "profile-prefix-quirk": "[profileX dev]\nregion = a\n[profiles p2]\nregion = b\n",
    "sso-prefix-quirk": "[sso-sessionfoo s]\nsso_region = a\n[servicesxyz v]\nsso =\n  a = b\n",
    "three-words-ignored": "[profile a b]\nregion = a\n[profile]\nregion = b\n",
    "bad-shell-quote": "[profile 'open]\nregion = a\n",
    "default-then-profile-default": "[default]\nregion = a\n[profile default]\nout = b\n",
    "profile-default-then-default": "[profile default]\nregion = a\n[default]\nout = b\n",
    "same-name-twice": "[profile dev]\nregion = a\n[profile  dev]\nout = b\n",
    "uppercase-keys": "[profile Dev]\nREGION = a\nSso_Role_Name = R\n",
    "tabs-and-spaces": "[default]\n\tregion\t=\tus-east-1\t\n  output   =  json  \n",
    "crlf": "[default]\r\nregion = a\r\n[profile dev]\r\ns3 =\r\n  a = 1\r\n",
    "cr-only": "[default]\rregion = a\r",
    "unicode": "[profile café]\nregion = ünïcødé ☃\nk = 日本\n",
    "DEFAULT-section": "[DEFAULT]\nregion = d\n[profile a]\nout = 1\n[profile b]\nregion = own\n",
    "DEFAULT-twice": "[DEFAULT]\na = 1\n[profile x]\n[DEFAULT]\nb = 2\n",
    "only-DEFAULT": "[DEFAULT]\nregion = d\n",
    "other-sections": "[plugins]\ncli_legacy_plugin_path = /x\n[preview]\ncf = true\n",
    "header-trailing-text": "[profile dev] trailing\nregion = a\n[x]]\n",
    "header-indented": "  [profile dev]\n  region = a\n",
    "header-as-continuation": "[profile dev]\nregion = a\n  [profile other]\n",
    "empty-section": "[profile dev]\n[sso-session s]\n",
    "empty-file": "",
    "only-comments": "# nothing\n\n; here\n",
    "no-trailing-newline": "[default]\nregion = a",
    "form-feed-in-value": "[profile dev]\ns3 =\n  a = 1\x0cb = 2\n",
    "key-with-spaces": "[default]\nmy key = v\n",
    "sso-full": "[profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n"
    "[sso-session corp]\nsso_start_url = https://x/start\nsso_region = us-east-1\n"
    "[services local]\nsso =\n  endpoint_url = http://127.0.0.1:1\n",
}


def botocore_maps(path: Path) -> dict[str, Any]:
    return botocore.configloader.load_config(str(path))


@pytest.mark.parametrize("text", TRICKY.values(), ids=TRICKY.keys())
def test_parse_matches_botocore(isolated_env: Path, text: str) -> None:
    path = write(isolated_env, text.encode())
    assert parse_text(text, "f") == botocore.configloader.raw_config_parse(str(path))
    ours, theirs = load_config(path), botocore_maps(path)
    assert ours.profiles == theirs["profiles"]
    assert ours.sso_sessions == theirs["sso_sessions"]
    assert ours.services == theirs["services"]
    assert profile_names(ours) == list(theirs["profiles"])
    assert session_names(ours) == list(theirs["sso_sessions"])


def test_later_default_replaces_earlier_wholesale(isolated_env: Path) -> None:
    cfg = load(isolated_env, TRICKY["default-then-profile-default"])
    assert cfg.profiles == {"default": {"out": "b"}}
    assert cfg.label("profile", "default") == "[profile default]"
    cfg = load(isolated_env, TRICKY["profile-default-then-default"])
    assert cfg.profiles == {"default": {"out": "b"}}
    assert cfg.label("profile", "default") == "[default]"


def test_headers_are_kept_as_written(isolated_env: Path) -> None:
    cfg = load(isolated_env, TRICKY["quoted-name"] + TRICKY["profile-prefix-quirk"])
    assert cfg.source("profile", "my dev") == '~/.aws/config [profile "my dev"]'
    assert cfg.label("profile", "dev") == "[profileX dev]"
    assert cfg.label("sso-session", "nope") == "[sso-session nope]"


# ------------------------------------------------------------ parsing: malformed files

MALFORMED = {
    "key-before-section": ("region = a\n[default]\n", 1, "before any [section]"),
    "comment-then-key-before-section": ("# c\n\nregion = a\n", 3, "before any [section]"),
    "duplicate-section": ("[default]\na = 1\n[profile x]\n[default]\n", 4, "appears twice"),
    "duplicate-option": (
        "[profile dev]\nregion = a\nout = j\n\nregion = b\n",
        5,
        "'region' appears twice in [profile dev] (first at line 2)",
    ),
    "duplicate-option-case": ("[p]\nRegion = a\nregion = b\n", 3, "'region' appears twice"),
    "duplicate-in-DEFAULT": ("[DEFAULT]\na = 1\n[x]\n[DEFAULT]\na = 2\n", 5, "appears twice"),
    "no-equals": ("[default]\nregion = a\njust some words\n", 3, "not a 'key = value' line"),
    "empty-key": ("[default]\n= value\n", 2, "has no key name"),
    "empty-key-colon": ("[default]\n: value\n", 2, "has no key name"),
    "nested-without-equals": (
        "[profile dev]\ns3 =\n  a = 1\n\n  oops\n",
        5,
        "'oops' under 's3 =' in [profile dev]",
    ),
    "nested-colon-only": ("[x]\ns3 =\n  a: 1\n", 3, "'a: 1' under 's3 ='"),
    "nested-in-DEFAULT": ("[DEFAULT]\ns3 =\n  bad\n[profile a]\n", 3, "in [DEFAULT]"),
    "nested-form-feed": ("[x]\ns3 =\n  a = 1\x0cbad\n", 3, "'bad'"),
    "nested-in-other-section": ("[plugins]\nk =\n  v\n", 3, "'v' under 'k ='"),
    "bom": ("\ufeff[default]\nregion = a\n", 1, "byte-order mark"),
    "crlf-line-numbers": ("[a]\r\nx = 1\r\n\r\nbad line\r\n", 4, "'bad line'"),
    "header-without-close": (
        "[default]\nregion = a\n[profile dev\nregion = b\n",
        3,
        "the section header '[profile dev' has no closing ']'",
    ),
    "first-header-without-close": ("[profile dev\nregion = b\n", 1, "has no closing ']'"),
    "header-without-open": ("[default]\nprofile dev]\n", 2, "has no opening '['"),
}


@pytest.mark.parametrize(("text", "line", "fragment"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_files_fail_like_botocore_with_the_line(
    isolated_env: Path, text: str, line: int, fragment: str
) -> None:
    path = write(isolated_env, text)
    with pytest.raises(botocore.exceptions.ConfigParseError):
        botocore_maps(path)
    with pytest.raises(ConfigError) as caught:
        load_config(path, home=isolated_env)
    assert_one_line(caught.value, f"~/.aws/config line {line}: ", fragment)


def test_duplicate_option_message_and_hint(isolated_env: Path) -> None:
    text = "[profile dev]\nsso_session = c\n\n\n\n\nregion = a\nREGION = b\n"
    with pytest.raises(ConfigError) as caught:
        load(isolated_env, text)
    assert str(caught.value) == (
        "~/.aws/config line 8: 'region' appears twice in [profile dev] (first at line 7)"
    )
    assert caught.value.hint == "fix or remove that line"


def test_invalid_utf8_names_the_line(isolated_env: Path) -> None:
    path = write(isolated_env, b"[default]\r\nregion = a\n\nname = caf\xe9\n")
    with pytest.raises(botocore.exceptions.ConfigParseError):
        botocore_maps(path)
    with pytest.raises(ConfigError) as caught:
        load_config(path, home=isolated_env)
    assert_one_line(caught.value, "~/.aws/config line 4: not valid UTF-8 (byte 0xe9)")


def test_missing_file_is_an_empty_config(isolated_env: Path) -> None:
    cfg = load_config(isolated_env / "nope", home=isolated_env)
    assert (cfg.profiles, cfg.sso_sessions, cfg.services, cfg.exists) == ({}, {}, {}, False)
    assert load_config(isolated_env / "file" / "below-a-file").exists is False


def test_dev_null_is_an_empty_config() -> None:
    assert load_config(Path(os.devnull)).profiles == {}


def test_directory_is_an_error(isolated_env: Path) -> None:
    (isolated_env / ".aws" / "config").mkdir(parents=True)
    with pytest.raises(ConfigError) as caught:
        load_config(isolated_env / ".aws" / "config", home=isolated_env)
    assert_one_line(caught.value, "~/.aws/config is a directory")


def test_unreadable_file_is_an_error(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(isolated_env, "[default]\n")
    path.chmod(0)
    if os.geteuid() == 0:  # root reads any file: fail the read as it would fail for a user

        def denied(self: Path) -> bytes:
            raise PermissionError(13, "Permission denied", str(self))

        monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(ConfigError) as caught:
        load_config(path, home=isolated_env)
    assert_one_line(caught.value, "~/.aws/config cannot be read (permission denied)")


# ------------------------------------------------------------ parsing: a fuzzer

_PIECES = st.sampled_from(
    [
        "[",
        "]",
        "[profile dev]",
        "[default]",
        "[DEFAULT]",
        "[sso-session s]",
        "[services v]",
        "profile ",
        '"a b"',
        "'",
        "default",
        "=",
        " = ",
        ":",
        "#",
        ";",
        " ",
        "   ",
        "\t",
        "a",
        "B",
        "key",
        "k = v",
        "x=",
        "é",
        "☃",
        "\x0c",
        "\x85",
        "\u2028",
        "\xa0",
        "\r",
    ]
)
_LINES = st.lists(st.lists(_PIECES, max_size=6).map("".join), max_size=12)


@pytest.mark.slow  # 400 examples
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=_LINES, newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_fuzzed_files_parse_like_botocore(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config"
        path.write_bytes(text.encode())
        try:
            theirs = botocore.configloader.raw_config_parse(str(path))
        except botocore.exceptions.ConfigParseError:
            theirs = None
        try:
            ours = load_config(path)
        except ConfigError as e:
            error: ConfigError | None = e
        else:
            error = None
    if error is not None:
        message = str(error)
        assert theirs is None, f"we rejected what botocore accepts: {message}"
        assert "\n" not in message
        line = int(message.split(" line ", 1)[1].split(":", 1)[0])
        assert 1 <= line <= text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
        return
    assert theirs is not None, "we accepted what botocore rejects"
    assert parse_text(text, "f") == theirs
    maps = botocore.configloader.build_profile_map(theirs)
    assert (ours.profiles, ours.sso_sessions, ours.services) == (
        maps["profiles"],
        maps["sso_sessions"],
        maps["services"],
    )


# ------------------------------------------------------------------- select_profile


@pytest.mark.parametrize(
    ("explicit", "environ", "expected"),
    [
        ("dev", {"AWS_PROFILE": "x", "AWS_DEFAULT_PROFILE": "y"}, ("dev", "argument")),
        (None, {"AWS_PROFILE": "x", "AWS_DEFAULT_PROFILE": "y"}, ("x", "env AWS_PROFILE")),
        (None, {"AWS_DEFAULT_PROFILE": "y"}, ("y", "env AWS_DEFAULT_PROFILE")),
        (None, {"AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "y"}, ("y", "env AWS_DEFAULT_PROFILE")),
        (None, {}, ("default", "default")),
        (None, {"AWS_PROFILE": ""}, ("default", "default")),
    ],
)
def test_select_profile(
    explicit: str | None, environ: dict[str, str], expected: tuple[str, str]
) -> None:
    assert select_profile(explicit, Settings.from_environ(environ)) == expected


def test_is_sso_profile_is_botocores_rule() -> None:
    assert is_sso_profile({"sso_account_id": "1"})
    assert is_sso_profile({"sso_role_name": "R"})
    assert not is_sso_profile({"sso_session": "s", "sso_start_url": "u", "sso_region": "r"})
    assert not is_sso_profile({"region": "us-east-1"})


# ------------------------------------------------ resolve_profile: botocore the oracle

SESSION = (
    "[sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = us-east-1\n"
)
ROLE = "sso_account_id = 111111111111\nsso_role_name = ReadOnly\n"
LEGACY = "sso_start_url = https://d-2.awsapps.com/start\nsso_region = eu-west-1\n"

ORACLE: dict[str, tuple[str, str]] = {
    "session": ("[profile dev]\nsso_session = corp\n" + ROLE + SESSION, "dev"),
    "legacy": ("[profile old]\n" + LEGACY + ROLE, "old"),
    "default-section": ("[default]\n" + LEGACY + ROLE, "default"),
    "quoted-name": ('[profile "my dev"]\nsso_session = corp\n' + ROLE + SESSION, "my dev"),
    "prefix-quirk": ("[profileX dev]\n" + LEGACY + ROLE, "dev"),
    "unknown-profile": ("[profile dev]\n" + LEGACY + ROLE, "prod"),
    "no-file-profiles": ("", "default"),
    "missing-session": ("[profile dev]\nsso_session = corp\n" + ROLE, "dev"),
    "session-name-case": ("[profile dev]\nsso_session = Corp\n" + ROLE + SESSION, "dev"),
    "repeated-equal-start-url": (
        "[profile dev]\nsso_session = corp\nsso_start_url = https://d-1.awsapps.com/start\n"
        + ROLE
        + SESSION,
        "dev",
    ),
    "inconsistent-start-url": (
        "[profile dev]\nsso_session = corp\nsso_start_url = https://other/start\n" + ROLE + SESSION,
        "dev",
    ),
    "inconsistent-any-key": (
        "[profile dev]\nsso_session = corp\nregion = eu-west-1\n"
        + ROLE
        + SESSION
        + "region = us-west-2\n",
        "dev",
    ),
    "session-names-other-session": (
        "[profile dev]\nsso_session = corp\n" + ROLE + SESSION + "sso_session = other\n",
        "dev",
    ),
    "account-in-session": (
        "[profile dev]\nsso_session = corp\nsso_role_name = R\n" + SESSION + "sso_account_id = 3\n",
        "dev",
    ),
    "missing-role": ("[profile dev]\nsso_session = corp\nsso_account_id = 1\n" + SESSION, "dev"),
    "missing-account": ("[profile dev]\nsso_session = corp\nsso_role_name = R\n" + SESSION, "dev"),
    "legacy-missing-region": ("[profile old]\nsso_start_url = https://x\n" + ROLE, "old"),
    "legacy-missing-both": ("[profile old]\n" + ROLE, "old"),
    "session-missing-region": (
        "[profile dev]\nsso_session = corp\n"
        + ROLE
        + "[sso-session corp]\nsso_start_url = https://x\n",
        "dev",
    ),
    "region-only-in-profile": (
        "[profile dev]\nsso_session = corp\nsso_region = us-east-1\n"
        + ROLE
        + "[sso-session corp]\nsso_start_url = https://x\n",
        "dev",
    ),
    "empty-session-section": (
        "[profile dev]\nsso_session = corp\n" + LEGACY + ROLE + "[sso-session corp]\n",
        "dev",
    ),
    "login-only-profile": ("[profile dev]\nsso_session = corp\n" + SESSION, "dev"),
    "legacy-login-only": ("[profile dev]\n" + LEGACY, "dev"),
    "static-keys": ("[profile dev]\naws_access_key_id = A\naws_secret_access_key = S\n", "dev"),
    "credential-process": ("[profile dev]\ncredential_process = /bin/creds\n", "dev"),
    "DEFAULT-supplies-region": (
        "[DEFAULT]\nsso_region = us-east-1\n[profile dev]\nsso_session = corp\n"
        + ROLE
        + "[sso-session corp]\nsso_start_url = https://x\n",
        "dev",
    ),
    "DEFAULT-supplies-everything": ("[DEFAULT]\n" + LEGACY + ROLE + "[profile any]\n", "any"),
    "invalid-region": (
        "[profile old]\nsso_start_url = https://x\nsso_region = us_east_1\n" + ROLE,
        "old",
    ),
    "numeric-region": (
        "[profile old]\nsso_start_url = https://x\nsso_region = 123\n" + ROLE,
        "old",
    ),
    "later-profile-wins": (
        "[profile dev]\n" + LEGACY + ROLE + "[profile  dev]\nregion = x\n",
        "dev",
    ),
}


def botocore_sso(name: str) -> dict[str, str] | Exception | None:
    """What botocore makes of the profile: its SSO config, its error, or None (not SSO)."""
    session = botocore.session.Session(profile=name)
    provider = SSOProvider(
        load_config=lambda: session.full_config,
        client_creator=session.create_client,
        profile_name=name,
        cache={},
        token_cache={},
    )
    try:
        config: dict[str, str] | None = provider._load_sso_config()
        if config is None:
            return None
        if "sso_session" in config:  # what SSOCredentialFetcher asks next
            SSOTokenProvider(session, cache={}, profile_name=name)._load_sso_config()
        botocore.utils.validate_region_name(config["sso_region"])  # the sso client's
    except (botocore.exceptions.InvalidConfigError, botocore.exceptions.InvalidRegionError) as e:
        return e
    return config


@pytest.mark.parametrize(("text", "name"), ORACLE.values(), ids=ORACLE.keys())
def test_resolve_profile_agrees_with_botocore(isolated_env: Path, text: str, name: str) -> None:
    cfg = load(isolated_env, text)
    theirs = botocore_sso(name)
    if not isinstance(theirs, dict):
        with pytest.raises(ConfigError) as caught:
            resolve_profile(cfg, name, NO_ENV)
        assert_one_line(caught.value, "~/.aws/config")
        return
    profile = resolve_profile(cfg, name, NO_ENV)
    assert profile.account_id == theirs["sso_account_id"]
    assert profile.role_name == theirs["sso_role_name"]
    assert profile.session.start_url == theirs["sso_start_url"]
    assert profile.session.region == theirs["sso_region"]
    assert profile.session.name == theirs.get("sso_session")


_VALUES = {
    "sso_session": ["corp", "other"],
    "sso_account_id": ["111111111111", "222222222222"],
    "sso_role_name": ["ReadOnly", "Admin"],
    "sso_start_url": ["https://a.awsapps.com/start", "https://b.awsapps.com/start"],
    "sso_region": ["us-east-1", "eu-west-1", "bad_region"],
    "region": ["us-east-1", "eu-west-1"],
    "sso_registration_scopes": ["sso:account:access", "a, b"],
}
_SECTION = st.dictionaries(
    st.sampled_from(sorted(_VALUES)), st.integers(min_value=0, max_value=2), max_size=6
).map(lambda keys: "".join(f"{k} = {_VALUES[k][i % len(_VALUES[k])]}\n" for k, i in keys.items()))


@pytest.mark.slow  # 300 examples
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    profile=_SECTION,
    session=st.none() | _SECTION,
    other=st.none() | _SECTION,
    default=st.none() | _SECTION,
)
def test_generated_profiles_resolve_like_botocore(
    isolated_env: Path, profile: str, session: str | None, other: str | None, default: str | None
) -> None:
    text = "" if default is None else "[DEFAULT]\n" + default
    text += "[profile dev]\n" + profile
    text += "" if session is None else "[sso-session corp]\n" + session
    text += "" if other is None else "[sso-session other]\n" + other
    cfg = load(isolated_env, text)
    theirs = botocore_sso("dev")
    if not isinstance(theirs, dict):
        with pytest.raises(ConfigError):
            resolve_profile(cfg, "dev", NO_ENV)
        return
    ours = resolve_profile(cfg, "dev", NO_ENV)
    assert (ours.account_id, ours.role_name) == (theirs["sso_account_id"], theirs["sso_role_name"])
    assert (ours.session.start_url, ours.session.region) == (
        theirs["sso_start_url"],
        theirs["sso_region"],
    )
    assert ours.session.name == theirs.get("sso_session")


def test_botocore_messages_we_mirror(isolated_env: Path) -> None:
    """The botocore messages docs/protocol.md#sso-session-and-legacy-profiles quotes, and the
    case each of ours stands for."""
    cases = {
        "missing-session": 'The specified sso-session does not exist: "corp"',
        "inconsistent-start-url": "The value for sso_start_url is inconsistent between profile "
        "(https://other/start) and sso-session (https://d-1.awsapps.com/start).",
        "legacy-missing-both": 'The profile "old" is configured to use SSO but is missing '
        "required configuration: sso_start_url, sso_region",
        "missing-account": 'The profile "dev" is configured to use SSO but is missing '
        "required configuration: sso_account_id",
        "region-only-in-profile": 'The profile "dev" is configured to use the SSO token '
        "provider but is missing the following configuration: ['sso_region'].",
    }
    for case, message in cases.items():
        text, name = ORACLE[case]
        write(isolated_env, text)
        assert str(botocore_sso(name)) == message


# ------------------------------------------------ resolve_profile: our messages


def resolve_error(home: Path, text: str, name: str, **kwargs: Any) -> ConfigError:
    cfg = load(home, text)
    with pytest.raises(ConfigError) as caught:
        resolve_profile(cfg, name, NO_ENV, **kwargs)
    return caught.value


def test_unknown_profile_suggests_a_close_name(isolated_env: Path) -> None:
    err = resolve_error(isolated_env, ORACLE["session"][0], "dve")
    assert str(err) == "~/.aws/config has no profile 'dve' (did you mean 'dev'?)"
    assert err.hint is not None
    assert "(dev)" in err.hint
    assert "`ssoenv list`" in err.hint
    assert "AWS_PROFILE" in err.hint  # how to choose another


def test_unknown_profile_from_aws_profile_says_so(isolated_env: Path) -> None:
    text = "".join(f"[profile p{i}]\n" for i in range(8))
    err = resolve_error(isolated_env, text, "nope", source="env AWS_PROFILE")
    assert_one_line(err, "has no profile 'nope'")
    assert err.hint is not None
    assert err.hint.startswith("the name 'nope' came from AWS_PROFILE")
    assert "(p0, p1, p2, p3, p4, ...)" in err.hint


def test_no_default_profile(isolated_env: Path) -> None:
    err = resolve_error(isolated_env, ORACLE["session"][0], "default", source="default")
    assert_one_line(err, "no profile was chosen and ~/.aws/config has no [default] profile")


def test_no_config_file_at_all(isolated_env: Path) -> None:
    cfg = load_config(isolated_env / ".aws" / "config", home=isolated_env)
    with pytest.raises(ConfigError) as caught:
        resolve_profile(cfg, "dev", NO_ENV)
    assert_one_line(caught.value, "~/.aws/config does not exist")
    assert caught.value.hint is not None
    assert "ssoenv configure" in caught.value.hint


@pytest.mark.parametrize("case", ["static-keys", "credential-process"])
def test_not_an_sso_profile(isolated_env: Path, case: str) -> None:
    err = resolve_error(isolated_env, *ORACLE[case])
    assert_one_line(err, "~/.aws/config [profile dev] does not use IAM Identity Center")
    assert err.hint is not None
    assert "ssoenv configure" in err.hint


def test_login_only_profile(isolated_env: Path) -> None:
    err = resolve_error(isolated_env, *ORACLE["login-only-profile"])
    assert_one_line(err, "[profile dev] has no sso_account_id or sso_role_name")


def test_missing_session_section_message(isolated_env: Path) -> None:
    err = resolve_error(isolated_env, *ORACLE["missing-session"])
    assert_one_line(
        err, "~/.aws/config [profile dev]: sso_session = corp, but there is no [sso-session corp]"
    )
    err = resolve_error(isolated_env, *ORACLE["session-name-case"])
    assert_one_line(err, "(did you mean 'corp'?)")


def test_missing_keys_named_in_botocores_order(isolated_env: Path) -> None:
    err = resolve_error(isolated_env, *ORACLE["legacy-missing-both"])
    assert_one_line(
        err, "[profile old] uses IAM Identity Center but is missing sso_start_url, sso_region"
    )
    err = resolve_error(isolated_env, *ORACLE["missing-role"])
    assert_one_line(err, "is missing sso_role_name")
    assert err.hint is not None
    assert "[profile dev]" in err.hint


def test_inconsistent_values_name_both(isolated_env: Path) -> None:
    err = resolve_error(isolated_env, *ORACLE["inconsistent-start-url"])
    assert str(err) == (
        "~/.aws/config: sso_start_url is 'https://other/start' in [profile dev] but "
        "'https://d-1.awsapps.com/start' in [sso-session corp]"
    )
    assert err.hint == "remove sso_start_url from [profile dev], or make both the same"


def test_start_url_only_in_profile_is_not_enough(isolated_env: Path) -> None:
    err = resolve_error(isolated_env, *ORACLE["region-only-in-profile"])
    assert_one_line(err, "~/.aws/config [sso-session corp] has no sso_region")
    assert err.hint == "move sso_region from [profile dev] to [sso-session corp]"


def test_role_arn_profiles_are_not_sso_even_with_sso_keys(isolated_env: Path) -> None:
    """Deviation from SSOProvider alone: botocore's chain tries assume-role first."""
    text = ORACLE["session"][0] + "[profile admin]\nrole_arn = arn:aws:iam::1:role/A\n"
    text += "source_profile = dev\nsso_session = corp\n" + ROLE
    write(isolated_env, text)
    session = botocore.session.Session(profile="admin")
    assert session.get_credentials().method == "assume-role"
    err = resolve_error(isolated_env, text, "admin")
    assert_one_line(err, "[profile admin] assumes role_arn")
    assert err.hint == "use its SSO source profile 'dev' instead"


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ("sso_role_name =\n", "sso_role_name is empty"),
        ("sso_role_name = R\n  more\n", "sso_role_name spans several lines"),
        ("sso_role_name =\n  a = b\n", "sso_role_name spans several lines"),
    ],
)
def test_stricter_than_botocore_on_unusable_values(
    isolated_env: Path, extra: str, fragment: str
) -> None:
    """botocore passes these on and fails later, at the API; we say why now."""
    text = "[profile old]\n" + LEGACY + "sso_account_id = 1\n" + extra
    write(isolated_env, text)
    assert isinstance(botocore_sso("old"), dict)
    assert_one_line(resolve_error(isolated_env, text, "old"), "[profile old]: " + fragment)


def test_invalid_region_message(isolated_env: Path) -> None:
    err = resolve_error(isolated_env, *ORACLE["invalid-region"])
    assert_one_line(err, "[profile old]: sso_region 'us_east_1' is not a valid region name")


# ------------------------------------------------ resolve_profile: what it returns


def test_session_profile_fields(isolated_env: Path) -> None:
    text = "[profile dev]\nsso_session = corp\nregion = eu-west-1\n" + ROLE + SESSION
    text += "sso_registration_scopes = sso:account:access , ,codewhisperer:completions,\n"
    profile = resolve_profile(load(isolated_env, text), "dev", NO_ENV)
    assert profile.name == "dev"
    assert profile.region == "eu-west-1"
    assert profile.source == "~/.aws/config [profile dev]"
    assert profile.session.name == "corp"
    assert profile.session.refreshable
    assert profile.session.source == "~/.aws/config [sso-session corp]"
    assert profile.session.scopes == ("sso:account:access", "codewhisperer:completions")
    assert profile.endpoints.oidc == "https://oidc.us-east-1.amazonaws.com"
    assert profile.endpoints.portal == "https://portal.sso.us-east-1.amazonaws.com"


def test_legacy_profile_fields(isolated_env: Path) -> None:
    text = ORACLE["legacy"][0] + "sso_registration_scopes = x\n"
    profile = resolve_profile(load(isolated_env, text), "old", NO_ENV)
    assert profile.session.name is None
    assert profile.session.scopes is None  # legacy logins register no scopes
    assert profile.session.start_url == "https://d-2.awsapps.com/start"
    assert profile.session.source == "~/.aws/config [profile old]"
    assert profile.region is None


def test_scopes_none_when_not_configured(isolated_env: Path) -> None:
    profile = resolve_profile(load(isolated_env, ORACLE["session"][0]), "dev", NO_ENV)
    assert profile.session.scopes is None


def test_profile_endpoints_follow_the_profile(isolated_env: Path) -> None:
    text = ORACLE["session"][0].replace(
        "[profile dev]\n", "[profile dev]\nendpoint_url = http://h:1/\n"
    )
    profile = resolve_profile(load(isolated_env, text), "dev", NO_ENV)
    assert profile.endpoints.oidc == profile.endpoints.portal == "http://h:1"


# ------------------------------------------------ resolve_session / login sessions


def test_resolve_session(isolated_env: Path) -> None:
    cfg = load(isolated_env, SESSION + "sso_registration_scopes = a,b\n")
    session = resolve_session(cfg, "corp")
    assert (session.name, session.start_url, session.region, session.scopes) == (
        "corp",
        "https://d-1.awsapps.com/start",
        "us-east-1",
        ("a", "b"),
    )
    with pytest.raises(ConfigError) as caught:
        resolve_session(cfg, "crop")
    assert_one_line(caught.value, "has no [sso-session crop] section (did you mean 'corp'?)")


def test_resolve_session_missing_keys(isolated_env: Path) -> None:
    cfg = load(isolated_env, "[sso-session corp]\n")
    with pytest.raises(ConfigError) as caught:
        resolve_session(cfg, "corp")
    assert_one_line(caught.value, "[sso-session corp] is missing sso_start_url, sso_region")


def test_login_session_of_a_login_only_profile(isolated_env: Path) -> None:
    cfg = load(
        isolated_env,
        ORACLE["login-only-profile"][0] + ORACLE["legacy-login-only"][0].replace("dev", "leg"),
    )
    assert resolve_login_session(cfg, "dev").name == "corp"
    legacy = resolve_login_session(cfg, "leg")
    assert (legacy.name, legacy.region) == (None, "eu-west-1")
