"""A parsed copy of a config file, so that resolving one profile costs about the
same in a config of ten profiles as in one of ten thousand.

Parsing `~/.aws/config` exactly as botocore does takes ~45 µs a section: half a
second for the 10,000 profiles `populate` writes for a large organisation, paid
by every `use`, `credential-process` and prompt refresh. The index holds the
result of that parse: one line per section, its key first, so that one profile
is found with a substring search and only its line is decoded; `list`, which
needs them all, decodes them all (still ~30 times cheaper than parsing).

Never stale: the index is keyed by the digest of the config file's bytes, which
ssoenv reads anyway (a millisecond for 10,000 profiles), not by its size and
modification time, which an edit can leave unchanged (same size, within the
same clock tick, or restored with `touch -d`). The body's length and CRC make a
damaged index (truncated, altered) count as absent; the file is ssoenv's own,
0600 in a private folder, so an accident is what this guards against. Either
way the config is parsed again and the index rewritten (atomically).

Format (version 1), one index file per config path:

    ssoenv-config-index 1 <blake2b of the config bytes>
    <length of everything after this line> <its CRC-32>
    ["profile","dev"]<TAB>["profile dev",{"sso_session":"corp",...}]
    ...

Keys and values are JSON with ASCII escapes: no raw newline or tab inside
them, so the line structure cannot be forged by a name or a value.
"""

from __future__ import annotations

import json
from collections.abc import ItemsView, Iterator, Mapping, ValuesView
from pathlib import Path

from ssoenv import files
from ssoenv.awsini import Section
from ssoenv.errors import SsoenvError
from ssoenv.log import Logger

log = Logger("ssoenv.configindex")

MAGIC = "ssoenv-config-index 1"
KINDS = ("profile", "sso-session", "services")


def digest(data: bytes) -> str:
    """The key of a config file's bytes (also the key of what is derived from them)."""
    return _digest(data)


def _digest(data: bytes) -> str:
    try:  # CPython's built-in blake2: `hashlib` loads OpenSSL first (~2.5 ms)
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - other Pythons
        from hashlib import blake2b
    return str(blake2b(data, digest_size=20).hexdigest())


def index_path(folder: Path, config: Path) -> Path:
    """The index of `config` (by its absolute path) in `folder`."""
    import os

    return folder / (_digest(os.path.abspath(config).encode("utf-8", "surrogateescape")) + ".idx")


class Index:
    """The sections of one config file as the index holds them, decoded on demand."""

    def __init__(self, text: str, start: int) -> None:
        # text[start:] is the body, one line per section; text[start - 1] is "\n",
        # so every line, the first included, is found as "\n" + key + "\t".
        self._body, self._start = text, start
        self._found: dict[tuple[str, str], tuple[str, Section] | None] = {}
        self._all: dict[tuple[str, str], tuple[str, Section]] | None = None

    def entry(self, kind: str, name: str) -> tuple[str, Section] | None:
        """(the header as written, the section), or None when there is none."""
        key = (kind, name)
        if self._all is not None:
            return self._all.get(key)
        if key not in self._found:
            start = "\n" + json.dumps([kind, name]) + "\t"
            at = self._body.find(start, self._start - 1)
            if at < 0:
                self._found[key] = None
            else:
                at += len(start)
                header, section = json.loads(self._body[at : self._body.index("\n", at)])
                self._found[key] = (header, section)
        return self._found[key]

    def every(self) -> dict[tuple[str, str], tuple[str, Section]]:
        """Every section, in the order of the config file's profile map."""
        if self._all is None:
            # One parse for all lines: a tab or a newline is never inside the JSON,
            # so the body becomes a JSON array of [key, value] pairs by replacement.
            lines = self._body[self._start :].strip("\n")
            pairs = json.loads("[[" + lines.replace("\t", ",").replace("\n", "],[") + "]]")
            self._all = (
                {(kind, name): (header, section) for (kind, name), (header, section) in pairs}
                if lines
                else {}
            )
        return self._all


class Sections(Mapping[str, Section]):
    """The sections of one kind (profiles, sso-sessions, services), as a read-only map."""

    def __init__(self, index: Index, kind: str) -> None:
        self._index, self._kind = index, kind
        self._every: dict[str, Section] | None = None

    def _all(self) -> dict[str, Section]:
        if self._every is None:
            found = self._index.every().items()
            self._every = {
                name: section for (kind, name), (_, section) in found if kind == self._kind
            }
        return self._every

    def __getitem__(self, name: str) -> Section:
        if self._every is not None:
            return self._every[name]
        found = self._index.entry(self._kind, name) if isinstance(name, str) else None
        if found is None:
            raise KeyError(name)
        return found[1]

    def __contains__(self, name: object) -> bool:
        if self._every is not None:
            return name in self._every
        return isinstance(name, str) and self._index.entry(self._kind, name) is not None

    def get(self, name: str, default: Section | None = None) -> Section | None:  # type: ignore[override]
        if self._every is not None:
            return self._every.get(name, default)
        found = self._index.entry(self._kind, name) if isinstance(name, str) else None
        return default if found is None else found[1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def items(self) -> ItemsView[str, Section]:
        return self._all().items()

    def values(self) -> ValuesView[Section]:
        return self._all().values()


class Headers(Mapping[tuple[str, str], str]):
    """(kind, name) -> the section's header as written."""

    def __init__(self, index: Index) -> None:
        self._index = index

    def __getitem__(self, key: tuple[str, str]) -> str:
        found = self._index.entry(*key) if isinstance(key, tuple) and len(key) == 2 else None
        if found is None:
            raise KeyError(key)
        return found[0]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(list(self._index.every()))

    def __len__(self) -> int:
        return len(self._index.every())


def lookup(folder: Path, config: Path, key: str) -> Index | None:
    """The index of `config` when it was made from the bytes whose digest is `key`."""
    try:
        with open(index_path(folder, config), "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    first = raw.find(b"\n")
    second = raw.find(b"\n", first + 1)
    if first < 0 or second < 0 or raw[:first] != f"{MAGIC} {key}".encode():
        return None
    if raw[first + 1 : second] != _check(memoryview(raw)[second + 1 :]):
        return None
    try:
        return Index(raw.decode("ascii"), second + 1)
    except UnicodeDecodeError:  # cannot be: the CRC matched what ssoenv wrote
        return None


def _check(body: bytes | memoryview) -> bytes:
    """The body's length and CRC-32: a damaged index never passes for a good one."""
    import zlib

    return f"{len(body)} {zlib.crc32(body):08x}".encode()


def store(
    folder: Path,
    config: Path,
    key: str,
    maps: Mapping[str, Mapping[str, Section]],
    headers: Mapping[tuple[str, str], str],
) -> None:
    """Write the index of `config` as parsed from the bytes whose digest is `key`;
    a failure only costs speed."""
    lines = [
        json.dumps([kind, name]) + "\t" + json.dumps([headers[(kind, name)], section]) + "\n"
        for kind in KINDS
        for name, section in maps[kind].items()
    ]
    body = "".join(lines).encode("ascii")
    text = f"{MAGIC} {key}\n".encode() + _check(body) + b"\n" + body
    try:
        files.write_bytes(index_path(folder, config), text)
    except (OSError, SsoenvError) as error:
        log.debug("config index not written: %s", getattr(error, "strerror", None) or error)
