"""ssoenv.endpoints against botocore, the oracle: for each precedence case the base URLs
must be those of the requests botocore's own `sso-oidc` and `sso` clients send (captured
before sending), and a configuration botocore refuses must be refused too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import botocore.exceptions
import botocore.loaders
import botocore.session
import pytest
from botocore.endpoint_provider import RuleSetStandardLibrary

from ssoenv.config import load_config
from ssoenv.endpoints import _partition, resolve_endpoints
from ssoenv.errors import ConfigError, ExitCode
from ssoenv.model import Endpoints
from ssoenv.settings import Settings

NO_ENV = Settings.from_environ({})  # no endpoint variable: the config alone decides


class _Sent(Exception):
    pass


def _capture(request: Any, **_: Any) -> None:
    raise _Sent(request.url)


# Each client's cheapest operation and the path it appends to the base URL.
_CALLS = {
    "sso-oidc": (
        lambda c: c.register_client(clientName="x", clientType="public"),
        "/client/register",
    ),
    "sso": (lambda c: c.list_accounts(accessToken="t"), "/assignment/accounts"),
}


_LOADER = botocore.loaders.create_loader()  # shared: loading service models is the slow part


def botocore_endpoints(profile: str, region: str) -> Endpoints:
    """The base URLs botocore's clients send to, for a session of `profile`."""
    session = botocore.session.Session(profile=profile)
    session.register_component("data_loader", _LOADER)
    bases = {}
    for service, (call, path) in _CALLS.items():
        client = session.create_client(
            service, region_name=region, aws_access_key_id="a", aws_secret_access_key="s"
        )
        client.meta.events.register("before-send", _capture)
        with pytest.raises(_Sent) as sent:
            call(client)
        url = str(sent.value.args[0]).split("?", 1)[0]
        assert url.endswith(path)
        bases[service] = url.removesuffix(path)
    return Endpoints(oidc=bases["sso-oidc"], portal=bases["sso"])


def ours(home: Path, profile: str, region: str) -> Endpoints:
    cfg = load_config(home / ".aws" / "config", home=home)
    section = cfg.profiles.get(profile, {})
    return resolve_endpoints(cfg, section, region, Settings.from_environ(os.environ))


SERVICES = (
    "[services local]\n"
    "sso =\n  endpoint_url = http://svc-portal:1\n"
    "sso_oidc =\n  endpoint_url = http://svc-oidc:2/p/\n"
)

