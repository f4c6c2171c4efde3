"""Exit codes and the typed errors every layer raises; the CLI edge maps them to
one line on stderr. Imports nothing from ssoenv."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes (README, `ssoenv --help`)."""

    OK = 0
    UNEXPECTED = 1  # a bug: please report it (run again with --debug for a traceback)
    USAGE = 2  # bad command-line arguments (the CLI framework's own code)
    CONFIG = 3  # ~/.aws/config is unreadable, malformed or incomplete; unknown profile
    LOGIN_REQUIRED = 4  # no valid SSO session and no login allowed: run `ssoenv login`
    LOGIN_FAILED = 5  # the login was denied, timed out or expired
    ACCESS_DENIED = 6  # the role or account is not assigned to you
    AWS_ERROR = 7  # IAM Identity Center or STS answered with another error
    NETWORK = 8  # IAM Identity Center could not be reached in time
    # Partly done: a command over many items (logout's cached sessions, populate's
    # roles) finished the good ones and named each bad one in a line on stderr.
    # What it prints on stdout is still complete: logout's unset code must be applied.
    PARTIAL = 9
    INTERRUPTED = 130  # Ctrl-C


# Error codes that mean "later": throttling and server faults (JSON APIs), and the
# Query APIs' throttling, which STS answers with HTTP 400.
RETRYABLE_CODES = frozenset(
    {"TooManyRequestsException", "InternalServerException", "SlowDown", "Throttling"}
)


class SsoenvError(Exception):
    """A foreseeable problem, told to a person in one line plus an optional hint.

    `transient` classifies it for whoever must decide what to do next (the prompt
    hook, its badge): True when a later try may succeed with nothing done by the
    user (the network, a failing or throttling server, a busy lock); False when
    the user must act (an ended session needs a login, a role taken away or a
    broken config needs a fix)."""

    exit_code: ExitCode = ExitCode.UNEXPECTED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    @property
    def transient(self) -> bool:
        return False


class UsageError(SsoenvError):
    exit_code = ExitCode.USAGE


class ConfigError(SsoenvError):
    exit_code = ExitCode.CONFIG


class LoginRequired(SsoenvError):
    exit_code = ExitCode.LOGIN_REQUIRED


class LoginFailed(SsoenvError):
    exit_code = ExitCode.LOGIN_FAILED


class AccessDenied(SsoenvError):
    exit_code = ExitCode.ACCESS_DENIED


class AwsApiError(SsoenvError):
    """An error answer of the OIDC or portal API, classified as botocore does."""

    exit_code = ExitCode.AWS_ERROR

    def __init__(
        self, code: str, message: str, *, status: int = 0, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.code = code
        self.status = status

    @property
    def transient(self) -> bool:
        return self.status == 429 or self.status >= 500 or self.code in RETRYABLE_CODES


class NetworkError(SsoenvError):
    exit_code = ExitCode.NETWORK

    @property
    def transient(self) -> bool:
        return True


class Interrupted(SsoenvError):
    exit_code = ExitCode.INTERRUPTED
