"""docs/security.md names the test behind every promise: each test it names
must exist, so a promise never outlives the test that proved it."""

from __future__ import annotations

from tests.helpers import ROOT, missing_tests, referenced_tests

DOC = ROOT / "docs" / "security.md"


def test_every_test_the_security_doc_names_exists() -> None:
    references = referenced_tests(DOC)
    assert len(references) > 60  # the doc is read, not skipped
    assert missing_tests(references) == []
