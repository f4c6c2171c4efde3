"""ssoenv.endpoints against botocore, the oracle: for each precedence case the base URLs
must be those of the requests botocore's own `sso-oidc` and `sso` clients send (captured
before sending), the STS endpoint and signing region those of its `sts` client's
AssumeRole, and a configuration botocore refuses must be refused too.
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
from ssoenv.endpoints import (
    _LEGACY_GLOBAL_STS_REGIONS,
    StsEndpoint,
    _partition,
    resolve_endpoints,
    resolve_sts_endpoint,
)
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


# ------------------------------------------------------------------ STS

STS_SERVICES = "[services local]\nsts =\n  endpoint_url = http://svc-sts:3/v1/\n"

# id: (config text, environment, the client's region: None for none configured)
STS_CASES: dict[str, tuple[str, dict[str, str], str | None]] = {
    "default-regional": ("", {}, "us-east-1"),
    "regional-eu": ("", {}, "eu-west-1"),
    "opt-in-region": ("", {}, "af-south-1"),
    "china": ("", {}, "cn-north-1"),
    "govcloud": ("", {}, "us-gov-west-1"),
    "eusc": ("", {}, "eusc-de-east-1"),
    "iso": ("", {}, "us-iso-east-1"),
    "unknown-region-aws-partition": ("", {}, "zz-top-1"),
    "no-region": ("", {}, None),
    "aws-global": ("", {}, "aws-global"),
    "legacy-env-us-east-1": ("", {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"}, "us-east-1"),
    "legacy-env-ap-south-1": ("", {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"}, "ap-south-1"),
    "legacy-env-opt-in-region": ("", {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"}, "af-south-1"),
    "legacy-env-china": ("", {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"}, "cn-north-1"),
    "legacy-profile": ("sts_regional_endpoints = legacy\n", {}, "eu-west-2"),
    "regional-profile": ("sts_regional_endpoints = regional\n", {}, "eu-west-2"),
    "empty-env-beats-legacy-profile": (
        "sts_regional_endpoints = legacy\n",
        {"AWS_STS_REGIONAL_ENDPOINTS": ""},
        "us-west-2",
    ),
    "regional-env-beats-legacy-profile": (
        "sts_regional_endpoints = legacy\n",
        {"AWS_STS_REGIONAL_ENDPOINTS": "regional"},
        "us-west-2",
    ),
    "legacy-and-fips": (
        "",
        {"AWS_STS_REGIONAL_ENDPOINTS": "legacy", "AWS_USE_FIPS_ENDPOINT": "true"},
        "us-east-1",
    ),
    "legacy-and-dualstack": (
        "sts_regional_endpoints = legacy\nuse_dualstack_endpoint = true\n",
        {},
        "eu-west-1",
    ),
    "fips": ("", {"AWS_USE_FIPS_ENDPOINT": "true"}, "us-east-2"),
    "fips-govcloud": ("use_fips_endpoint = true\n", {}, "us-gov-east-1"),
    "fips-china": ("", {"AWS_USE_FIPS_ENDPOINT": "true"}, "cn-northwest-1"),
    "dualstack": ("", {"AWS_USE_DUALSTACK_ENDPOINT": "true"}, "ap-northeast-1"),
    "fips-and-dualstack": (
        "",
        {"AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "true"},
        "us-west-1",
    ),
    "no-region-fips": ("", {"AWS_USE_FIPS_ENDPOINT": "true"}, None),
    "no-region-dualstack": ("", {"AWS_USE_DUALSTACK_ENDPOINT": "true"}, None),
    "aws-global-fips": ("", {"AWS_USE_FIPS_ENDPOINT": "true"}, "aws-global"),
    "aws-global-configured": ("", {"AWS_ENDPOINT_URL_STS": "http://s:2"}, "aws-global"),
    "aws-global-legacy": ("", {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"}, "aws-global"),
    "env-sts": ("", {"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:8125"}, "us-east-1"),
    "env-sts-trailing-slash-kept": (
        "",
        {"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:8125/"},
        "eu-west-1",
    ),
    "env-global-with-path": (
        "",
        {"AWS_ENDPOINT_URL": "https://proxy.example.com/aws"},
        "us-east-1",
    ),
    "env-global-path-and-slash": (
        "",
        {"AWS_ENDPOINT_URL": "https://proxy.example.com/aws/"},
        "us-east-1",
    ),
    "env-sts-beats-global": (
        "",
        {"AWS_ENDPOINT_URL": "http://g:1", "AWS_ENDPOINT_URL_STS": "http://s:2"},
        "us-east-1",
    ),
    "env-sts-empty-is-skipped": (
        "",
        {"AWS_ENDPOINT_URL_STS": "", "AWS_ENDPOINT_URL": "http://g:1"},
        "us-east-1",
    ),
    "env-sso-is-not-sts": (
        "",
        {"AWS_ENDPOINT_URL_SSO": "http://s:2", "AWS_ENDPOINT_URL_SSO_OIDC": "http://o:3"},
        "us-east-1",
    ),
    "services-sts": ("services = local\n" + STS_SERVICES, {}, "us-east-1"),
    "services-sso-only": ("services = local\n" + SERVICES, {}, "eu-central-1"),
    "services-beat-profile-url": (
        "services = local\nendpoint_url = http://profile:1\n" + STS_SERVICES,
        {},
        "us-east-1",
    ),
    "env-beats-services": (
        "services = local\n" + STS_SERVICES,
        {"AWS_ENDPOINT_URL": "http://g:1"},
        "us-east-1",
    ),
    "profile-url": ("endpoint_url = http://localstack:4566\n", {}, "us-east-1"),
    "profile-url-beats-legacy-and-fips": (
        "endpoint_url = http://localstack:4566\nsts_regional_endpoints = legacy\n"
        "use_fips_endpoint = true\n",
        {},
        "us-east-1",
    ),
    "ignore-env": (
        "endpoint_url = http://p:1\n",
        {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_ENDPOINT_URL_STS": "http://s:2"},
        "eu-west-3",
    ),
    "ignore-profile-then-legacy": (
        "ignore_configured_endpoint_urls = true\nendpoint_url = http://p:1\n"
        "sts_regional_endpoints = legacy\n",
        {},
        "eu-west-3",
    ),
    "ipv6-host": ("endpoint_url = http://[::1]:8080\n", {}, "us-east-1"),
}


def botocore_sts(profile: str, region: str | None) -> StsEndpoint:
    """The URL botocore's STS client POSTs AssumeRole to, and the region it signs for
    (read back from the credential scope of its Authorization header)."""
    session = botocore.session.Session(profile=profile)
    session.register_component("data_loader", _LOADER)
    client = session.create_client(
        "sts", region_name=region, aws_access_key_id="a", aws_secret_access_key="s"
    )
    client.meta.events.register("before-send", _capture_request)
    with pytest.raises(_Sent) as sent:
        client.assume_role(RoleArn="arn:aws:iam::123456789012:role/r", RoleSessionName="ssoenv")
    request = sent.value.args[0]
    scope = request.headers["Authorization"].decode().split("Credential=", 1)[1].split(",")[0]
    return StsEndpoint(url=request.url, signing_region=scope.split("/")[2])


def _capture_request(request: Any, **_: Any) -> None:
    raise _Sent(request)


def ours_sts(home: Path, profile: str, region: str | None) -> StsEndpoint:
    cfg = load_config(home / ".aws" / "config", home=home)
    section = cfg.profiles.get(profile, {})
    return resolve_sts_endpoint(cfg, section, region, Settings.from_environ(os.environ))


@pytest.mark.parametrize(("text", "env", "region"), STS_CASES.values(), ids=STS_CASES.keys())
def test_sts_endpoint_matches_botocore(
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    env: dict[str, str],
    region: str | None,
) -> None:
    setup_case(isolated_env, monkeypatch, text, env)
    assert ours_sts(isolated_env, "dev", region) == botocore_sts("dev", region)


def test_sts_known_endpoints(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hosts spelled out: regional by default (botocore's default since 1.36,
    AWS CLI v2's always), global only for a listed region under `legacy`."""
    setup_case(isolated_env, monkeypatch, "", {})
    assert ours_sts(isolated_env, "dev", "eu-west-1") == StsEndpoint(
        "https://sts.eu-west-1.amazonaws.com/", "eu-west-1"
    )
    assert ours_sts(isolated_env, "dev", "cn-north-1").url == (
        "https://sts.cn-north-1.amazonaws.com.cn/"
    )
    assert ours_sts(isolated_env, "dev", None) == StsEndpoint(
        "https://sts.amazonaws.com/", "us-east-1"
    )
    monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "legacy")
    assert ours_sts(isolated_env, "dev", "eu-west-1") == StsEndpoint(
        "https://sts.amazonaws.com/", "us-east-1"
    )
    assert ours_sts(isolated_env, "dev", "eu-south-1") == StsEndpoint(
        "https://sts.eu-south-1.amazonaws.com/", "eu-south-1"
    )


