"""Base URLs of the SSO OIDC and SSO portal APIs, and the STS endpoint with the
region its requests are signed for, chosen exactly as botocore chooses them.

Owns the precedence of endpoint overrides (docs/protocol.md#endpoint-overrides: ignore
flag, AWS_ENDPOINT_URL_*, AWS_ENDPOINT_URL, `services` sections, the profile's endpoint_url)
and the default hosts of the three services' endpoint rule sets
(docs/protocol.md#regions-and-partitions: partitions, FIPS, dual-stack; for STS also
the global endpoint of `sts_regional_endpoints = legacy`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ssoenv.errors import ConfigError
from ssoenv.model import Endpoints
from ssoenv.values import frozen

TYPE_CHECKING = False  # True for type checkers; `typing` costs every `ssoenv use` ~5 ms
if TYPE_CHECKING:
    from ssoenv.config import ConfigFile
    from ssoenv.settings import Settings

ProfileSection = Mapping[str, str | dict[str, str]]

# botocore's validate_region_name (a host label; it is put into the host name).
_REGION_RE = re.compile(r"(?![0-9]+$)(?!-)[a-zA-Z0-9-]{,63}(?<!-)")
# botocore.utils.is_valid_endpoint_url's host name rule; only endpoints set by hand
# need it, so it is compiled (by re's cache) on first use.
_HOST_PATTERN = r"((?!-)[A-Z\d-]{1,63}(?<!-)\.)*((?!-)[A-Z\d-]{1,63}(?<!-))"


def valid_region(region: str) -> bool:
    """botocore's region name rule (an empty name passes, as in botocore)."""
    return _REGION_RE.fullmatch(region) is not None


@frozen
class _Partition:
    name: str
    region_regex: str
    regions: tuple[str, ...]  # listed regions the regex does not match
    dns_suffix: str
    dual_stack_dns_suffix: str


# botocore/data/partitions.json, in its order (the first match wins, "aws" is the fallback).
# Every partition supports FIPS and dual-stack today; tests compare this table with botocore's.
_PARTITIONS = (
    _Partition("aws", r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$", ("aws-global",),
               "amazonaws.com", "api.aws"),
    _Partition("aws-cn", r"^cn\-\w+\-\d+$", ("aws-cn-global",),
               "amazonaws.com.cn", "api.amazonwebservices.com.cn"),
    _Partition("aws-eusc", r"^eusc\-(de)\-\w+\-\d+$", (),
               "amazonaws.eu", "api.amazonwebservices.eu"),
    _Partition("aws-iso", r"^us\-iso\-\w+\-\d+$", ("aws-iso-global",),
               "c2s.ic.gov", "api.aws.ic.gov"),
    _Partition("aws-iso-b", r"^us\-isob\-\w+\-\d+$", ("aws-iso-b-global",),
               "sc2s.sgov.gov", "api.aws.scloud"),
    _Partition("aws-iso-e", r"^eu\-isoe\-\w+\-\d+$", ("aws-iso-e-global",),
               "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"),
    _Partition("aws-iso-f", r"^us\-isof\-\w+\-\d+$", ("aws-iso-f-global",),
               "csp.hci.ic.gov", "api.aws.hci.ic.gov"),
    _Partition("aws-us-gov", r"^us\-gov\-\w+\-\d+$", ("aws-us-gov-global",),
               "amazonaws.com", "api.aws"),
)  # fmt: skip

# (snake-case service id, host prefix) for the OIDC API, the portal API and STS.
_OIDC = ("sso_oidc", "oidc")
_PORTAL = ("sso", "portal.sso")
_STS = ("sts", "sts")
# botocore's Signin service (AWS_ENDPOINT_URL_SIGNIN): the console sign-in host, whose
# default hosts per partition ssoenv.signin knows.
_SIGNIN = ("signin", "signin")

