"""Running the real `ssoenv` program as a subprocess, as a user's shell would;
and the tests a document names, which must exist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

SSOENV = str(Path(sys.executable).parent / "ssoenv")
ROOT = Path(__file__).resolve().parents[1]


def run(
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
    **kwargs: object,
) -> subprocess.CompletedProcess[str]:
    """`ssoenv ARGS` with the test's environment (plus `env`), no terminal attached."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [SSOENV, *args],
        env=full_env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )


def eval_in_bash(
    code: str, script: str = 'env | grep -E "^(AWS_|SSOENV_|__SSOENV_)" | sort'
) -> str:
    """Evaluate `code` in a real bash and run `script` after it."""
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-euc", f'eval "$1"\n{script}', "bash", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ},
    )
    return result.stdout


# In a doc: `tests/x/test_a.py::test_b`, `test_a.py::test_b` (found under tests/),
# a file alone (`tests/x/test_a.py`), and `::test_b`, which means the file named last.
_TEST_REFERENCE = re.compile(r"`((?:[\w/]+/)?test_\w+\.py)?(?:::(test_\w+))?(?:\[[^\]`]*\])?`")


def referenced_tests(doc: Path) -> list[tuple[str, str]]:
    """(file, test function) for every test the markdown file `doc` names."""
    found: list[tuple[str, str]] = []
    current: str | None = None
    for file, name in _TEST_REFERENCE.findall(doc.read_text(encoding="utf-8")):
        if file:
            current = file
        if name:
            assert current is not None, f"::{name} names no file before it"
            found.append((current, name))
    return found


def missing_tests(references: list[tuple[str, str]]) -> list[str]:
    """The references whose file has no top-level `def NAME(`: a promise that
    outlived the test that proved it."""
    return [
        f"{file}::{name}"
        for file, name in references
        if not re.search(rf"^def {name}\(", _test_file(file).read_text(encoding="utf-8"), re.M)
    ]


def _test_file(file: str) -> Path:
    if "/" in file:
        return ROOT / file
    (match,) = (ROOT / "tests").rglob(file)  # a bare name must be unique under tests/
    return match