def test_legacy_global_sts_regions_are_botocores() -> None:
    import botocore.args

    assert set(botocore.args.LEGACY_GLOBAL_STS_REGIONS) == _LEGACY_GLOBAL_STS_REGIONS


STS_REFUSED: dict[str, tuple[str, dict[str, str], str | None, str]] = {
    "env-case-counts": (
        "",
        {"AWS_STS_REGIONAL_ENDPOINTS": "Legacy"},
        "us-east-1",
        "AWS_STS_REGIONAL_ENDPOINTS must be legacy or regional, not 'Legacy'",
    ),
    "profile-unknown-value": (
        "sts_regional_endpoints = global\n",
        {},
        "us-east-1",
        "~/.aws/config [profile dev] sts_regional_endpoints must be legacy or regional, "
        "not 'global'",
    ),
    "bad-value-with-a-configured-endpoint": (
        "endpoint_url = http://localstack:4566\nsts_regional_endpoints = nope\n",
        {},
        "us-east-1",
        "sts_regional_endpoints must be legacy or regional, not 'nope'",
    ),
    "configured-endpoint-without-region": (
        "",
        {"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1"},
        None,
        "AWS_ENDPOINT_URL_STS sets the STS endpoint, but no region is configured",
    ),
    "bad-env-sts": (
        "",
        {"AWS_ENDPOINT_URL_STS": "not a url"},
        "us-east-1",
        "AWS_ENDPOINT_URL_STS = 'not a url' is not a valid endpoint URL",
    ),
    "bad-services-sts-url": (
        "services = v\n[services v]\nsts =\n  endpoint_url = http://-bad-:1\n",
        {},
        "us-east-1",
        "[services v] sts.endpoint_url = 'http://-bad-:1'",
    ),
    "missing-services-section": ("services = nope\n", {}, "us-east-1", "services = nope"),
}


