"""docs/protocol.md is the protocol reference the code cites: every test it
names exists, every `docs/<file>.md#<anchor>` the code, the tests, the shell
scripts and the docs cite leads to a heading that exists, and nothing cites
the external reference the comments once pointed to (a document outside the
repository, cited by section number)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import ROOT, missing_tests, referenced_tests

DOC = ROOT / "docs" / "protocol.md"
# Where references to the docs live. tests/golden holds shell output, not text.
SCANNED = ("ssoenv", "tests", "shell", "completions", "docs")
# `docs/login.md#which-browser` in a comment, or a bare `docs/login.md`.
DOC_REFERENCE = re.compile(r"\bdocs/([\w.-]+?\.md)(?:#([\w-]*))?")
# A relative Markdown link inside docs/ or README: `](login.md#x)`, `](#x)`.
MARKDOWN_LINK = re.compile(r"\]\(((?:docs/)?[\w.-]+\.md)?(?:#([^)\s]*))?\)")
# A section sign, except in a citation of an RFC ("RFC 8628 §3.5").
SECTION_SIGN = re.compile(r"(?<!RFC \d{4} )§")


def texts() -> dict[Path, str]:
    """Every text file where a reference to the docs may be, by path."""
    found = [ROOT / "README.md"]
    for top in SCANNED:
        found += [
            p
            for p in sorted((ROOT / top).rglob("*"))
            if p.is_file()
            and "golden" not in p.parts
            and "__pycache__" not in p.parts
            and p.suffix != ".pyc"
        ]
    return {path: path.read_text(encoding="utf-8") for path in found}


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text as rendered (code spans and link
    targets gone), lower-cased, punctuation dropped, each space a hyphen."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(doc: Path) -> set[str]:
    """The anchors of every heading outside code blocks; a repeated heading gets
    `-1`, `-2`… as on GitHub."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    fenced = False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        heading = re.match(r"#{1,6} +(.+?) *#* *$", line)
        if fenced or heading is None:
            continue
        base = slug(heading.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def references() -> list[tuple[str, Path, str | None]]:
    """(where, doc file, anchor or None) for every reference to a doc."""
    found: list[tuple[str, Path, str | None]] = []
    for path, text in texts().items():
        for number, line in enumerate(text.splitlines(), 1):
            where = f"{path.relative_to(ROOT)}:{number}"
            for name, anchor in DOC_REFERENCE.findall(line):
                found.append((where, ROOT / "docs" / name, anchor or None))
            if path.suffix != ".md":
                continue
            for target, anchor in MARKDOWN_LINK.findall(line):
                doc = (path.parent / target).resolve() if target else path
                if doc.parent == ROOT / "docs" or doc == ROOT / "README.md":
                    found.append((where, doc, anchor or None))
    return found


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Output is inert data, in every locale", "output-is-inert-data-in-every-locale"),
        ("`ssoenv exec PROFILE -- COMMAND [ARGS...]`", "ssoenv-exec-profile----command-args"),
        ("Browser login (PKCE and loopback)", "browser-login-pkce-and-loopback"),
        ("The AWS CLI's credential cache", "the-aws-clis-credential-cache"),
        ("Not yet: STS and console federation", "not-yet-sts-and-console-federation"),
    ],
)
def test_slugs_follow_githubs_rules(heading: str, expected: str) -> None:
    assert slug(heading) == expected


def test_a_repeated_heading_gets_a_numbered_anchor(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("# Logout\n\n```sh\n# not a heading\n```\n\n## Logout\n")
    assert anchors(doc) == {"logout", "logout-1"}


def test_every_test_the_protocol_doc_names_exists() -> None:
    named = referenced_tests(DOC)
    assert len(named) > 100  # the doc is read, not skipped
    assert missing_tests(named) == []


def test_every_doc_reference_leads_to_a_heading_that_exists() -> None:
    found = references()
    # The package's own citations of docs/protocol.md are among them: the scan sees the code.
    assert len([1 for where, doc, _ in found if where.startswith("ssoenv/") and doc == DOC]) >= 10
    broken = [
        f"{where}: {doc.relative_to(ROOT)}" + (f"#{anchor}" if anchor is not None else "")
        for where, doc, anchor in found
        if not doc.is_file() or (anchor is not None and anchor not in anchors(doc))
    ]
    assert broken == []


def test_nothing_cites_the_old_external_reference() -> None:
    """The comments once cited "the protocol doc §N", a document outside the
    repository (the emulator named its file); each citation is now a link into
    docs/protocol.md, which the test above checks."""
    old = re.compile(r"protocol doc\b|aws-sso-protocol|\bdoc §", re.IGNORECASE)
    this = Path(__file__).resolve()
    stale = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path, text in texts().items()
        if path != this
        for number, line in enumerate(text.splitlines(), 1)
        if old.search(line) or SECTION_SIGN.search(line)
    ]
    assert stale == []