# id: (config text, environment, sso_region)
CASES: dict[str, tuple[str, dict[str, str], str]] = {
    "default": ("", {}, "us-east-1"),
    "other-region": ("", {}, "ap-southeast-2"),
    "china": ("", {}, "cn-north-1"),
    "govcloud": ("", {}, "us-gov-west-1"),
    "iso": ("", {}, "us-iso-east-1"),
    "isob": ("", {}, "us-isob-east-1"),
    "isoe": ("", {}, "eu-isoe-west-1"),
    "isof": ("", {}, "us-isof-south-1"),
    "eusc": ("", {}, "eusc-de-east-1"),
    "unknown-region-is-aws": ("", {}, "xx-nowhere-9"),
    "global-pseudo-region": ("", {}, "aws-cn-global"),
    "fips-env": ("", {"AWS_USE_FIPS_ENDPOINT": "true"}, "us-east-1"),
    "fips-env-case": ("", {"AWS_USE_FIPS_ENDPOINT": "TRUE"}, "eu-west-1"),
    "fips-env-yes-is-false": ("", {"AWS_USE_FIPS_ENDPOINT": "yes"}, "eu-west-1"),
    "fips-profile": ("use_fips_endpoint = true\n", {}, "us-east-1"),
    "fips-env-false-beats-profile": (
        "use_fips_endpoint = true\n",
        {"AWS_USE_FIPS_ENDPOINT": "false"},
        "us-east-1",
    ),
    "fips-env-empty-beats-profile": (
        "use_fips_endpoint = true\n",
        {"AWS_USE_FIPS_ENDPOINT": ""},
        "us-east-1",
    ),
    "fips-china": ("", {"AWS_USE_FIPS_ENDPOINT": "true"}, "cn-northwest-1"),
    "fips-govcloud": ("", {"AWS_USE_FIPS_ENDPOINT": "true"}, "us-gov-east-1"),
    "dualstack-env": ("", {"AWS_USE_DUALSTACK_ENDPOINT": "true"}, "us-east-1"),
    "dualstack-profile": ("use_dualstack_endpoint = True\n", {}, "eu-central-1"),
    "dualstack-china": ("", {"AWS_USE_DUALSTACK_ENDPOINT": "true"}, "cn-north-1"),
    "dualstack-govcloud": ("", {"AWS_USE_DUALSTACK_ENDPOINT": "true"}, "us-gov-west-1"),
    "fips-and-dualstack": (
        "",
        {"AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "true"},
        "us-east-1",
    ),
    "fips-and-dualstack-govcloud": (
        "use_fips_endpoint = true\nuse_dualstack_endpoint = true\n",
        {},
        "us-gov-west-1",
    ),
    "env-portal": ("", {"AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:8123"}, "us-east-1"),
    "env-oidc": ("", {"AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:8124/"}, "us-east-1"),
    "env-global": ("", {"AWS_ENDPOINT_URL": "https://proxy.example.com/aws"}, "us-east-1"),
    "env-specific-beats-global": (
        "",
        {"AWS_ENDPOINT_URL": "http://g:1", "AWS_ENDPOINT_URL_SSO": "http://s:2"},
        "us-east-1",
    ),
    "env-empty-is-skipped": (
        "",
        {"AWS_ENDPOINT_URL_SSO": "", "AWS_ENDPOINT_URL": "http://g:1"},
        "us-east-1",
    ),
    "services": (
        "services = local\n"
        + "[services local]\nsso =\n  endpoint_url = http://svc:1\nsso_oidc =\n  endpoint_url = http://svc:2/p/\n",
        {},
        "us-east-1",
    ),
    "services-only-portal": (
        "services = local\n[services local]\nsso =\n  endpoint_url = http://svc:1\n",
        {},
        "us-east-1",
    ),
    "services-key-case-kept": (
        "services = local\n[services local]\nsso =\n  Endpoint_URL = http://svc:1\n",
        {},
        "us-east-1",
    ),
    "services-other-service": (
        "services = local\n[services local]\ns3 =\n  endpoint_url = http://s3:1\n",
        {},
        "us-east-1",
    ),
    "env-beats-services": (
        "services = local\n" + SERVICES,
        {"AWS_ENDPOINT_URL": "http://g:1"},
        "us-east-1",
    ),
    "services-beat-profile-url": (
        "services = local\nendpoint_url = http://profile:1\n" + SERVICES,
        {},
        "us-east-1",
    ),
    "profile-url": ("endpoint_url = http://localstack:4566\n", {}, "us-east-1"),
    "profile-url-and-fips": (
        "endpoint_url = http://localstack:4566\nuse_fips_endpoint = true\n",
        {},
        "us-east-1",
    ),
    "env-url-and-dualstack": (
        "",
        {"AWS_ENDPOINT_URL": "http://x:1", "AWS_USE_DUALSTACK_ENDPOINT": "true"},
        "us-east-1",
    ),
    "ignore-env": (
        "endpoint_url = http://p:1\n",
        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_ENDPOINT_URL_SSO": "http://s:2"},
        "us-east-1",
    ),
    "ignore-env-case": (
        "",
        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "True", "AWS_ENDPOINT_URL": "http://s:2"},
        "us-east-1",
    ),
    "ignore-profile": (
        "ignore_configured_endpoint_urls = true\nendpoint_url = http://p:1\n",
        {"AWS_ENDPOINT_URL": "http://g:1"},
        "us-east-1",
    ),
    "ignore-env-false-beats-profile": (
        "ignore_configured_endpoint_urls = true\nendpoint_url = http://p:1\n",
        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"},
        "us-east-1",
    ),
    "ignore-skips-missing-services": (
        "services = nope\n",
        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
        "us-east-1",
    ),
    "ignore-and-fips": (
        "ignore_configured_endpoint_urls = true\nendpoint_url = http://p:1\n"
        "use_fips_endpoint = true\n",
        {},
        "us-west-2",
    ),
    "ipv6-host": ("endpoint_url = http://[::1]:8080\n", {}, "us-east-1"),
    "https-with-path": ("endpoint_url = https://gw.example.com/a/b/\n", {}, "us-east-1"),
}


