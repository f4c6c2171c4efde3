"""The account assignments of one SSO session (the accounts and roles the portal
offers it), for `accounts`, `populate` and `configure`: ListAccounts page by
page (one cursor), then ListAccountRoles for every account, a bounded number at a
time. Results come back sorted, whatever order the answers arrive in."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from ssoenv import engine, portal
from ssoenv.config import ConfigFile, resolve_session, session_names
from ssoenv.errors import AwsApiError, ConfigError, LoginRequired, UsageError
from ssoenv.http import HttpClient
from ssoenv.log import Logger
from ssoenv.model import Endpoints, SsoSession
from ssoenv.values import frozen

log = Logger("ssoenv.assignments")

# Enough to hide the round-trip time of a large organisation without looking like
# a flood to the portal's throttling (429s are retried by the HTTP client anyway).
DEFAULT_WORKERS = 8
# From this many accounts on, progress is reported even when stderr is not a terminal.
LARGE_ORG = 100

Progress = Callable[[int, int], None]  # (accounts done, accounts in all)


@frozen
class Account:
    account_id: str
    name: str
    email: str
    roles: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "accountId": self.account_id,
            "accountName": self.name,
            "emailAddress": self.email,
            "roles": list(self.roles),
        }


def choose_session(cfg: ConfigFile, name: str | None) -> SsoSession:
    """The named [sso-session], or the only one in the file."""
    if name is not None:
        return resolve_session(cfg, name)
    names = session_names(cfg)
    if len(names) == 1:
        return resolve_session(cfg, names[0])
    if not names:
        raise ConfigError(
            f"{cfg.display_path()} has no [sso-session] section",
            hint="create one with `ssoenv configure sso-session`, or name a profile that "
            "logs in (a legacy one too) with --profile",
        )
    raise UsageError(
        f"{cfg.display_path()} has {len(names)} sso-sessions; choose one with --sso-session",
        hint=f"one of: {', '.join(names)}",
    )


def fetch(
    ctx: engine.Context,
    session: SsoSession,
    endpoints: Endpoints,
    *,
    allow_login: bool,
    workers: int = DEFAULT_WORKERS,
    on_progress: Progress | None = None,
) -> list[Account]:
    """Every account and its roles, with the session's token (logging in if allowed).

    A token the portal refuses is replaced as `use` replaces it (engine.replacement:
    a refresh, else the login offered to a person at a terminal, else one line
    naming `ssoenv login --sso-session NAME`), and the listing starts again."""
    token = engine.session_token(ctx, session, endpoints, allow_login=allow_login)

    def new_client() -> HttpClient:
        return HttpClient(ctx.policy, sleep=ctx.sleep)

    def listing(access_token: str) -> list[Account]:
        return list_assignments(
            new_client, endpoints.portal, access_token, workers=workers, on_progress=on_progress
        )

    try:
        return listing(token.access_token)
    except LoginRequired:
        pass
    fresh = engine.replacement(ctx, session, endpoints, token, allow_login=allow_login)
    return listing(fresh.access_token)


def list_assignments(
    new_client: Callable[[], HttpClient],
    base_url: str,
    access_token: str,
    *,
    workers: int = DEFAULT_WORKERS,
    on_progress: Progress | None = None,
) -> list[Account]:
    """Accounts sorted by id, each with its roles sorted by name."""
    found = list(portal.list_accounts(new_client(), base_url, access_token))
    found.sort(key=lambda item: item["accountId"])
    roles = _roles_of_all(new_client, base_url, access_token, found, workers, on_progress)
    return [
        Account(
            account_id=item["accountId"],
            name=item.get("accountName", ""),
            email=item.get("emailAddress", ""),
            roles=tuple(sorted(roles[item["accountId"]])),
        )
        for item in found
    ]


def _roles_of_all(
    new_client: Callable[[], HttpClient],
    base_url: str,
    access_token: str,
    accounts: list[dict[str, str]],
    workers: int,
    on_progress: Progress | None,
) -> dict[str, list[str]]:
    # One HTTP client (and so one requests.Session, which is not documented as
    # thread-safe) per worker thread; each keeps its connection alive.
    local = threading.local()

    def roles_of(account_id: str) -> list[str]:
        if not hasattr(local, "http"):
            local.http = new_client()
        return _roles(local.http, base_url, access_token, account_id)

    ids = [item["accountId"] for item in accounts]
    result: dict[str, list[str]] = {}
    if not ids:
        return result
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(ids))))
    try:
        pending: dict[Future[list[str]], str] = {pool.submit(roles_of, i): i for i in ids}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                result[pending.pop(future)] = future.result()  # raises the first failure
            if on_progress is not None:
                on_progress(len(result), len(ids))
    finally:
        # After a failure (or Ctrl-C) queued calls are dropped and running ones
        # are not waited for: the error reaches the user at once.
        pool.shutdown(wait=False, cancel_futures=True)
    return result


def _roles(http: HttpClient, base_url: str, access_token: str, account_id: str) -> list[str]:
    try:
        return list(portal.list_account_roles(http, base_url, access_token, account_id))
    except AwsApiError as error:
        if error.code == "ResourceNotFoundException" or error.status == 404:
            # The account left the assignment between the two listings: no roles.
            log.debug("account %s vanished while listing its roles", account_id)
            return []
        raise


class ProgressLine:
    """ "ssoenv: listing roles: 120/500 accounts" on stderr: rewritten in place on a
    terminal; otherwise a line per quarter, and only for large organisations."""

    def __init__(self, write: Callable[[str], object], *, tty: bool) -> None:
        self.write = write
        self.tty = tty
        self.shown_quarter = 0
        self.open = False

    def __call__(self, done: int, total: int) -> None:
        text = f"ssoenv: listing roles: {done}/{total} accounts"
        if self.tty:
            self.write(f"\r{text}\x1b[K" + ("\n" if done == total else ""))
            self.open = done != total
            return
        quarter = done * 4 // total
        if total >= LARGE_ORG and quarter > self.shown_quarter:
            self.shown_quarter = quarter
            self.write(text + "\n")

    def close(self) -> None:
        """End a half-written terminal line (after an error)."""
        if self.open:
            self.write("\n")
            self.open = False
