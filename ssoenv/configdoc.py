"""`~/.aws/config` as lines grouped by section, edited one section at a time: keys
set or removed in place, sections appended or removed, every other byte (comments,
blank lines, CRLF, odd spacing) kept. Pure text; ssoenv.configwriter saves it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from ssoenv.awsini import classify
from ssoenv.errors import UsageError

# The header and key patterns of configparser (as ssoenv.config uses them).
_HEADER_RE = re.compile(r"\[(?P<header>.+)\]")
_KEY_RE = re.compile(r"(?P<option>.*?)\s*(?:=|:)\s*(?P<value>.*)$")
_VALUE_START_RE = re.compile(r"^(\s*.*?\s*(?:=|:)[ \t]*)(.*?)(\r\n|\r|\n)?$")
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_NAME_FORBIDDEN = re.compile(r"[\[\]\"'\\]|[^\S ]|[\x00-\x1f\x7f]")

SectionKey = tuple[str, str]  # (kind, name): ("profile", "dev"), ("sso-session", "corp")


def check_name(kind: str, name: str) -> None:
    """Refuse names that could not be written back as one section of that name."""
    if not name or name != name.strip() or _NAME_FORBIDDEN.search(name):
        raise UsageError(
            f"{kind} name {name!r} cannot be written to the config file",
            hint="use letters, digits, spaces and . _ - "
            "(no brackets, quotes or control characters)",
        )


def check_value(key: str, value: str) -> None:
    """A value must stay one `key = value` line: no newline can smuggle in a key or section."""
    if not value or value != value.strip() or any(c < " " or c == "\x7f" for c in value):
        raise UsageError(
            f"{key} value {value!r} cannot be written to the config file",
            hint="values must be one line, without leading or trailing blanks",
        )


def header_for(kind: str, name: str) -> str:
    """The text inside [...] that botocore reads back as (kind, name)."""
    check_name(kind, name)
    if (kind, name) == ("profile", "default"):
        return "default"
    return f'{kind} "{name}"' if " " in name else f"{kind} {name}"


@dataclass
class Section:
    """One section: its header line first, then every line up to the next header."""

    key: SectionKey | None
    lines: list[str]

    def first_body_line(self) -> str | None:
        return self.lines[1].strip() if len(self.lines) > 1 else None


@dataclass
class _Line:
    kind: str  # "key", "continuation", "comment" or "blank"
    name: str = ""


def _scan(lines: list[str]) -> list[_Line]:
    """Classify a section's body lines as configparser would (RawConfigParser._read)."""
    out: list[_Line] = [_Line("header")]
    indent, in_value = _indent(lines[0]), False
    for line in lines[1:]:
        text = line.strip()
        if not text or text[0] in "#;":
            out.append(_Line("blank" if not text else "comment"))
            continue
        here = _indent(line)
        if in_value and here > indent:
            out.append(_Line("continuation"))
            continue
        indent, in_value = here, True
        match = _KEY_RE.match(text)
        out.append(_Line("key", match.group("option").rstrip().lower() if match else ""))
    return out


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def split_lines(text: str) -> list[str]:
    """Lines with their own endings; joined again they are `text`, byte for byte."""
    return _LINE_RE.findall(text)


