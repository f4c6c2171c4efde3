"""`~/.aws/config`'s bytes turned into sections, exactly as botocore.configloader does it.

Owns: the INI dialect (botocore.configloader on top of configparser.RawConfigParser,
re-implemented line for line so that errors can name a line): reading and decoding the
file, raw_config_parse's sections with their nested sub-sections, and build_profile_map's
reading of a section header into (kind, name). No knowledge of profiles or SSO beyond
that header syntax: which profile is selected and how it is validated are ssoenv.config's.
"""

from __future__ import annotations

import re
import shlex
import stat
from pathlib import Path

from ssoenv.errors import ConfigError

Value = str | dict[str, str]
Section = dict[str, Value]

# configparser.RawConfigParser's own patterns (SECTCRE, OPTCRE with "=" and ":", NONSPACECRE).
_SECTION_RE = re.compile(r"\[(?P<header>.+)\]")
_OPTION_RE = re.compile(r"(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$")
_NONSPACE_RE = re.compile(r"\S")


class _Option:
    def __init__(self, lines: list[tuple[int, str]]) -> None:
        self.lines = lines  # (line number, stripped text); the first is the key's line


class _Section:
    def __init__(self, header: str, line: int) -> None:
        self.header = header
        self.line = line
        self.options: dict[str, _Option] = {}


