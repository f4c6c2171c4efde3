"""Client of the AWS console's federation endpoint (`/federation` on the sign-in
host), as Granted's `assume -c` and aws-vault's `login` use it: `getSigninToken`
turns role credentials into a sign-in token, and the `Action=login` URL holding
the token opens the console signed in as the role. Whoever opens that URL within
15 minutes is signed in: the URL is a credential, never logged or shown here.

The choices, each against what the peers do:
- Endpoint: the one configured as botocore configures its `signin` client
  (AWS_ENDPOINT_URL_SIGNIN first, ssoenv.endpoints), with `/federation` added as
  botocore adds an operation's path to a configured endpoint (one that already
  ends in `/federation` is taken as it is); else the partition's global sign-in
  host, as AWS's documentation and aws-vault name them. Global rather than
  `{region}.signin.aws.amazon.com` (Granted): it serves every region, opt-in ones
  not enabled in the account too, and the token is spent where it was issued.
- Destination: the console's regional address,
  `https://{region}.console.aws.amazon.com/console/home?region={region}`, as both
  aws-vault and Granted build it: the console's own address for a region since
  2023, so the browser lands there without a redirect. GovCloud and China keep
  one console host, the region in the query. Without a region: the console home.
- The token request is a form POST, the credentials in its body. AWS documents a
  GET with the credentials in the query string (aws-vault and Granted send that);
  the endpoint reads the same parameters from a form body (the emulator does too,
  and vouch's `aws console` POSTs them). A body is in no proxy's log of URLs and
  in no connection error's text, which quotes the URL.
- `SessionDuration` (900 to 43200 seconds) only when asked for: AWS refuses it,
  with HTTP 400 "Invalid credentials parameter", for credentials of role chaining
  (a role assumed with another role's credentials) and of GetFederationToken.
  Neither aws-vault nor Granted sends it.
- `Issuer` empty, as Granted sends it: it is the page the console sends a person
  to when the session ends, and ssoenv has no such page (aws-vault's
  `Issuer=aws-vault` is not a URL).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

from ssoenv.errors import AwsApiError, ConfigError
from ssoenv.http import HttpClient
from ssoenv.model import RoleCredentials

FEDERATION_PATH = "/federation"
TOKEN_MINUTES = 15  # how long a sign-in token (and the URL holding it) can be used
MIN_SESSION_SECONDS = 900
MAX_SESSION_SECONDS = 43200
SERVICE_LABEL = "the AWS sign-in endpoint"  # the server, as messages name it

# Partition -> (its global sign-in host, its console host). The other partitions
# (aws-iso*, aws-eusc) have no public console ssoenv knows of.
_HOSTS = {
    "aws": ("signin.aws.amazon.com", "console.aws.amazon.com"),
    "aws-us-gov": ("signin.amazonaws-us-gov.com", "console.amazonaws-us-gov.com"),
    "aws-cn": ("signin.amazonaws.cn", "console.amazonaws.cn"),
}


def federation_endpoint(partition: str, configured: str | None) -> str:
    """The URL of the federation endpoint: the configured endpoint (a base URL, as
    ssoenv.endpoints.configured_signin_endpoint gives it) or the partition's host."""
    if configured is not None:
        parts = urlsplit(configured)
        if parts.query or parts.fragment:
            raise ConfigError(
                f"the sign-in endpoint {configured!r} has a query or fragment",
                hint="set AWS_ENDPOINT_URL_SIGNIN to a URL such as https://host[:port][/path]",
            )
        if parts.path.rstrip("/").endswith(FEDERATION_PATH):
            return configured.rstrip("/")
        return configured.rstrip("/") + FEDERATION_PATH
    return f"https://{_hosts(partition)[0]}{FEDERATION_PATH}"


def console_destination(partition: str, region: str | None) -> str:
    """The console's home page in `region` (None: the console's default region)."""
    host = _hosts(partition)[1]
    if region is None:
        return f"https://{host}/console/home"
    if partition == "aws":
        return f"https://{region}.{host}/console/home?region={region}"
    return f"https://{host}/console/home?region={region}"


def _hosts(partition: str) -> tuple[str, str]:
    hosts = _HOSTS.get(partition)
    if hosts is None:
        raise ConfigError(
            f"no AWS console is known for the partition {partition}",
            hint="set AWS_ENDPOINT_URL_SIGNIN to its sign-in endpoint and give --destination",
        )
    return hosts


def signin_token(
    http: HttpClient,
    endpoint: str,
    credentials: RoleCredentials,
    *,
    session_duration: int | None = None,
) -> str:
    """A sign-in token for `credentials` (temporary ones: role credentials), from the
    federation endpoint at `endpoint`; `session_duration` (seconds) asks for a
    console session of that length."""
    session = json.dumps(
        {
            "sessionId": credentials.access_key_id,
            "sessionKey": credentials.secret_access_key,
            "sessionToken": credentials.session_token,
        }
    )
    form = [("Action", "getSigninToken")]
    if session_duration is not None:
        form.append(("SessionDuration", str(session_duration)))
    form.append(("Session", session))
    try:
        answer = http.call_form(endpoint, form, operation="GetSigninToken", service=SERVICE_LABEL)
    except AwsApiError as error:
        raise _refused(error, session_duration) from error
    token = answer.get("SigninToken")
    # It goes into a URL and a browser's argv: printable ASCII only.
    if not isinstance(token, str) or not token or not (token.isascii() and token.isprintable()):
        raise AwsApiError("UnexpectedResponse", f"{SERVICE_LABEL} sent no valid sign-in token")
    return token


def _refused(error: AwsApiError, session_duration: int | None) -> AwsApiError:
    """The endpoint's refusal, said in terms of what the person asked for."""
    if error.transient or not 400 <= error.status < 500:
        return error  # throttling, server errors: already said, after the retries
    said = f": {error.message}" if error.message else ""
    if session_duration is not None:
        return AwsApiError(
            error.code,
            f"{SERVICE_LABEL} refused these credentials with a console session duration{said}",
            status=error.status,
            hint="AWS refuses --duration for credentials of role chaining (a role assumed with "
            "another role's credentials): run it again without --duration",
        )
    return AwsApiError(
        error.code,
        f"{SERVICE_LABEL} refused these credentials{said}",
        status=error.status,
        hint="they may have been revoked or just expired: try again in a minute",
    )


def login_url(endpoint: str, token: str, destination: str) -> str:
    """The URL that signs a browser in with `token` and opens `destination`."""
    query = urlencode(
        [("Action", "login"), ("Issuer", ""), ("Destination", destination), ("SigninToken", token)]
    )
    return f"{endpoint}?{query}"
