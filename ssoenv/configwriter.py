"""Saves edits of `~/.aws/config`: read and lock, let the caller edit a
ConfigDocument, check that the result reads back exactly as intended (every other
section unchanged), then replace the file atomically, keeping a backup."""

from __future__ import annotations

import contextlib
import difflib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from ssoenv import files
from ssoenv.awsini import Section, classify, parse_text
from ssoenv.config import ConfigFile, load_config
from ssoenv.configdoc import ConfigDocument, split_lines
from ssoenv.errors import ConfigError
from ssoenv.text import printable
from ssoenv.values import frozen

BACKUP_SUFFIX = ".ssoenv-backup"
NEW_FILE_MODE = 0o600


@frozen
class EditResult:
    path: Path
    where: str  # the path as people read it ("~/.aws/config")
    diff: str  # unified diff, empty when nothing changed
    written: bool
    backup: Path | None = None


def edit_config(
    path: Path,
    lock: Path,
    change: Callable[[ConfigFile, ConfigDocument], None],
    *,
    dry_run: bool = False,
) -> EditResult:
    """Read the file, let `change` edit it, check the result, and replace the file
    atomically (unless `dry_run`). One ssoenv at a time edits it."""
    with files.locked(lock, timeout=30):
        real = Path(os.path.realpath(path))  # a symlinked config stays a symlink
        old_cfg = load_config(path)  # refuse to edit what we cannot read exactly
        if real.exists() and not real.is_file():
            raise ConfigError(f"{old_cfg.display_path()} is not a regular file; not editing it")
        old_bytes = real.read_bytes() if old_cfg.exists else b""
        old_text = old_bytes.decode("utf-8")
        doc = ConfigDocument.parse(old_text)
        change(old_cfg, doc)
        new_text = doc.render()
        diff = _diff(old_text, new_text, old_cfg.display_path())
        if new_text == old_text or dry_run:
            return EditResult(path, old_cfg.display_path(), diff, written=False)
        backup = _write(real, old_bytes if old_cfg.exists else None, new_text, old_cfg, doc)
        return EditResult(path, old_cfg.display_path(), diff, written=True, backup=backup)


def _diff(old: str, new: str, where: str) -> str:
    def lines(text: str) -> list[str]:
        return [line.rstrip("\r\n") for line in split_lines(text)]

    out = difflib.unified_diff(lines(old), lines(new), f"{where} (before)", where, lineterm="")
    # A person reads the diff (`populate --dry-run`): config text may hold ESC.
    # Tabs stay tabs, so the lines still look like the file.
    return "".join("\t".join(printable(part) for part in line.split("\t")) + "\n" for line in out)


def _write(
    real: Path, old: bytes | None, new_text: str, old_cfg: ConfigFile, doc: ConfigDocument
) -> Path | None:
    files.make_dirs(real.parent)  # 0700 whatever the umask; an existing folder is left alone
    mode = real.stat().st_mode & 0o7777 if old is not None else NEW_FILE_MODE
    temp = _temp_file(real, new_text.encode("utf-8"), mode)
    try:
        old_text = (old or b"").decode("utf-8")
        _verify(temp, old_text, new_text, doc, old_cfg.display_path())
        if (real.read_bytes() if real.exists() else None) != old:
            raise ConfigError(
                f"{old_cfg.display_path()} changed while ssoenv was editing it; "
                "nothing was written",
                hint="run the command again",
            )
        backup = None
        if old is not None:
            backup = real.with_name(real.name + BACKUP_SUFFIX)
            os.replace(_temp_file(real, old, NEW_FILE_MODE), backup)
        os.replace(temp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    files.fsync_dir(real.parent)
    return backup


def _temp_file(real: Path, data: bytes, mode: int) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Path(name)


def _verify(temp: Path, old_text: str, new_text: str, doc: ConfigDocument, where: str) -> None:
    """The new file must parse, carry exactly the edits, and leave every other section
    (of any kind, [plugins] too) and key as it was: a bug here must never cost a user
    their config."""
    try:
        load_config(temp)
        before, after = parse_text(old_text, where), parse_text(new_text, where)
    except ConfigError as error:
        raise ConfigError(f"refusing to write an unreadable config ({error.message})") from None
    edited = {classify(h): h for h in after if classify(h) in doc.touched}  # the last wins
    for header in before.keys() | after.keys():
        key = classify(header)
        if key in doc.removed and header not in after:
            continue
        expected: Section | None = before.get(header)
        if key is not None and edited.get(key) == header:
            values, dropped = doc.touched[key]
            kept = {k: v for k, v in (expected or {}).items() if k not in dropped}
            expected = {**kept, **values}
        if after.get(header) != expected:
            raise ConfigError(
                f"refusing to write the config: [{header}] would not read back as intended;"
                " nothing was changed",
                hint="please report this, with the section's text",
            )