def setup_case(home: Path, monkeypatch: pytest.MonkeyPatch, text: str, env: dict[str, str]) -> None:
    path = home / ".aws" / "config"
    path.parent.mkdir(exist_ok=True)
    path.write_text("[profile dev]\n" + text)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(("text", "env", "region"), CASES.values(), ids=CASES.keys())
def test_endpoints_match_botocore(
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    env: dict[str, str],
    region: str,
) -> None:
    setup_case(isolated_env, monkeypatch, text, env)
    assert ours(isolated_env, "dev", region) == botocore_endpoints("dev", region)


def test_known_hosts(isolated_env: Path) -> None:
    """The hosts of docs/protocol.md#regions-and-partitions, spelled out."""
    assert ours(isolated_env, "dev", "eu-west-1") == Endpoints(
        "https://oidc.eu-west-1.amazonaws.com", "https://portal.sso.eu-west-1.amazonaws.com"
    )
    assert (
        ours(isolated_env, "dev", "cn-north-1").oidc == "https://oidc.cn-north-1.amazonaws.com.cn"
    )


def test_fips_and_dualstack_hosts(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_USE_FIPS_ENDPOINT", "true")
    assert ours(isolated_env, "dev", "us-east-1") == Endpoints(
        "https://oidc-fips.us-east-1.amazonaws.com",
        "https://portal.sso-fips.us-east-1.amazonaws.com",
    )
    monkeypatch.delenv("AWS_USE_FIPS_ENDPOINT")
    monkeypatch.setenv("AWS_USE_DUALSTACK_ENDPOINT", "true")
    assert ours(isolated_env, "dev", "us-east-1") == Endpoints(
        "https://oidc.us-east-1.api.aws", "https://portal.sso.us-east-1.api.aws"
    )


def test_empty_profile_section_for_sso_session_logins(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = load_config(isolated_env / ".aws" / "config", home=isolated_env)
    assert resolve_endpoints(cfg, {}, "us-east-2", NO_ENV).portal == (
        "https://portal.sso.us-east-2.amazonaws.com"
    )
    oidc = Settings.from_environ({"AWS_ENDPOINT_URL_SSO_OIDC": "http://o:1/"})
    got = resolve_endpoints(cfg, {}, "us-east-2", oidc)
    assert got.oidc == "http://o:1"


def test_partitions_table_matches_botocore() -> None:
    data = botocore.loaders.create_loader().load_data("partitions")
    library = RuleSetStandardLibrary(data)
    regions = [r for p in data["partitions"] for r in p["regions"]]
    regions += ["us-east-99", "cn-south-7", "us-gov-x-1", "eu-isoe-north-3", "me-x-1", "zz-top-1"]
    for region in regions:
        theirs = library.aws_partition(region)
        mine = _partition(region)
        assert (mine.name, mine.dns_suffix, mine.dual_stack_dns_suffix) == (
            theirs["name"],
            theirs["dnsSuffix"],
            theirs["dualStackDnsSuffix"],
        ), region
        assert theirs["supportsFIPS"] and theirs["supportsDualStack"]
    assert [p.name for p in __import__("ssoenv.endpoints").endpoints._PARTITIONS] == [
        p["outputs"]["name"] for p in data["partitions"]
    ]


# ------------------------------------------------------------------ refused configs

REFUSED: dict[str, tuple[str, dict[str, str], str]] = {
    "missing-services-section": ("services = nope\n", {}, "[profile dev]: services = nope"),
    "empty-services-section": ("services = empty\n[services empty]\n", {}, "services = empty"),
    "services-missing-for-oidc-only": (
        "services = nope\n",
        {"AWS_ENDPOINT_URL_SSO": "http://s:1"},
        "services = nope",
    ),
    "services-value-not-subsection": (
        "services = v\n[services v]\nsso = http://x:1\n",
        {},
        "[services v] sso must be an indented sub-section",
    ),
    "no-scheme": (
        "endpoint_url = localhost:8080\n",
        {},
        "[profile dev] endpoint_url = 'localhost:8080'",
    ),
    "no-host": ("endpoint_url = http://\n", {}, "endpoint_url = 'http://'"),
    "underscore-host": (
        "",
        {"AWS_ENDPOINT_URL": "http://my_host:1"},
        "AWS_ENDPOINT_URL = 'http://my_host:1'",
    ),
    "bad-env-sso": (
        "",
        {"AWS_ENDPOINT_URL_SSO": "not a url"},
        "AWS_ENDPOINT_URL_SSO = 'not a url'",
    ),
    "bad-services-url": (
        "services = v\n[services v]\nsso_oidc =\n  endpoint_url = http://-bad-:1\n",
        {},
        "[services v] sso_oidc.endpoint_url = ",
    ),
}


@pytest.mark.parametrize(("text", "env", "fragment"), REFUSED.values(), ids=REFUSED.keys())
def test_refused_like_botocore(
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    env: dict[str, str],
    fragment: str,
) -> None:
    setup_case(isolated_env, monkeypatch, text, env)
    with pytest.raises((botocore.exceptions.InvalidConfigError, ValueError, AttributeError)):
        botocore_endpoints("dev", "us-east-1")
    with pytest.raises(ConfigError) as caught:
        ours(isolated_env, "dev", "us-east-1")
    err = caught.value
    assert fragment in str(err)
    assert "\n" not in str(err)
    assert err.hint
    assert err.exit_code == ExitCode.CONFIG
    assert str(err).startswith(("~/.aws/config", "AWS_"))


def test_missing_services_section_message(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_case(isolated_env, monkeypatch, "services = local-sso\n", {})
    with pytest.raises(ConfigError) as caught:
        ours(isolated_env, "dev", "us-east-1")
    assert str(caught.value) == (
        "~/.aws/config [profile dev]: services = local-sso, but the [services local-sso] "
        "section does not exist or is empty"
    )
    assert caught.value.hint == "add a [services local-sso] section, or remove the services line"


@pytest.mark.parametrize("region", ["us_east_1", "123", "-us", "a" * 64])
def test_invalid_region_refused_like_botocore(isolated_env: Path, region: str) -> None:
    with pytest.raises(botocore.exceptions.InvalidRegionError):
        botocore.session.Session().create_client("sso", region_name=region)
    with pytest.raises(ConfigError, match="is not a valid region name"):
        ours(isolated_env, "dev", region)


def test_messages_name_the_profile_found_by_identity(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_case(isolated_env, monkeypatch, "endpoint_url = nope\n", {})
    cfg = load_config(isolated_env / ".aws" / "config", home=isolated_env)
    with pytest.raises(ConfigError, match=r"^~/\.aws/config \[profile dev\] endpoint_url = 'nope'"):
        resolve_endpoints(cfg, cfg.profiles["dev"], "us-east-1", NO_ENV)
    with pytest.raises(ConfigError, match=r"^~/\.aws/config \[profile dev\] endpoint_url"):
        resolve_endpoints(cfg, dict(cfg.profiles["dev"]), "us-east-1", NO_ENV, profile_name="dev")
