"""`ssoenv serve PROFILE`: the credential server of `exec --server`, in the
foreground of a terminal that stays open, for programs started from other shells.

Those shells need the URI and the token, and the token must reach neither an
argument list nor a terminal: it goes into a 0600 file in ssoenv's private cache
folder, named by AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (which the SDKs read
themselves). What the other shell sets (the URI, that file's path, the region)
is no secret: it is shown on the terminal and, with --env-file, written to a file.
Ctrl-C or SIGTERM stops the server and removes the token file."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from ssoenv import credserver, files, paths
from ssoenv import runtime as rt
from ssoenv.errors import SsoenvError, UsageError
from ssoenv.model import RoleCredentials
from ssoenv.shells import EnvOp, SetVar, UnsetVar
from ssoenv.text import printable

STOPPING = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class PortInUse(UsageError):
    pass


def run(
    profile: str | None,
    *,
    shell: str | None = None,
    env_file: str | None = None,
    port: int = 0,
    no_browser: bool = False,
    region: str | None = None,
) -> int:
    from ssoenv import chains

    if region is not None:
        rt.check_region_option(region)
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port}: not a port number", hint="use 1 to 65535, or 0 for any")
    out = rt.output_format(shell)
    env_out = rt.output_format(shell or "env")
    if out is None or env_out is None:  # "json": the credential_process format
        raise UsageError("--shell json is not a shell", hint="use bash, zsh, fish, ... or env")
    selected = rt.load_target(profile)
    window = max(rt.settings().refresh_window, credserver.SERVER_MIN_VALID)
    ctx = rt.context(no_browser=no_browser, refresh_window=window)
    # A login (or an MFA code) now, while someone is at the terminal: the server never asks.
    chains.credentials_of(ctx, selected, allow_login=rt.interactive(), ask_mfa=rt.mfa_prompt())

    def fetch() -> RoleCredentials:
        return chains.credentials_of(ctx, selected, allow_login=False).role

    stop = threading.Event()
    previous = {signum: signal.signal(signum, _stopper(stop)) for signum in STOPPING}
    try:
        server = _bind(fetch, port)
        token_file = paths.ssoenv_cache_dir(ctx.settings) / "servers" / f"{server.port}.token"
        with server, contextlib.ExitStack() as cleanup:
            files.write_bytes(token_file, server.token.encode("ascii"))
            cleanup.callback(files.remove, token_file)
            ops = client_ops(server.url, token_file, region or selected.region)
            if env_file is not None:
                written = Path(env_file)
                _write_env_file(written, env_out.render(ops))
                cleanup.callback(files.remove, written)
            _announce(selected.name, server.url, env_file, out.render(ops))
            while not stop.wait(3600):
                pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    rt.say(f"stopped serving the credentials of '{selected.name}'")
    return 0


def client_ops(url: str, token_file: Path, region: str | None) -> list[EnvOp]:
    """What another shell sets to use the server: no keys or profile of its own
    (they come first in every SDK's chain), the URI, the token's file, the region."""
    ops: list[EnvOp] = [UnsetVar(name) for name in credserver.SHADOWING]
    ops += [
        SetVar(credserver.URI_VARIABLE, url),
        SetVar(credserver.TOKEN_FILE_VARIABLE, str(token_file)),
    ]
    if region:
        ops += [SetVar("AWS_REGION", region), SetVar("AWS_DEFAULT_REGION", region)]
    return ops


def _announce(profile: str, url: str, env_file: str | None, code: str) -> None:
    """What the person at the terminal needs: where, until when, and how another
    shell uses it (the lines as they are, to copy; none of them is a secret)."""
    rt.say(f"serving the credentials of '{profile}' at {url} until Ctrl-C")
    if env_file is not None:
        rt.say(f"another shell uses it with the variables in {env_file}")
        return
    rt.say("another shell uses it after running:")
    sys.stderr.write("".join(f"{printable(line)}\n" for line in code.splitlines()))
    sys.stderr.flush()


def _bind(fetch: credserver.Fetch, port: int) -> credserver.CredentialServer:
    try:
        return credserver.CredentialServer(fetch, rt.say, port=port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise PortInUse(
                f"port {port} of 127.0.0.1 is in use", hint="choose another --port, or leave it out"
            ) from None
        raise SsoenvError(f"cannot listen on 127.0.0.1:{port}: {error.strerror}") from None


def _stopper(stop: threading.Event) -> signal.Handlers:
    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    return handle  # type: ignore[return-value]


def _write_env_file(path: Path, text: str) -> None:
    """`path` replaced atomically by a 0600 file holding `text` (its folder is the
    user's: left as it is)."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise SsoenvError(
            f"cannot write {path}: {error.strerror}", hint="choose another --env-file"
        ) from None
