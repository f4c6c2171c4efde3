"""Property: any string the server sends, as any exported value, comes back byte
for byte from every output format, in any locale, and never runs.

Hypothesis draws three role-credential values (any exportable text: no NUL, no
lone surrogate; with quotes, escapes, control characters, text above U+007F and
strings that would run `touch pwned` if they ever became code) and a locale (C,
C.UTF-8 and the double-byte ones of tests/reliability/test_locales.py that are
installed). The emulator serves the values, `ssoenv use --shell FORMAT` writes
them, and each format's reader reads them back in an empty folder:

* real bash, zsh, dash (`--shell sh`), fish (`source` and `eval (...)`) and nu
  (`from json | load-env`), under the drawn locale;
* PowerShell by tests/test_shells_quote.py's reader of its string grammar;
* env by python-dotenv, compose's parser and `set -a; . ./.env`, all alike, or
  a one-line refusal when a value holds what some reader would misread.

Every shell format's output is printable ASCII. Each example batches all the
formats into one run of each shell, so 30 examples take a few seconds.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.emulator import Emulator
from tests.reliability.conftest import (
    assert_one_line_error,
    credentials_dir,
    ssoenv_in_process,
)
from tests.reliability.test_hostile import CREDENTIAL_FIELDS, RUNNER
from tests.reliability.test_locales import LOCALES, locale_installed, shell_environ
from tests.test_shells_quote import (
    TRICKY,
    VALUES,
    env_readers,
    env_writable,
    ps_apply,
)

SHELL_RUNNERS = ["bash", "zsh", "sh", "fish-source", "fish-eval", "nu-json"]

# Strings that create `pwned` in the current folder if any shell runs them.
ATTACKS = [
    "$(touch pwned)",
    "`touch pwned`",
    "'; touch pwned; '",
    '"; touch pwned; "',
    "\ntouch pwned\n",
    "\r\ntouch pwned\r\n",
    "中'; touch pwned; 中'",
    "中\\'; touch pwned; '",
    "\u00ad\\'; touch pwned; '",
    '"; ^touch pwned; "',
    "'\"; touch pwned #",
    "'\\x27; touch pwned; echo \\x27'",
]
_chars = st.characters(codec="utf-8", exclude_characters="\x00")
SERVER_VALUE = st.one_of(
    VALUES,
    st.lists(st.sampled_from([*ATTACKS, *TRICKY]) | st.text(_chars, max_size=3), max_size=8).map(
        "".join
    ),
).filter(bool)


def available_locales() -> list[str]:
    """C, C.UTF-8 and the double-byte locales installed here (test_locales.py
    fails under CI when one is missing)."""
    return ["C", "C.UTF-8", *filter(locale_installed, LOCALES)]


def use_in_process(shell: str) -> tuple[int, str, str]:
    result = ssoenv_in_process("use", "dev", "--shell", shell)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.slow
@pytest.mark.shell
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(
    values=st.lists(SERVER_VALUE, min_size=3, max_size=3),
    locale=st.sampled_from(available_locales()),
)
def test_any_string_from_the_server_round_trips_in_every_format_and_never_runs(
    logged_in: Emulator, isolated_env: Path, tmp_path: Path, values: list[str], locale: str
) -> None:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    expected = dict(zip(CREDENTIAL_FIELDS, values, strict=True))
    logged_in.role_credentials_override = {
        field: expected[name] for name, field in CREDENTIAL_FIELDS.items()
    }
    # Fetched anew for each example, not served from the previous one's cache.
    shutil.rmtree(credentials_dir(isolated_env), ignore_errors=True)

    for runner_id in SHELL_RUNNERS:
        runner = RUNNER[runner_id]
        code, output, stderr = use_in_process(runner.shell)
        assert code == 0, stderr
        assert all(" " <= c <= "~" for c in output.replace("\n", "")), (runner_id, output)
        environ = shell_environ(runner, output.encode(), locale, work)  # nothing ran
        for name, value in expected.items():
            assert environ.get(name.encode()) == value.encode(), (runner_id, locale, name)

    code, output, stderr = use_in_process("powershell")
    assert code == 0, stderr
    assert all(" " <= c <= "~" for c in output.replace("\n", ""))
    powershell = ps_apply(output)
    for name, value in expected.items():
        assert powershell[name] == value, ("powershell", name)

    result = ssoenv_in_process("use", "dev", "--shell", "env")
    if all(env_writable(value) for value in values):
        assert result.returncode == 0, result.stderr
        for read in env_readers():
            from_file = read(result.stdout)
            for name, value in expected.items():
                assert from_file[name] == value, (read, name)
    else:
        error = assert_one_line_error(result, 2)
        assert "in env format" in error
    assert list(work.iterdir()) == []
