"""SIGKILL at any point of a cache write never leaves a corrupt or partial file:
the file is absent or one of the payloads, whole; a killed writer's temp file is
removed by the next write; concurrent writers never remove each other's."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ssoenv import files

ROOT = Path(__file__).resolve().parents[2]
KILLS = 200
SEED = 20260601
MAX_DELAY = 0.03  # seconds: a kill lands anywhere in the first few writes
PAYLOAD_BYTES = 512 * 1024  # a write takes milliseconds, so many kills land mid-write


def payload(number: int) -> dict[str, Any]:
    """A large payload that names itself, so a file can be checked against it."""
    return {"number": number, "blob": f"{number:012d}" * (PAYLOAD_BYTES // 12)}


# Forks one writer per line read, reports its pid, then its wait status once it
# has been killed. Forking from an interpreter that has already imported ssoenv
# costs a millisecond, so 200 kills take seconds, not minutes.
FORKER = f"""
import os, sys
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from ssoenv import files
from tests.reliability.test_kill import payload
path = Path(sys.argv[1])
for line in sys.stdin:
    writer = int(line)
    pid = os.fork()
    if pid == 0:
        number = writer * 1_000_000
        while True:
            files.write_json(path, payload(number))
            number += 1
    print(pid, flush=True)
    print(os.waitpid(pid, 0)[1], flush=True)
"""


def temps(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f".{path.name}.*.tmp"))


def check(path: Path) -> bool:
    """The file is absent, or whole: exactly one of the payloads, mode 0600."""
    if not path.exists():
        return False
    data = json.loads(path.read_bytes())
    assert data == payload(data["number"])
    assert path.stat().st_mode & 0o777 == 0o600
    assert files.read_json(path) == data
    return True


@pytest.mark.slow
def test_sigkill_at_random_points_of_a_write_never_leaves_a_partial_file(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "token.json"
    rng = random.Random(SEED)
    forker = subprocess.Popen(
        [sys.executable, "-c", FORKER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert forker.stdin is not None and forker.stdout is not None
    left_a_temp = whole = 0
    try:
        for writer in range(KILLS):
            forker.stdin.write(f"{writer}\n")
            forker.stdin.flush()
            pid = int(forker.stdout.readline())
            time.sleep(rng.uniform(0, MAX_DELAY))  # when to kill: the only randomness
            os.kill(pid, signal.SIGKILL)
            status = int(forker.stdout.readline())  # reaped: the writer is gone
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            whole += check(path)
            # At most the temp file of the writer just killed: the previous one's was
            # removed by this writer's first write.
            leftovers = temps(path)
            assert len(leftovers) <= 1, leftovers
            left_a_temp += bool(leftovers)
    finally:
        forker.stdin.close()
        forker.wait(timeout=60)
    print(f"\n{KILLS} kills survived: {left_a_temp} mid-write, file whole after {whole}")
    assert left_a_temp > 0, "no kill landed mid-write: make the payload larger"
    assert whole > 0
    # The next write removes what the last kill left.
    files.write_json(path, payload(-1))
    assert temps(path) == []
    assert check(path)


WRITER = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from ssoenv import files
from tests.reliability.test_kill import payload
path, first = Path(sys.argv[1]), int(sys.argv[2])
for number in range(first, first + 100):
    files.write_json(path, payload(number))
"""


@pytest.mark.slow
def test_concurrent_writers_never_remove_each_others_temp_files(tmp_path: Path) -> None:
    """Every write cleans up stale temp files: it must skip the live ones."""
    path = tmp_path / "cache" / "shared.json"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(n * 1000)], cwd=ROOT)
        for n in range(4)
    ]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0, 0]
    assert check(path)
    assert temps(path) == []


def test_a_stale_temp_file_is_removed_and_a_live_one_kept(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "x.json"
    files.write_json(path, {"a": 1})
    stale = path.parent / f".{path.name}.dead1234.tmp"
    stale.write_text('{"half": ')
    live = path.parent / f".{path.name}.live5678.tmp"
    live.write_text("")
    other = path.parent / ".other.json.dead1234.tmp"  # another file's: not ours to judge
    other.write_text("")
    with open(live) as handle:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # as a live writer holds it
        files.write_json(path, {"a": 2})
        assert not stale.exists()
        assert live.exists()
    assert other.exists()
    assert json.loads(path.read_text()) == {"a": 2}
