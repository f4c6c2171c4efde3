"""docs/security.md names the test behind every promise: each test it names
must exist, so a promise never outlives the test that proved it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "security.md"

# `tests/x/test_a.py::test_b`, `test_a.py::test_b` (found under tests/), a file
# alone (`tests/x/test_a.py`), and `::test_b`, which means the file named last.
REFERENCE = re.compile(r"`((?:[\w/]+/)?test_\w+\.py)?(?:::(test_\w+))?(?:\[[^\]`]*\])?`")


def referenced_tests() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    current: str | None = None
    for file, name in REFERENCE.findall(DOC.read_text(encoding="utf-8")):
        if file:
            current = file
        if name:
            assert current is not None, f"::{name} names no file before it"
            found.append((current, name))
    return found


def resolve(file: str) -> Path:
    if "/" in file:
        return ROOT / file
    (match,) = (ROOT / "tests").rglob(file)
    return match


def test_every_test_the_security_doc_names_exists() -> None:
    references = referenced_tests()
    assert len(references) > 60  # the doc is read, not skipped
    missing = [
        f"{file}::{name}"
        for file, name in references
        if not re.search(rf"^def {name}\(", resolve(file).read_text(encoding="utf-8"), re.M)
    ]
    assert missing == []
