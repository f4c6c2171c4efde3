"""`make bench`: the latencies a user feels, measured in one run against the local
IAM Identity Center emulator, beside the floor (`python3 -c pass`) and beside what
users would otherwise run (botocore's own SSO credential resolution).

Times whole commands with hyperfine when it is installed, else with Python's own
clock over several runs (median and spread); the commands compared with the floor
take turns with it, so a drift in the machine's speed hits them alike. Prints one
table, then the targets of issue 7 as ratios to the floor. Never used as a test:
numbers vary by machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SSOENV = str(BIN / "ssoenv")
PYTHON = sys.executable

CONFIG_HEAD = """\
[profile dev]
sso_session = corp
sso_account_id = 000000000001
sso_role_name = ReadOnly
region = eu-west-1

[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""

BOTOCORE = (
    "import boto3; boto3.Session(profile_name='dev').get_credentials().get_frozen_credentials()"
)


@dataclass
class Row:
    name: str
    median_ms: float
    spread_ms: float
    note: str = ""


def many_profiles(count: int) -> str:
    blocks = [
        f"[profile p{i:04d}]\nsso_session = corp\nsso_account_id = {100000000000 + i}\n"
        f"sso_role_name = ReadOnly\nregion = eu-west-1\n"
        for i in range(count)
    ]
    return CONFIG_HEAD + "\n" + "\n".join(blocks)


def time_commands(
    commands: dict[str, Sequence[str]], env: dict[str, str], runs: int, rounds: int = 5
) -> list[Row]:
    """Median and spread (stdev) in milliseconds of running each command `runs` times.

    The commands take turns, `rounds` times, a few runs each: a VM's speed drifts
    from minute to minute, and a ratio to the floor is only fair when the floor
    and the command were timed in the same minutes. Each turn is timed by
    hyperfine when it is installed, else by Python's clock around subprocess.run.
    """
    samples: dict[str, list[float]] = {name: [] for name in commands}
    per_round = max(1, runs // rounds)
    for _ in range(rounds):
        for name, argv in commands.items():
            samples[name] += _time_turn(argv, env, per_round)
    return [Row(name, statistics.median(s), statistics.pstdev(s)) for name, s in samples.items()]


def _time_turn(argv: Sequence[str], env: dict[str, str], runs: int) -> list[float]:
    if shutil.which("hyperfine"):
        return _hyperfine(argv, env, runs)
    for _ in range(2):  # warm the page cache and Python's bytecode cache
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _hyperfine(argv: Sequence[str], env: dict[str, str], runs: int) -> list[float]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            ["hyperfine", "-N", "--warmup", "2", "--runs", str(runs), "--export-json", out.name,
             "--style", "none", shlex.join(argv)],
            env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        result = json.loads(Path(out.name).read_text())["results"][0]
    return [seconds * 1000 for seconds in result["times"]]


class Lab:
    """A throwaway HOME with a config, logged in through the emulator."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.emulator = subprocess.Popen(
            [PYTHON, "-m", "tests.emulator", "--port", "0",
             "--accounts", "500", "--roles-per-account", "3"],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        if self.emulator.stdout is None:
            raise SystemExit("the emulator did not start")
        url = self.emulator.stdout.readline().strip()
        home = workdir / "home"
        (home / ".aws").mkdir(parents=True)
        self.config = home / ".aws" / "config"
        self.config.write_text(CONFIG_HEAD)
        self.env = {
            "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(home),
            "AWS_CONFIG_FILE": str(self.config),
            "AWS_ENDPOINT_URL_SSO_OIDC": url,
            "AWS_ENDPOINT_URL_SSO": url,
            "XDG_CACHE_HOME": str(home / ".cache"),
            "LANG": "C.UTF-8",
            "CI": "1",  # never open a browser
        }
        self.ssoenv("login", "dev", "--no-browser")
        self.ssoenv("use", "dev", "--shell", "bash")  # warm the credential cache

    def ssoenv(self, *args: str, allow_fail: bool = False) -> str:
        result = subprocess.run(
            [SSOENV, *args], env=self.env, capture_output=True, text=True, check=False
        )
        if result.returncode and not allow_fail:
            raise SystemExit(f"ssoenv {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def close(self) -> None:
        self.emulator.terminate()
        self.emulator.wait()


def prompt_rows(lab: Lab, prompts: int) -> list[Row]:
    """Cost of one prompt with the hook and fresh credentials, against the same shell
    without the hook: `prompts` empty lines fed to an interactive shell, minus the
    same shell fed no line (its start-up, and sourcing the script, cancel out)."""
    rows = []
    exports = lab.ssoenv("use", "dev", "--shell", "bash")
    many = lab.workdir / "lines"
    many.write_text("\n" * prompts)
    none = lab.workdir / "no-lines"
    none.write_text("")
    for shell in ("bash", "zsh"):
        if not shutil.which(shell):
            continue
        per_prompt = {}
        for label, rc in (("hook", exports + lab.ssoenv("init", shell)), ("plain", exports)):
            argv, env = _interactive(lab, shell, label, rc)
            total = _time_stdin(argv, env, many, runs=5) - _time_stdin(argv, env, none, runs=5)
            per_prompt[label] = total / prompts
        added = per_prompt["hook"] - per_prompt["plain"]
        note = f"{per_prompt['hook']:.3f} ms with, {per_prompt['plain']:.3f} ms without"
        rows.append(Row(f"{shell}: one prompt, hook, fresh credentials (added)", added, 0.0, note))
    return rows


def _interactive(lab: Lab, shell: str, label: str, rc: str) -> tuple[list[str], dict[str, str]]:
    directory = lab.workdir / f"{shell}-{label}"
    directory.mkdir(exist_ok=True)
    if shell == "bash":
        (directory / "bashrc").write_text(rc)
        return ["bash", "--noprofile", "--rcfile", str(directory / "bashrc"), "-i"], lab.env
    (directory / ".zshrc").write_text(rc)
    return ["zsh", "-i"], {**lab.env, "ZDOTDIR": str(directory)}


def _time_stdin(argv: list[str], env: dict[str, str], stdin: Path, runs: int) -> float:
    samples = []
    for _ in range(runs):
        with stdin.open() as handle:
            started = time.perf_counter()
            subprocess.run(argv, env=env, stdin=handle, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)  # fmt: skip
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def completion_rows(lab: Lab, profiles: int) -> list[Row]:
    """One TAB on `ssoenv use ` with `profiles` profiles, timed inside each shell
    (the harness of tests/shell/test_completions.py, which checks the matches)."""
    sys.path.insert(0, str(ROOT))
    from tests.shell import test_completions as harness

    config = harness.big_config(lab.workdir / "big-config", profiles)
    env = {**lab.env, "AWS_CONFIG_FILE": str(config)}
    rows = []
    for shell, timing in (("bash", harness.BASH_TIMING), ("fish", harness.FISH_TIMING)):
        if not shutil.which(shell):
            continue
        init = lab.workdir / f"init.{shell}"
        init.write_text(lab.ssoenv("init", shell))
        flags = ["--noprofile", "--norc"] if shell == "bash" else ["--no-config"]
        out = subprocess.run([shell, *flags, "-c", f"source {init}\n{timing}"], env=env,
                             capture_output=True, text=True, check=False)  # fmt: skip
        count, micros = out.stdout.split()[-2:]
        rows.append(Row(f"{shell}: complete `ssoenv use <TAB>`, {profiles} profiles",
                        int(micros) / 1000, 0.0, f"{count} candidates, no Python"))  # fmt: skip
    if shutil.which("zsh"):
        rows.append(_zsh_completion_row(lab, env, harness, profiles))
    return rows


def _zsh_completion_row(lab: Lab, env: dict[str, str], harness: Any, profiles: int) -> Row:
    """zsh completes inside a line editor: TAB is pressed in a pseudo-terminal and
    _ssoenv times itself there (one line per TAB: microseconds::matches)."""
    init = lab.workdir / "init.zsh"
    init.write_text(lab.ssoenv("init", "zsh"))
    setup = lab.workdir / "timing-setup.zsh"
    setup.write_text(harness.ZSH_TIMING_SETUP)
    out = subprocess.run(["zsh", "-f", "-c", harness.ZSH_TIMING, "zsh", str(setup)],
                         env={**env, "SSOENV_TEST_INIT": str(init)},
                         capture_output=True, text=True, check=False)  # fmt: skip
    tabs = [line.split("::") for line in out.stdout.split()]
    micros = statistics.median(float(us) for us, _ in tabs)
    return Row(f"zsh: complete `ssoenv use <TAB>`, {profiles} profiles", micros / 1000,
               0.0, f"{tabs[-1][1]} candidates, no Python")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--prompts", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ssoenv-bench-") as tmp:
        lab = Lab(Path(tmp))
        try:
            rows = measure(lab, args.runs, args.prompts)
        finally:
            lab.close()
    report(rows)
    return 0


def measure(lab: Lab, runs: int, prompts: int) -> list[Row]:
    def row(name: str, argv: list[str], env: dict[str, str] | None = None, n: int = runs) -> Row:
        (only,) = time_commands({name: argv}, env or lab.env, n, rounds=1)
        return only

    # Everything compared with the floor is timed in turns with it.
    rows = time_commands(
        {
            "floor: python3 -c pass": [PYTHON, "-c", "pass"],
            "ssoenv use dev (warm cache)": [SSOENV, "use", "dev", "--shell", "bash"],
            "botocore: Session('dev').get_credentials()": [PYTHON, "-c", BOTOCORE],
            "ssoenv init bash": [SSOENV, "init", "bash"],
            "ssoenv init zsh": [SSOENV, "init", "zsh"],
            "ssoenv init fish": [SSOENV, "init", "fish"],
        },
        lab.env,
        runs,
    )
    rows += prompt_rows(lab, prompts)
    rows += completion_rows(lab, 2000)
    big = lab.workdir / "list-config"
    big.write_text(many_profiles(2000))
    if lab.ssoenv("list", "--help", allow_fail=True):
        rows.append(row("ssoenv list, 2000 profiles", [SSOENV, "list"],
                        {**lab.env, "AWS_CONFIG_FILE": str(big)}, n=5))  # fmt: skip
    if lab.ssoenv("accounts", "--help", allow_fail=True):
        rows.append(row("ssoenv accounts, 500 accounts x 3 roles", [SSOENV, "accounts"], n=3))
    return rows


def report(rows: list[Row]) -> None:
    by_name = {r.name: r for r in rows}
    floor = by_name["floor: python3 -c pass"].median_ms
    print(f"{'measurement':58} {'median':>10} {'spread':>9} {'x floor':>8}")
    for r in rows:
        ratio = f"{r.median_ms / floor:7.1f}x" if "added" not in r.name else ""
        unit = "ms"
        print(f"{r.name:58} {r.median_ms:8.2f}{unit} {r.spread_ms:7.2f}ms {ratio:>8}  {r.note}")
    use = by_name["ssoenv use dev (warm cache)"].median_ms
    botocore = by_name["botocore: Session('dev').get_credentials()"].median_ms
    print("\ntargets (issue 7):")
    checks = [
        ("init bash <= 3x floor", by_name["ssoenv init bash"].median_ms <= 3 * floor),
        ("use (warm) <= 4x floor", use <= 4 * floor),
        ("use >= 5x faster than botocore", botocore >= 5 * use),
    ]
    checks += [(f"{r.name} <= 0.2 ms", r.median_ms <= 0.2) for r in rows if "added" in r.name]
    checks += [(f"{r.name} <= 20 ms", r.median_ms <= 20) for r in rows if "complete" in r.name]
    for label, ok in checks:
        print(f"  {'met ' if ok else 'MISS'}  {label}")
    print(f"\nbotocore / ssoenv use = {botocore / use:.1f}x")


if __name__ == "__main__":
    sys.exit(main())
