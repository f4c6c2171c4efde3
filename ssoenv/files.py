"""Private files done right: 0700 directories, 0600 files written atomically
(temp file, fsync, rename), tolerant JSON reads, and advisory locks that
serialise processes. Knows nothing of what the files mean."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ssoenv.errors import ConfigError
from ssoenv.log import Logger

TYPE_CHECKING = False  # True for type checkers; `typing` costs every `ssoenv use` ~5 ms
if TYPE_CHECKING:
    from typing import Any

log = Logger("ssoenv.files")

DIR_MODE = 0o700
FILE_MODE = 0o600
TEMP_SUFFIX = ".tmp"


def ensure_private_dir(path: Path) -> None:
    """Create `path` (and missing parents) as 0700, and tighten an existing looser one.

    Only the leaf is tightened: `~/.aws` itself may hold things the user shares.
    """
    make_dirs(path)
    _tighten(path, DIR_MODE)


def make_dirs(path: Path) -> None:
    """Create `path` and every missing parent as 0700, whatever the umask.

    `Path.mkdir(parents=True)` creates the parents with 0777 minus the umask,
    so under `umask 000` a new `~/.aws` or `~/.cache` would be world-writable.
    Each folder made here gets its mode from an explicit chmod; folders that
    already exist are left as they are.
    """
    missing: list[Path] = []
    while not os.path.lexists(path) and path.parent != path:
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:
            continue  # made by another process meanwhile: theirs to set
        os.chmod(folder, DIR_MODE)


def claim_private_dir(path: Path) -> str | None:
    """Make sure `path` is a folder only this user can use, creating it 0700 if
    it is missing. None when it is, else why it is not (nothing is changed then).

    For folders in shared places (`/tmp`, a runtime folder): `lstat`, so a
    symbolic link planted under that name is refused rather than followed; the
    owner must be this user; and the folder holding it must not let others
    rename it away (owned by this user or root, and not writable by others
    unless sticky, as `/tmp` is).
    """
    try:
        make_dirs(path)
        info = os.lstat(path)
        parent = os.stat(path.parent)
    except OSError as error:
        return f"it cannot be created ({error.strerror or type(error).__name__})"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a folder (a symbolic link, or a file)"
    if info.st_uid != os.getuid():
        return "it belongs to another user"
    if parent.st_uid not in (os.getuid(), 0) or (
        parent.st_mode & 0o022 and not parent.st_mode & stat.S_ISVTX
    ):
        return f"{path.parent} lets other users replace it"
    if stat.S_IMODE(info.st_mode) & 0o077:
        _tighten(path, DIR_MODE)
    return None


def create_private_file(path: Path, flags: int = 0) -> int:
    """Open `path` for writing, creating it 0600 (explicitly, not through the
    umask), without following a symbolic link or blocking on a FIFO; the caller
    owns the returned descriptor. Raises OSError for anything but a regular file
    of this user."""
    fd = os.open(
        path,
        os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | flags,
        FILE_MODE,
    )
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
            raise OSError(f"{path} is not a regular file of this user")
        if stat.S_IMODE(info.st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _tighten(path: Path, mode: int) -> None:
    try:
        info = path.stat()
    except OSError:
        return
    if stat.S_IMODE(info.st_mode) & 0o077 == 0:
        return
    if info.st_uid != os.getuid():
        # Not a bug (exit 1) but a set-up to fix, like a broken config (exit 3).
        raise ConfigError(
            f"{path} is accessible to other users and belongs to someone else",
            hint=f"remove it or fix its owner and mode (chmod {mode:o})",
        )
    os.chmod(path, mode)
    log.warning("tightened permissions of %s to %o (it was readable by others)", path, mode)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace `path` atomically with `data` as compact JSON (see write_bytes)."""
    write_bytes(path, json.dumps(data, indent=None, separators=(",", ":")).encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` atomically: a reader sees the old file or the new one, never a mix,
    and a process killed at any point leaves no partial file behind under that name.
    The file is 0600 in a 0700 folder, whatever the umask.

    A writer killed between creating its temp file and the rename leaves that temp
    file behind; the next write to `path` removes it (see _remove_stale_temps).
    """
    ensure_private_dir(path.parent)
    _remove_stale_temps(path)
    fd, temp = _locked_temp(path)
    # The temp file stays locked until it has been renamed: a locked temp file is
    # a live writer's, so no other process's clean-up removes it under our feet.
    with os.fdopen(fd, "wb") as handle:
        try:
            os.fchmod(handle.fileno(), FILE_MODE)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    fsync_dir(path.parent)


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def _locked_temp(path: Path) -> tuple[int, str]:
    """A new temp file next to `path`, open and exclusively locked."""
    import tempfile  # ~4 ms (shutil, random): only commands that write pay for it

    while True:
        fd, temp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=TEMP_SUFFIX, dir=path.parent)
        # Blocks only while another process's clean-up holds the lock for an instant.
        fcntl.flock(fd, fcntl.LOCK_EX)
        if _same_file(temp, fd):
            return fd, temp
        # That clean-up took it for a dead writer's file and removed it: start over.
        os.close(fd)


def _remove_stale_temps(path: Path) -> None:
    """Remove the temp files of writers to `path` that died before their rename.

    A writer holds an exclusive lock on its temp file until the rename, and the
    kernel drops that lock when the writer dies: an unlocked temp file is stale.
    """
    prefix = _temp_prefix(path)
    try:
        names = [n for n in os.listdir(path.parent) if n.startswith(prefix)]
    except OSError:
        return
    for name in names:
        if not name.endswith(TEMP_SUFFIX):
            continue
        temp = os.path.join(path.parent, name)
        try:
            fd = os.open(temp, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue  # renamed or removed meanwhile
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if _same_file(temp, fd):
                os.unlink(temp)
                log.debug("removed %s, left by a writer that was killed", temp)
        except OSError:
            pass  # locked: a live writer's
        finally:
            os.close(fd)


def _same_file(name: str, fd: int) -> bool:
    try:
        found = os.stat(name, follow_symlinks=False)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (found.st_dev, found.st_ino) == (mine.st_dev, mine.st_ino)


def fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every filesystem allows it.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_json(path: Path, limit: int = 1024 * 1024) -> dict[str, Any] | None:
    """The JSON object in `path`, or None when it is missing, unreadable, truncated
    or not an object: a damaged cache file counts as absent and never crashes."""
    try:
        with open(path, "rb") as handle:
            # The directory of a private file is private too: repair it on the way.
            _tighten(path.parent, DIR_MODE)
            _tighten(path, FILE_MODE)
            raw = handle.read(limit)
    except OSError:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # [[[[… nests past the stack
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
    fd = create_private_file(path)
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
