"""Shell output is pure ASCII and stays inert under every locale (issue #12).

A shell reads its input in its own locale. Under GBK, Big5 or Shift-JIS the
byte 0x5C (`\\`) is a trail byte of a double-byte character, so a raw UTF-8
byte followed by the `\\` of an escape is read as one character: the escape is
gone, the quote ends early and the rest of the value runs as code. The
reproduction from the issue is a config `region = 中'; touch x; 中'` with
ssoenv writing UTF-8 (`PYTHONUTF8=1`) to a shell in `zh_CN.GBK`.

Here real bash, zsh, fish and dash evaluate ssoenv's output in `zh_CN.GBK`,
`zh_TW.BIG5` and `ja_JP.SJIS` (generated with localedef by .ci/run; a missing
one skips, or fails under CI) and every value comes back byte for byte, for
values holding every byte UTF-8 can hold and every quote character.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from ssoenv.shells import SHELLS
from tests.emulator import Emulator
from tests.helpers import SSOENV
from tests.test_shells_quote import RUNNERS, Runner, env_writable, names, set_ops

# The three double-byte locales of the issue, and the Python codec of each charset.
LOCALES = {"zh_CN.GBK": "gbk", "zh_TW.BIG5": "big5", "ja_JP.SJIS": "shift_jis"}
QUOTES = "'\"`\\$\u2018\u2019\u201a\u201b"
RUNNER = {runner.id: runner for runner in RUNNERS}
# The shells that read their input in the locale, with the format each reads.
LOCALE_RUNNERS = ["bash", "zsh", "sh", "fish-source", "fish-eval"]


@cache
def installed_locales() -> frozenset[str]:
    proc = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False)
    return frozenset(line.strip().lower() for line in proc.stdout.splitlines())


def locale_installed(name: str) -> bool:
    return name.lower() in installed_locales()  # `locale -a` says zh_CN.gbk


def require_locale(name: str) -> str:
    """`name` if the system has it; skip otherwise, or fail under CI."""
    language = name.partition(".")[0]
    if locale_installed(name):
        return name
    reason = f"locale {name} is missing (localedef -i {language} -f <charset> {name})"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; .ci/run generates it")
    pytest.skip(reason)


@pytest.fixture(params=list(LOCALES))
def locale(request: pytest.FixtureRequest) -> str:
    return require_locale(str(request.param))


def every_byte_values() -> list[str]:
    """Values whose UTF-8 holds every byte 0x01-0x7F and every byte UTF-8 allows
    above it (0x80-0xBF as continuation, 0xC2-0xF4 as lead), each followed by a
    `\\` and a quote, which is what a double-byte charset swallows."""
    chars = [chr(c) for c in range(1, 0x100)]
    chars += [bytes([0xE4, 0xB8, trail]).decode() for trail in range(0x80, 0xC0)]
    chars += [chr(c) for c in (0x800, 0xFFFD, 0x4E2D, 0x10000, 0x1F600, 0x10FFFF)]
    values = ["".join(chars)]
    values += [f"{c}\\'{c}'\\{c}\"{c}`{c}$" for c in chars[0x7F:]]
    values += [QUOTES, "中'; touch pwned; 中'", "中\\'; touch pwned; '"]
    return values


def shell_environ(runner: Runner, text: bytes, locale: str, work: Path) -> dict[bytes, bytes]:
    """Evaluate `text` in `runner`'s real shell under `locale`, in `work`; the
    environment its child process receives. Checks first that nothing ran."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ["HOME"], "LC_ALL": locale}
    proc = subprocess.run(
        runner.argv(),
        input=text,
        capture_output=True,
        env=env,
        cwd=work,
        timeout=120,
        check=False,
    )
    assert list(work.iterdir()) == [], f"a value ran as code in {runner.id} under {locale}"
    assert proc.returncode == 0, (runner.id, locale, proc.stderr.decode(errors="replace"))
    pairs = (entry.partition(b"=") for entry in proc.stdout.split(b"\0") if entry)
    return {name: value for name, _, value in pairs}


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """An empty folder to run in: whatever a value manages to run lands here."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


@pytest.mark.shell
@pytest.mark.parametrize("runner_id", LOCALE_RUNNERS)
def test_every_byte_and_quote_round_trips_under_double_byte_locales(
    runner_id: str, locale: str, work: Path
) -> None:
    runner = RUNNER[runner_id]
    values = every_byte_values()
    text = SHELLS[runner.shell].render(set_ops(values))
    environ = shell_environ(runner, text.encode(), locale, work)
    for name, value in zip(names(len(values)), values, strict=True):
        assert environ.get(name.encode()) == value.encode(), (runner_id, locale, value)
    assert text.isascii()


def use_region(region: str, shell: str, extra_env: dict[str, str]) -> bytes:
    """`ssoenv use hostile --shell SHELL`'s stdout, with `extra_env`."""
    proc = subprocess.run(
        [SSOENV, "use", "hostile", "--shell", shell],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **extra_env},
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout


@pytest.mark.shell
@pytest.mark.parametrize("runner_id", LOCALE_RUNNERS)
def test_the_issue_reproduction_runs_nothing(
    runner_id: str, locale: str, work: Path, logged_in: Emulator, aws_env: Path
) -> None:
    """`region = 中'; touch pwned; 中'` in the config, ssoenv in UTF-8 mode (and
    in the locale's own encoding), the shell in a double-byte locale."""
    region = "中'; touch pwned; 中'"
    with aws_env.open("a", encoding="utf-8") as config:
        config.write(
            "\n[profile hostile]\nsso_session = corp\nsso_account_id = 111111111111\n"
            f"sso_role_name = ReadOnly\nregion = {region}\n"
        )
    runner = RUNNER[runner_id]
    for python_env in ({"PYTHONUTF8": "1", "LC_ALL": locale}, {"LC_ALL": locale}):
        output = use_region(region, runner.shell, python_env)
        environ = shell_environ(runner, output, locale, work)
        assert environ[b"AWS_REGION"] == region.encode()
        assert environ[b"SSOENV_PROFILE"] == b"hostile"
        assert output.isascii(), output


CHARMAPS = Path("/usr/share/i18n/charmaps")


def charmap_sequences(path: Path) -> Iterator[bytes]:
    """The byte sequences a glibc charmap file assigns to characters."""
    text = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    lines = text.decode("latin-1").splitlines()
    escape = next((ln.split()[1] for ln in lines if ln.startswith("<escape_char>")), "/")
    pattern = re.compile(rf"^<[^>]+>\s+((?:{re.escape(escape)}x[0-9a-fA-F]{{2}})+)")
    for line in lines:
        if match := pattern.match(line):
            yield bytes.fromhex(match.group(1).replace(escape + "x", ""))


def test_a_single_quote_is_never_part_of_a_multibyte_character() -> None:
    """Why `'...'` holding raw UTF-8 is safe in every locale (the env format
    keeps text above U+007E raw there): in no ASCII-compatible charset of glibc
    is 0x27 a second or later byte, so a `'` always ends the string."""
    if not CHARMAPS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{CHARMAPS} is missing; .ci/run installs the locales package")
        pytest.skip(f"{CHARMAPS} is missing (the locales package)")
    checked = []
    for path in sorted(CHARMAPS.iterdir()):
        sequences = list(charmap_sequences(path))
        if b"'" not in sequences or b"A" not in sequences:
            continue  # not ASCII-compatible (UCS-2, UCS-4): no shell runs in those
        assert not [s for s in sequences if b"'" in s[1:]], path.name
        checked.append(path.name.removesuffix(".gz"))
    assert {"GBK", "BIG5", "SHIFT_JIS", "GB18030", "EUC-JP", "UTF-8"} <= set(checked)


@pytest.mark.shell
@pytest.mark.parametrize("shell", ["dash", "bash"])
def test_an_env_file_with_text_above_ascii_sources_alike_in_double_byte_locales(
    shell: str, locale: str, work: Path
) -> None:
    binary = shutil.which(shell)
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail(f"{shell} is required in CI")
        pytest.skip(f"{shell} is not installed")
    # The env format refuses `'`, `\\`, `$` and control characters: the rest.
    chars = [c for c in every_byte_values()[0] if env_writable(c)]
    values = ["".join(chars), *(f'{c}"{c}`{c} #{c}' for c in chars if c > "~")]
    path = work.parent / "use.env"
    path.write_bytes(SHELLS["env"].render(set_ops(values)).encode())
    proc = subprocess.run(
        [binary, "-c", f"set -a; . {path} || exit 97; exec env -0"],
        capture_output=True,
        env={"PATH": os.environ["PATH"], "LC_ALL": locale},
        cwd=work,
        timeout=60,
        check=False,
    )
    assert list(work.iterdir()) == [], "a value ran as code"
    assert (proc.returncode, proc.stderr) == (0, b"")
    environ = dict(e.partition(b"=")[::2] for e in proc.stdout.split(b"\0") if e)
    for name, value in zip(names(len(values)), values, strict=True):
        assert environ.get(name.encode()) == value.encode(), (shell, locale, value)