# botocore's LEGACY_GLOBAL_STS_REGIONS: with `sts_regional_endpoints = legacy`, STS
# clients of these regions call the global endpoint (tests compare with botocore).
_LEGACY_GLOBAL_STS_REGIONS = frozenset(
    {
        "ap-northeast-1",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "aws-global",
        "ca-central-1",
        "eu-central-1",
        "eu-north-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    }
)
_STS_GLOBAL_URL = "https://sts.amazonaws.com"
_STS_GLOBAL_SIGNING_REGION = "us-east-1"


@frozen
class StsEndpoint:
    """Where STS calls go, and the region their SigV4 signature names."""

    url: str  # the URL an STS Query API call is POSTed to, as botocore POSTs it
    signing_region: str


def resolve_endpoints(
    cfg: ConfigFile,
    profile_section: ProfileSection,
    sso_region: str,
    settings: Settings,
    *,
    profile_name: str | None = None,
) -> Endpoints:
    """The base URLs (no trailing slash) botocore would use for `sso-oidc` and `sso`
    clients created with region `sso_region` in a session of this profile."""
    if not valid_region(sso_region) or not sso_region:
        raise ConfigError(
            f"sso_region {sso_region!r} is not a valid region name",
            hint="use the region code of your IAM Identity Center instance, e.g. us-east-1",
        )
    where = _profile_where(cfg, profile_section, profile_name)
    return Endpoints(
        oidc=_endpoint(cfg, profile_section, _OIDC, sso_region, settings, where),
        portal=_endpoint(cfg, profile_section, _PORTAL, sso_region, settings, where),
    )


def _profile_where(cfg: ConfigFile, section: ProfileSection, name: str | None) -> str:
    if name is None:  # the caller passed cfg.profiles[name] itself: find its name
        name = next((n for n, s in cfg.profiles.items() if s is section), None)
    return cfg.source("profile", name) if name is not None else cfg.display_path()


def resolve_sts_endpoint(
    cfg: ConfigFile,
    profile_section: ProfileSection,
    region: str | None,
    settings: Settings,
    *,
    profile_name: str | None = None,
) -> StsEndpoint:
    """The endpoint of an `sts` client botocore would create with `region` (None:
    no region configured) in a session of this profile, and its signing region."""
    if region is not None and (not region or not valid_region(region)):
        raise ConfigError(
            f"region {region!r} is not a valid region name",
            hint="set the profile's region to a region code, e.g. us-east-1",
        )
    where = _profile_where(cfg, profile_section, profile_name)
    # Read (and a bad value refused) whatever the endpoint, as botocore does.
    legacy = _sts_regional_endpoints(settings, profile_section, where) == "legacy"
    configured = _configured_endpoint(cfg, profile_section, _STS, settings, where)
    if configured is not None:
        if region is None:  # botocore: NoRegionError; the signature needs a region
            raise ConfigError(
                f"{configured[1]} sets the STS endpoint, but no region is configured "
                "to sign its requests for",
                hint="set region in the profile, or AWS_REGION",
            )
        return StsEndpoint(_post_url(*configured), region)
    if region is None:
        # botocore's STS clients without a region are of the pseudo-region aws-global.
        region = "aws-global"
    fips = _flag(settings.aws_use_fips_endpoint, profile_section, "use_fips_endpoint")
    dual = _flag(settings.aws_use_dualstack_endpoint, profile_section, "use_dualstack_endpoint")
    if (
        not fips
        and not dual
        and (region == "aws-global" or (legacy and region in _LEGACY_GLOBAL_STS_REGIONS))
    ):
        return StsEndpoint(_STS_GLOBAL_URL + "/", _STS_GLOBAL_SIGNING_REGION)
    # aws-global's requests are signed for us-east-1 at any host (endpoints.json's
    # credential scope); a configured endpoint, above, signs for the region as named.
    signing = _STS_GLOBAL_SIGNING_REGION if region == "aws-global" else region
    return StsEndpoint(_default_url(_STS[1], region, fips=fips, dual_stack=dual) + "/", signing)


def configured_signin_endpoint(
    cfg: ConfigFile,
    profile_section: ProfileSection,
    settings: Settings,
    *,
    profile_name: str | None = None,
) -> str | None:
    """The sign-in endpoint configured for this profile, as botocore configures a
    `signin` client's (AWS_ENDPOINT_URL_SIGNIN, AWS_ENDPOINT_URL, the services
    section's `signin`, the profile's endpoint_url; none when configured endpoints
    are ignored), without its trailing slash; None: the partition's own host."""
    where = _profile_where(cfg, profile_section, profile_name)
    configured = _configured_endpoint(cfg, profile_section, _SIGNIN, settings, where)
    return None if configured is None else _checked(*configured)


def partition_name(region: str) -> str:
    """The partition of `region` (aws, aws-cn, aws-us-gov...), as partitions.json says."""
    return _partition(region).name


def _sts_regional_endpoints(settings: Settings, section: ProfileSection, where: str) -> str:
    """`legacy` or `regional` (the default): AWS_STS_REGIONAL_ENDPOINTS, which wins
    whenever it is set, or the profile's sts_regional_endpoints. Empty is the default;
    anything else is refused, as botocore refuses it (case counts)."""
    variable = settings.aws_sts_regional_endpoints
    value = variable if variable is not None else section.get("sts_regional_endpoints")
    origin = (
        "AWS_STS_REGIONAL_ENDPOINTS" if variable is not None else f"{where} sts_regional_endpoints"
    )
    if isinstance(value, dict):
        raise ConfigError(
            f"{origin} must be legacy or regional, not an indented sub-section",
            hint="write sts_regional_endpoints = regional (the default) or legacy",
        )
    if not value:
        return "regional"
    if value not in ("legacy", "regional"):
        raise ConfigError(
            f"{origin} must be legacy or regional, not {value[:40]!r}",
            hint="use regional (the default, and what AWS recommends) or legacy",
        )
    return value


def _post_url(url: str, origin: str) -> str:
    """A configured STS endpoint as botocore POSTs to it: as written, with `/` for an
    empty path (a trailing slash is kept, and changes what is signed)."""
    from urllib.parse import urlsplit  # only for an endpoint set by hand

    _checked(url, origin)
    return url if urlsplit(url).path else url + "/"


def _endpoint(
    cfg: ConfigFile,
    section: ProfileSection,
    service: tuple[str, str],
    region: str,
    settings: Settings,
    where: str,
) -> str:
    configured = _configured_endpoint(cfg, section, service, settings, where)
    if configured is not None:
        # A configured endpoint switches FIPS and dual-stack off (botocore's args.py).
        return _checked(*configured)
    fips = _flag(settings.aws_use_fips_endpoint, section, "use_fips_endpoint")
    dual = _flag(settings.aws_use_dualstack_endpoint, section, "use_dualstack_endpoint")
    return _default_url(service[1], region, fips=fips, dual_stack=dual)


def _configured_endpoint(
    cfg: ConfigFile,
    section: ProfileSection,
    service: tuple[str, str],
    settings: Settings,
    where: str,
) -> tuple[str, str] | None:
    """The endpoint URL configured for `service` and where it was set, unless
    configured endpoints are ignored."""
    ignore = _flag(settings.aws_ignore_configured_endpoint_urls, section,
                   "ignore_configured_endpoint_urls")  # fmt: skip
    return None if ignore else _configured(cfg, section, service[0], settings, where)


def _flag(variable: str | None, section: ProfileSection, key: str) -> bool:
    # botocore's config chain: the variable wins whenever it is set, even to "" (= false);
    # utils.ensure_boolean: only "true", in any case, is true.
    value = variable if variable is not None else section.get(key)
    return isinstance(value, str) and value.lower() == "true"


def _configured(
    cfg: ConfigFile,
    section: ProfileSection,
    service_id: str,
    settings: Settings,
    where: str,
) -> tuple[str, str] | None:
    """ConfiguredEndpointProvider: (url, where it came from), or None. Empty values skip."""
    # The service's own AWS_ENDPOINT_URL_<SERVICE ID>, then AWS_ENDPOINT_URL.
    own = {
        "sso_oidc": settings.aws_endpoint_url_sso_oidc,
        "sso": settings.aws_endpoint_url_sso,
        "sts": settings.aws_endpoint_url_sts,
        "signin": settings.aws_endpoint_url_signin,
    }
    for variable, value in (
        (f"AWS_ENDPOINT_URL_{service_id.upper()}", own[service_id]),
        ("AWS_ENDPOINT_URL", settings.aws_endpoint_url),
    ):
        if value:
            return value, variable
    if "services" in section:
        services_name, services = _services_section(cfg, section, where)
        sub = services.get(service_id, {})
        label = f"{cfg.source('services', services_name)} {service_id}"
        if not isinstance(sub, dict):
            raise ConfigError(
                f"{label} must be an indented sub-section, not a value",
                hint=f"write '{service_id} =' then indented lines such as "
                "'  endpoint_url = https://...'",
            )
        if sub.get("endpoint_url"):  # sub-section keys keep their case: botocore's too
            return sub["endpoint_url"], f"{label}.endpoint_url"
    url = section.get("endpoint_url")
    if isinstance(url, dict):
        raise ConfigError(f"{where}: endpoint_url must be a URL, not an indented sub-section")
    return (url, f"{where} endpoint_url") if url else None


def _services_section(
    cfg: ConfigFile, section: ProfileSection, where: str
) -> tuple[str, Mapping[str, str | dict[str, str]]]:
    name = section["services"]
    if isinstance(name, str) and cfg.services.get(name):
        return name, cfg.services[name]
    shown = name if isinstance(name, str) else "(a sub-section)"
    raise ConfigError(  # botocore: the section is missing or empty
        f"{where}: services = {shown}, but the [services {shown}] section "
        "does not exist or is empty",
        hint=f"add a [services {shown}] section, or remove the services line",
    )


def _checked(url: str, origin: str) -> str:
    """`url` without its trailing slash, if it is http(s)://host[:port][/path]."""
    if not _valid_url(url):
        raise ConfigError(
            f"{origin} = {url!r} is not a valid endpoint URL",
            hint="use http://host[:port][/path] or https://host[:port][/path]",
        )
    return url.rstrip("/")


def _valid_url(url: str) -> bool:
    import ipaddress  # only for an endpoint set by hand
    from urllib.parse import urlsplit

    if any(c.isspace() or ord(c) < 32 for c in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        return False
    host = parts.hostname
    if parts.scheme.lower() not in ("http", "https") or not host or len(host) > 255:
        return False
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return bool(re.fullmatch(_HOST_PATTERN, host.removesuffix("."), re.IGNORECASE))
    return True


def _partition(region: str) -> _Partition:
    for partition in _PARTITIONS:
        if region in partition.regions or re.match(partition.region_regex, region):
            return partition
    return _PARTITIONS[0]


def _default_url(prefix: str, region: str, *, fips: bool, dual_stack: bool) -> str:
    """The endpoint rule set of the three services (they differ only in the host prefix
    and, for STS, the global endpoint resolve_sts_endpoint chooses first)."""
    partition = _partition(region)
    fips_prefix = prefix + "-fips"  # oidc-fips, portal.sso-fips
    if fips and dual_stack:
        host = f"{fips_prefix}.{region}.{partition.dual_stack_dns_suffix}"
    elif fips and partition.name == "aws-us-gov":
        host = f"{prefix}.{region}.amazonaws.com"  # GovCloud hosts are FIPS already
    elif fips:
        host = f"{fips_prefix}.{region}.{partition.dns_suffix}"
    elif dual_stack:
        host = f"{prefix}.{region}.{partition.dual_stack_dns_suffix}"
    else:
        host = f"{prefix}.{region}.{partition.dns_suffix}"
    return f"https://{host}"
