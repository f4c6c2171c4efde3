"""Private files done right: 0700 directories, 0600 files written atomically
(temp file, fsync, rename), tolerant JSON reads, and advisory locks that
serialise processes. Knows nothing of what the files mean."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ssoenv.errors import SsoenvError

log = logging.getLogger("ssoenv.files")

DIR_MODE = 0o700
FILE_MODE = 0o600


def ensure_private_dir(path: Path) -> None:
    """Create `path` (and parents) as 0700, and tighten an existing looser one.

    Only the leaf is tightened: `~/.aws` itself may hold things the user shares.
    """
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, DIR_MODE)


def _tighten(path: Path, mode: int) -> None:
    try:
        info = path.stat()
    except OSError:
        return
    if stat.S_IMODE(info.st_mode) & 0o077 == 0:
        return
    if info.st_uid != os.getuid():
        raise SsoenvError(
            f"{path} is accessible to other users and belongs to someone else",
            hint=f"remove it or fix its owner and mode (chmod {mode:o})",
        )
    os.chmod(path, mode)
    log.warning("tightened permissions of %s to %o (it was readable by others)", path, mode)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace `path` atomically: a reader sees the old file or the new one, never a mix,
    and a process killed at any point leaves no partial file behind under that name."""
    ensure_private_dir(path.parent)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            json.dump(data, handle, indent=None, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every filesystem allows it.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in `path`, or None when it is missing, unreadable, truncated
    or not an object: a damaged cache file counts as absent and never crashes."""
    try:
        with open(path, "rb") as handle:
            _tighten(path, FILE_MODE)
            raw = handle.read(1024 * 1024)
    except OSError:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        log.debug("ignoring %s: not valid JSON", path)
        return None
    return data if isinstance(data, dict) else None


def remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


@contextlib.contextmanager
def locked(
    path: Path,
    *,
    timeout: float | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Iterator[None]:
    """Hold an exclusive advisory lock on `path` (created 0600) for the block.

    The kernel drops the lock when the process dies, so a killed process never
    leaves a stale lock. With a timeout, raises TimeoutError when it expires.
    """
    ensure_private_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        _acquire(fd, timeout, on_wait)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _acquire(fd: int, timeout: float | None, on_wait: Callable[[], None] | None) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    if on_wait is not None:
        on_wait()
    if timeout is None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise TimeoutError from None
            time.sleep(0.05)
