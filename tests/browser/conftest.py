"""The browser tier (`make test-browser`, and part of `make test`): a real
headless Chromium as the user's browser. Chromium missing skips these tests,
unless CI is set (`.ci/run` installs it): then they fail."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.devtools import Chromium
from tests.emulator import Emulator


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """The emulator whose sign-in page waits for a click on Allow or Deny, as
    the real one waits for the person (the default approves at once)."""
    with Emulator(auto_approve=False) as emu:
        yield emu


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Chromium]:
    """A headless Chromium not yet started: ssoenv starts it through $BROWSER
    (`chromium.browser_variable`), or the test with `chromium.launch()`."""
    if shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    browser = Chromium(tmp_path / "chromium")
    try:
        yield browser
    finally:
        browser.close()