@pytest.mark.parametrize(
    ("text", "env", "region", "fragment"), STS_REFUSED.values(), ids=STS_REFUSED.keys()
)
def test_sts_refused_like_botocore(
    isolated_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    env: dict[str, str],
    region: str | None,
    fragment: str,
) -> None:
    setup_case(isolated_env, monkeypatch, text, env)
    with pytest.raises(
        (
            botocore.exceptions.InvalidConfigError,
            botocore.exceptions.InvalidSTSRegionalEndpointsConfigError,
            botocore.exceptions.NoRegionError,
            ValueError,
        )
    ):
        botocore_sts("dev", region)
    with pytest.raises(ConfigError) as caught:
        ours_sts(isolated_env, "dev", region)
    err = caught.value
    assert fragment in str(err)
    assert "\n" not in str(err)
    assert err.hint
    assert err.exit_code == ExitCode.CONFIG


@pytest.mark.parametrize("region", ["us_east_1", "123", "-us", "a" * 64, ""])
def test_sts_invalid_region_refused_like_botocore(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, region: str
) -> None:
    setup_case(isolated_env, monkeypatch, "", {})
    with pytest.raises((botocore.exceptions.InvalidRegionError, ValueError)):
        botocore_sts("dev", region)
    with pytest.raises(ConfigError, match="is not a valid region name"):
        ours_sts(isolated_env, "dev", region)