@dataclass
class ConfigDocument:
    """The file as lines grouped by section, editable one section at a time."""

    preamble: list[str]
    sections: list[Section]
    newline: str = "\n"
    touched: dict[SectionKey, tuple[dict[str, str], tuple[str, ...]]] = field(default_factory=dict)
    removed: set[SectionKey] = field(default_factory=set)

    @classmethod
    def parse(cls, text: str) -> ConfigDocument:
        doc = cls([], [], "\r\n" if "\r\n" in text else "\n")
        indent, in_value = 0, False
        for line in split_lines(text):  # the steps of RawConfigParser._read
            stripped = line.strip()
            here = _indent(line)
            if not stripped or stripped[0] in "#;" or (in_value and here > indent):
                doc._add(line)  # blank, comment or continuation: never a header
                continue
            indent = here
            header = _HEADER_RE.match(stripped)
            in_value = header is None
            if header is not None:
                doc.sections.append(Section(classify(header.group("header")), [line]))
            else:
                doc._add(line)
        return doc

    def _add(self, line: str) -> None:
        (self.sections[-1].lines if self.sections else self.preamble).append(line)

    def render(self) -> str:
        return "".join(self.preamble + [line for s in self.sections for line in s.lines])

    def find(self, kind: str, name: str) -> Section | None:
        """The section botocore uses for (kind, name): the last one, as later ones win."""
        return next((s for s in reversed(self.sections) if s.key == (kind, name)), None)

    def all_of(self, kind: str) -> Iterator[Section]:
        return (s for s in self.sections if s.key is not None and s.key[0] == kind)

    def set_values(
        self,
        kind: str,
        name: str,
        values: Mapping[str, str],
        *,
        remove: tuple[str, ...] = (),
        comment: str | None = None,
    ) -> bool:
        """Set keys of a section in place (appending the section if it is new); True if
        anything changed. `comment` goes directly under a new section's header."""
        for key, value in values.items():
            check_value(key, value)
        self.touched[(kind, name)] = (dict(values), remove)
        self.removed.discard((kind, name))
        section = self.find(kind, name)
        if section is None:
            self._append(kind, name, values, comment)
            return True
        before = list(section.lines)
        for key in remove:
            _drop_key(section, key)
        for key, value in values.items():
            _set_key(section, key, value, self.newline)
        return section.lines != before

    def remove_section(self, kind: str, name: str) -> bool:
        """Remove the section and the blank lines after it; comments above it stay."""
        section = self.find(kind, name)
        if section is None:
            return False
        kept = _trailing_comments(section.lines)
        index = self.sections.index(section)
        if kept:  # comments at the end belong to what follows: hand them over
            target = self.sections[index - 1].lines if index else self.preamble
            target.extend(kept)
        del self.sections[index]
        self.removed.add((kind, name))
        self.touched.pop((kind, name), None)
        return True

    def _append(self, kind: str, name: str, values: Mapping[str, str], comment: str | None) -> None:
        nl = self.newline
        last = self.sections[-1].lines if self.sections else self.preamble
        if last and not last[-1].endswith(("\n", "\r")):
            last[-1] += nl
        if last and last[-1].strip():
            last.append(nl)
        lines = [f"[{header_for(kind, name)}]{nl}"]
        if comment is not None:
            lines.append(f"# {comment}{nl}")
        lines += [f"{key} = {value}{nl}" for key, value in values.items()]
        self.sections.append(Section((kind, name), lines))


def _set_key(section: Section, key: str, value: str, nl: str) -> None:
    scan = _scan(section.lines)
    found = [i for i, line in enumerate(scan) if line.kind == "key" and line.name == key]
    if not found:
        ends = [i for i, line in enumerate(scan) if line.kind in ("key", "continuation")]
        at = ends[-1] + 1 if ends else _after_leading_comments(scan)
        keys = [i for i in ends if scan[i].kind == "key"]
        # Same indent as the last key: deeper would make it part of that key's value.
        prefix = section.lines[keys[-1]][: _indent(section.lines[keys[-1]])] if keys else ""
        if at == len(section.lines) and not section.lines[-1].endswith(("\n", "\r")):
            section.lines[-1] += nl
        section.lines.insert(at, f"{prefix}{key} = {value}{nl}")
        return
    i = found[-1]  # configparser rejects duplicates, so there is one
    _drop_continuations(section, scan, i)
    match = _VALUE_START_RE.match(section.lines[i])
    if match is not None and match.group(2).strip() != value:
        # Keep the key's own spelling and spacing; only the value changes.
        start = match.group(1) if match.group(2) else match.group(1).rstrip() + " "
        section.lines[i] = f"{start}{value}{match.group(3) or nl}"


def _drop_continuations(section: Section, scan: list[_Line], i: int) -> None:
    doomed = []
    for j in range(i + 1, len(scan)):
        if scan[j].kind == "continuation":
            doomed.append(j)
        elif scan[j].kind == "key":
            break
    for j in reversed(doomed):
        del section.lines[j]


def _drop_key(section: Section, key: str) -> None:
    scan = _scan(section.lines)
    for i, line in enumerate(scan):
        if line.kind == "key" and line.name == key:
            _drop_continuations(section, scan, i)
            del section.lines[i]
            return


def _after_leading_comments(scan: list[_Line]) -> int:
    at = 1
    while at < len(scan) and scan[at].kind == "comment":
        at += 1
    return at


def _trailing_comments(lines: list[str]) -> list[str]:
    """Comment lines (and blanks between them) ending the section, which describe the next one."""
    scan = _scan(lines)
    last_content = max(i for i, line in enumerate(scan) if line.kind not in ("comment", "blank"))
    tail = lines[last_content + 1 :]
    return tail if any(line.strip() for line in tail) else []