class _Parse:
    """RawConfigParser._read (strict, no inline comments, blank lines kept in values)."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.sections: dict[str, _Section] = {}
        self.defaults = _Section("DEFAULT", 0)
        self.current: _Section | None = None
        self.option: _Option | None = None
        self.indent = 0

    def fail(self, lineno: int, what: str, hint: str) -> ConfigError:
        return ConfigError(f"{self.where} line {lineno}: {what}", hint=hint)

    def feed(self, lineno: int, line: str) -> None:
        text = line.strip()
        if text.startswith(("#", ";")):
            return  # a comment line does not even count as a blank line inside a value
        if not text:
            if self.option is not None:
                self.option.lines.append((lineno, ""))
            return
        found = _NONSPACE_RE.search(line)
        indent = found.start() if found else 0
        if self.option is not None and indent > self.indent:
            self.option.lines.append((lineno, text))
            return
        self.indent = indent
        header = _SECTION_RE.match(text)
        if header:
            self.header(lineno, header.group("header"))
        elif self.current is None:
            raise self.before_section(lineno, line)
        else:
            self.key(self.current, lineno, text)

    def header(self, lineno: int, name: str) -> None:
        if name in self.sections:
            first = self.sections[name].line
            raise self.fail(
                lineno,
                f"section [{name}] appears twice (first at line {first})",
                "merge the two sections into one, or remove one",
            )
        if name == "DEFAULT":  # configparser's defaults: inherited by every section
            self.current = self.defaults
        else:
            self.current = self.sections[name] = _Section(name, lineno)
        self.option = None

    def before_section(self, lineno: int, line: str) -> ConfigError:
        if lineno == 1 and line.startswith("\ufeff"):
            return self.fail(
                1,
                "the file starts with a byte-order mark (BOM), which the AWS CLI cannot read",
                "save the file as UTF-8 without a BOM",
            )
        unclosed = _unclosed_header(line.strip())
        if unclosed is not None:
            return self.fail(lineno, *unclosed)
        return self.fail(
            lineno,
            f"{show(line.strip())} comes before any [section] header",
            "put it under a [profile NAME] section, or remove it",
        )

    def key(self, current: _Section, lineno: int, text: str) -> None:
        found = _OPTION_RE.match(text)
        section = current.header
        if not found or not found.group("option"):
            # botocore fails on such a line too; say why when it was meant as a header.
            unclosed = _unclosed_header(text)
            if unclosed is not None:
                raise self.fail(lineno, *unclosed)
            what = "has no key name" if found else "is not a 'key = value' line"
            raise self.fail(
                lineno,
                f"{show(text)} in [{section}] {what}",
                "write it as 'key = value', indent it to continue the previous value, "
                "or comment it out with #",
            )
        name = found.group("option").rstrip().lower()
        if name in current.options:
            first = current.options[name].lines[0][0]
            raise self.fail(
                lineno,
                f"{name!r} appears twice in [{section}] (first at line {first})",
                "fix or remove that line",
            )
        self.option = current.options[name] = _Option([(lineno, found.group("value").strip())])


def _unclosed_header(text: str) -> tuple[str, str] | None:
    """(what, hint) for a section header missing a bracket, else None."""
    if text.startswith("["):  # `[profile dev`: no `]`, so no header for configparser
        return (
            f"the section header {show(text)} has no closing ']'",
            "end the line with ']', as in [profile NAME]",
        )
    if text.endswith("]") and not text.startswith("#"):
        return (
            f"the section header {show(text)} has no opening '['",
            "start the line with '[', as in [profile NAME]",
        )
    return None


def show(text: str, limit: int = 60) -> str:
    # Quoted, escaped and shortened: every message stays on one line.
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _value(option: _Option) -> str:
    return "\n".join(text for _, text in option.lines).rstrip()


def _nested(option: _Option, where: str, section: str, key: str) -> dict[str, str]:
    """botocore.configloader._parse_nested, with the offending line found again."""
    parsed: dict[str, str] = {}
    for lineno, text in option.lines:
        for piece in text.splitlines():  # what botocore's value.splitlines() sees
            piece = piece.strip()
            if not piece:
                continue
            name, equals, value = piece.partition("=")
            if not equals:
                raise ConfigError(
                    f"{where} line {lineno}: {show(piece)} under '{key} =' in [{section}]"
                    " is not a 'key = value' line",
                    hint=f"indented lines after an empty '{key} =' must read 'name = value'",
                )
            parsed[name.strip()] = value.strip()
    return parsed


def _values(parse: _Parse, section: _Section) -> Section:
    """RawConfigParser.options()/get() (own keys, then [DEFAULT]'s) + nested sub-sections."""
    owned = [(name, option, section.header) for name, option in section.options.items()]
    inherited = [
        (name, option, "DEFAULT")
        for name, option in parse.defaults.options.items()
        if name not in section.options
    ]
    values: Section = {}
    for name, option, header in owned + inherited:
        text = _value(option)
        nested = text.startswith("\n")
        values[name] = _nested(option, parse.where, header, name) if nested else text
    return values


def parse_text(text: str, where: str) -> dict[str, Section]:
    """Every section as botocore.configloader.raw_config_parse returns it."""
    # TextIOWrapper's universal newlines: \r\n and a lone \r both end a line.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    parse = _Parse(where)
    for lineno, line in enumerate(lines, start=1):
        parse.feed(lineno, line)
    return {name: _values(parse, section) for name, section in parse.sections.items()}


def read_sections(path: Path, where: str) -> dict[str, Section] | None:
    """Every section of the file; None when botocore would find no file to read."""
    data = read_bytes(path, where)
    return None if data is None else parse_bytes(data, where)


def parse_bytes(data: bytes, where: str) -> dict[str, Section]:
    """Every section of a file's bytes (UTF-8, as botocore reads them)."""
    return parse_text(_decode(data, where), where)


def read_bytes(path: Path, where: str) -> bytes | None:
    """The file's bytes; None when botocore would find no file (os.path.isfile is false)."""
    try:
        if stat.S_ISDIR(path.stat().st_mode):
            raise ConfigError(
                f"{where} is a directory, not a file",
                hint="point AWS_CONFIG_FILE at a file, or move the directory away",
            )
        if not path.is_file():
            return None  # /dev/null, a FIFO...: botocore reads nothing from them either
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        reason = "permission denied" if isinstance(e, PermissionError) else e.strerror
        raise ConfigError(
            f"{where} cannot be read ({reason})", hint=f"check its permissions: ls -l {where}"
        ) from None


def _decode(data: bytes, where: str) -> str:
    if b"\x00" in data:
        # No tool reads a NUL the same way, and no environment variable can hold one.
        lineno = data[: data.index(b"\x00")].replace(b"\r\n", b"\n").count(b"\n") + 1
        raise ConfigError(
            f"{where} line {lineno}: contains a NUL byte",
            hint="remove it (is the file really a text file?)",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[: e.start].decode("utf-8")
        lineno = before.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
        raise ConfigError(
            f"{where} line {lineno}: not valid UTF-8 (byte 0x{data[e.start]:02x})",
            hint="save the file as UTF-8",
        ) from None


def classify(header: str) -> tuple[str, str] | None:
    """(kind, name) per botocore's build_profile_map; None for other sections."""
    for kind in ("profile", "sso-session", "services"):
        if header.startswith(kind):  # sic: "[profileX dev]" is profile "dev"
            name = _section_name(header)
            return None if name is None else (kind, name)
    return ("profile", "default") if header == "default" else None


def _section_name(header: str) -> str | None:
    # botocore's _parse_section: shell words, exactly two, the prefix word is not checked.
    try:
        words = shlex.split(header)
    except ValueError:
        return None
    return words[1] if len(words) == 2 else None
