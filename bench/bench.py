"""`make bench`: the latencies a user feels, measured in one run against the local
IAM Identity Center emulator, beside the floor (`python3 -c pass`) and beside what
users would otherwise run (botocore's own SSO credential resolution, aws-sso-util).

Times whole commands with hyperfine when it is installed, else with Python's own
clock over several runs (median and spread); the commands compared with the floor
take turns with it, so a drift in the machine's speed hits them alike. Prints one
table, then the targets of issues 7 and 14 as ratios to the floor. Never used as a
test: numbers vary by machine. `--quick` takes fewer runs and skips the slowest rows.

A command that fails shows as "failed" with its first line of stderr, and the
bench goes on; a peer that cannot run here shows as "n/a" with the reason.
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SSOENV = str(BIN / "ssoenv")
AWS_SSO_UTIL = str(BIN / "aws-sso-util")
PYTHON = sys.executable
TIMEOUT = 120  # seconds for one run of one command: a hung command fails its row only

START_URL = "https://d-1234567890.awsapps.com/start"
DEV = """\
[profile dev]
sso_session = corp
sso_account_id = 000000000001
sso_role_name = ReadOnly
region = eu-west-1
"""
SESSION = f"""\
[sso-session corp]
sso_start_url = {START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""
CONFIG_HEAD = DEV + "\n" + SESSION
# A role chain two levels deep over `dev` (issue 13): the emulator lets any
# credentials it issued assume these roles (--role).
CHAIN_ROLES = ("arn:aws:iam::000000000002:role/Dev", "arn:aws:iam::000000000003:role/Deploy")
CHAIN = f"""
[profile dev-role]
role_arn = {CHAIN_ROLES[0]}
source_profile = dev
region = eu-west-1

[profile deploy]
role_arn = {CHAIN_ROLES[1]}
source_profile = dev-role
region = eu-west-1
"""
# The peers' forms of the same role: botocore runs `credential_process` for
# dev-process; aws-sso-util reads the legacy form (the start URL in the profile,
# which is what `aws-sso-util configure` writes, and the form its own
# credential-process reads the token cache for: the file named after the URL).
PEERS = f"""
[profile dev-process]
credential_process = {shlex.quote(SSOENV)} credential-process dev
region = eu-west-1

[profile dev-legacy]
sso_start_url = {START_URL}
sso_region = us-east-1
sso_account_id = 000000000001
sso_role_name = ReadOnly
region = eu-west-1
credential_process = {shlex.quote(AWS_SSO_UTIL)} credential-process --profile dev-legacy
"""
ROLES = ("Admin", "Billing", "Developer", "PowerUser", "ReadOnly")  # 5 per account, as issue 14
MARKER = "# managed by ssoenv populate (sso-session corp)"

ASU_ROW = "aws-sso-util credential-process --profile dev-legacy"
BOTOCORE_ROW = "botocore: Session('dev').get_credentials()"
BOTOCORE = (
    "import boto3; boto3.Session(profile_name='dev').get_credentials().get_frozen_credentials()"
)

# One Python process that has imported boto3, then resolves a role's credentials
# with a fresh Session each time, in turns: through `credential_process = ssoenv
# credential-process dev`, and through botocore's own SSO provider for `dev`. The
# latter has no warm case across Sessions: botocore caches role credentials in a
# dict per Session (~/.aws/cli/cache is the AWS CLI's own cache, which botocore and
# boto3 never read), so a fresh Session calls GetRoleCredentials each time. A first,
# untimed round pays botocore's one-time lazy imports for both.
IN_BOTO3 = """\
import json, sys, time
import boto3

def once(profile):
    started = time.perf_counter()
    boto3.Session(profile_name=profile).get_credentials().get_frozen_credentials()
    return (time.perf_counter() - started) * 1000

samples = {"process": [], "sso": []}
for rep in range(int(sys.argv[1]) + 1):
    for key, profile in (("process", "dev-process"), ("sso", "dev")):
        took = once(profile)
        if rep:
            samples[key].append(took)
print(json.dumps(samples))
"""


@dataclass
class Row:
    name: str
    median_ms: float | None  # None: not measured, the note says why
    spread_ms: float = 0.0
    note: str = ""
    whole_process: bool = True  # a process start, so a ratio to the floor means something


@dataclass
class Timed:
    """A command timed in turns with the floor."""

    name: str
    argv: Sequence[str]
    env: dict[str, str]
    slow: bool = False  # takes seconds (a peer, the biggest config): a quarter of the runs, >= 1
    note: str = ""


class Failed(Exception):
    """A command that exited non-zero or hung; the message is the row's note."""


def populated(accounts: int) -> str:
    """A config as `ssoenv populate` writes it for `accounts` accounts x 5 roles
    (its section names, marker line and keys), plus the hand-written `dev` and its
    [sso-session]. `dev` stands in the middle: a reader that stops at the first
    match, or one that reads from the end, gains nothing from where it stands."""
    blocks = [
        f"[profile acct-{i:04d}.{role}]\n{MARKER}\nsso_session = corp\n"
        f"sso_account_id = {i:012d}\nsso_role_name = {role}\nregion = eu-west-1\n"
        for i in range(1, accounts + 1)
        for role in ROLES
    ]
    blocks.insert(len(blocks) // 2, DEV)
    return "\n".join([SESSION, *blocks])


def first_line(stderr: str) -> str:
    """The line that names a failure: the first, or a traceback's last (its exception)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if not lines:
        return "(nothing on stderr)"
    return lines[-1] if lines[0].startswith("Traceback") else lines[0]


def time_commands(
    commands: Sequence[Timed], runs: int, rounds: int = 5, *, warmup: bool = True
) -> list[Row]:
    """Median and spread (stdev) in milliseconds of running each command `runs` times
    (the slow ones a quarter as many, at least once).

    The commands take turns, `rounds` times, a few runs each: a VM's speed drifts
    from minute to minute, and a ratio to the floor is only fair when the floor
    and the command were timed in the same minutes. Each turn is timed by
    hyperfine when it is installed, else by Python's clock around subprocess.run.
    A first run of each command warms the caches and shows whether it works at
    all; with `warmup`, one more run before each turn (not for the slow ones)
    warms them again after the other commands.
    """
    failed = {c.name: problem for c in commands if (problem := _check(c))}
    samples: dict[str, list[float]] = {c.name: [] for c in commands if c.name not in failed}
    for _ in range(rounds):
        for c in commands:
            wanted = max(1, runs // 4 if c.slow else runs)
            if c.name in failed or len(samples[c.name]) >= wanted:
                continue
            turn = max(1, wanted // rounds)
            try:
                samples[c.name] += _time_turn(c.argv, c.env, turn, warmup=warmup and not c.slow)
            except Failed as failure:
                failed[c.name] = str(failure)
    return [_row(c, samples.get(c.name, []), failed.get(c.name, "")) for c in commands]


def _row(command: Timed, samples: list[float], problem: str) -> Row:
    if problem:
        return Row(command.name, None, note=problem)
    return Row(command.name, statistics.median(samples), statistics.pstdev(samples), command.note)


def _run_once(argv: Sequence[str], env: dict[str, str], stdout: Any = subprocess.DEVNULL) -> str:
    """Run a command once; its stdout when asked for, else Failed with the reason."""
    try:
        done = subprocess.run(
            argv,
            env=env,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise Failed(f"failed: no answer in {TIMEOUT} s") from None
    except OSError as error:  # not installed, not executable
        raise Failed(f"failed: {error}") from None
    if done.returncode:
        raise Failed(f"failed (exit {done.returncode}): {first_line(done.stderr)}")
    return done.stdout or ""


def _check(command: Timed) -> str:
    try:
        _run_once(command.argv, command.env)
    except Failed as failure:
        return str(failure)
    return ""


def _time_turn(argv: Sequence[str], env: dict[str, str], runs: int, warmup: bool) -> list[float]:
    if shutil.which("hyperfine"):
        return _hyperfine(argv, env, runs, warmup)
    if warmup:  # the page cache and Python's bytecode cache, after the other commands
        _run_once(argv, env)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        _run_once(argv, env)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _hyperfine(argv: Sequence[str], env: dict[str, str], runs: int, warmup: bool) -> list[float]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        _run_once(
            ["hyperfine", "-N", "--warmup", "1" if warmup else "0", "--runs", str(runs),
             "--export-json", out.name, "--style", "none", shlex.join(argv)],
            env,
        )  # fmt: skip
        result = json.loads(Path(out.name).read_text())["results"][0]
    return [seconds * 1000 for seconds in result["times"]]


class Lab:
    """A throwaway HOME with a config, logged in through the emulator."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.emulator = subprocess.Popen(
            [PYTHON, "-m", "tests.emulator", "--port", "0",
             "--accounts", "500", "--roles-per-account", "3",
             *(word for arn in CHAIN_ROLES for word in ("--role", arn))],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        if self.emulator.stdout is None:
            raise SystemExit("the emulator did not start")
        url = self.emulator.stdout.readline().strip()
        self.home = workdir / "home"
        (self.home / ".aws").mkdir(parents=True)
        self.config = self.home / ".aws" / "config"
        self.config.write_text(CONFIG_HEAD + PEERS + CHAIN)
        self.env = {
            "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(self.home),
            "AWS_CONFIG_FILE": str(self.config),
            # botocore (and so aws-sso-util) honours these as ssoenv does.
            "AWS_ENDPOINT_URL_SSO_OIDC": url,
            "AWS_ENDPOINT_URL_SSO": url,
            "AWS_ENDPOINT_URL_STS": url,
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "LANG": "C.UTF-8",
            "CI": "1",  # never open a browser
        }
        # Both forms of the session: the [sso-session] one (keyed by its name in
        # ~/.aws/sso/cache) and the legacy one aws-sso-util reads (keyed by the URL).
        for profile in ("dev", "dev-legacy"):
            self.setup("login", profile, "--no-browser")
        self.setup("use", "dev", "--shell", "bash")  # warm the credential cache
        self.setup("use", "deploy", "--shell", "bash")  # ... and the chain's, in ~/.aws/cli/cache

    def setup(self, *args: str) -> None:
        """A setup step: when it fails, say so once and go on; the rows that need it fail."""
        try:
            self.ssoenv(*args)
        except Failed as failure:
            print(f"bench: ssoenv {' '.join(args)}: {failure}", file=sys.stderr)

    def ssoenv(self, *args: str, env: dict[str, str] | None = None) -> str:
        return _run_once([SSOENV, *args], env or self.env, stdout=subprocess.PIPE)

    def with_config(self, name: str, text: str) -> dict[str, str]:
        path = self.workdir / name
        path.write_text(text)
        return {**self.env, "AWS_CONFIG_FILE": str(path)}

    def active(self) -> dict[str, str]:
        """The environment of a shell after `eval "$(ssoenv use dev)"`: what `status` reads."""
        script = 'eval "$("$0" use dev --shell bash)" && env -0'
        try:
            out = _run_once(["bash", "-c", script, SSOENV], self.env, stdout=subprocess.PIPE)
        except Failed as failure:
            print(f"bench: a shell with dev active: {failure}", file=sys.stderr)
            return self.env
        return dict(item.split("=", 1) for item in out.split("\0") if "=" in item)

    def close(self) -> None:
        self.emulator.terminate()
        self.emulator.wait()


def guarded(name: str, measure: Callable[[], list[Row]]) -> list[Row]:
    """Rows measured by harness code (shells, boto3): a surprise fails them, not the bench."""
    try:
        return measure()
    except Exception as error:  # any failure is one row's note, never a traceback
        return [Row(name, None, note=f"failed: {first_line(str(error)) or type(error).__name__}")]


def prompt_rows(lab: Lab, prompts: int, runs: int) -> list[Row]:
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
            total = _time_stdin(argv, env, many, runs) - _time_stdin(argv, env, none, runs)
            per_prompt[label] = total / prompts
        added = per_prompt["hook"] - per_prompt["plain"]
        note = f"{per_prompt['hook']:.3f} ms with, {per_prompt['plain']:.3f} ms without"
        rows.append(
            Row(
                f"{shell}: one prompt, hook, fresh credentials (added)",
                added,
                0.0,
                note,
                whole_process=False,
            )
        )
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
                           stderr=subprocess.DEVNULL, check=False, timeout=TIMEOUT)  # fmt: skip
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
        rows.append(
            Row(
                f"{shell}: complete `ssoenv use <TAB>`, {profiles} profiles",
                int(micros) / 1000,
                0.0,
                f"{count} candidates, no Python",
                whole_process=False,
            )
        )
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
               0.0, f"{tabs[-1][1]} candidates, no Python", whole_process=False)  # fmt: skip


IN_BOTO3_ROWS = {
    "process": "in boto3: credential_process = ssoenv credential-process dev",
    "sso": "in boto3: botocore's SSO provider, dev",
}
IN_BOTO3_NOTES = {
    "process": "per call: a fresh Session, after `import boto3`",
    "sso": "per call, the same way; GetRoleCredentials each time (no file cache)",
}


def in_boto3_rows(lab: Lab, reps: int) -> list[Row]:
    """Resolving a role's credentials inside a Python program that has imported boto3
    (what both ways pay, so not timed): per call, not a process start."""
    out = _run_once([PYTHON, "-c", IN_BOTO3, str(reps)], lab.env, stdout=subprocess.PIPE)
    samples = json.loads(out)
    return [
        Row(
            IN_BOTO3_ROWS[key],
            statistics.median(samples[key]),
            statistics.pstdev(samples[key]),
            IN_BOTO3_NOTES[key],
            whole_process=False,
        )
        for key in IN_BOTO3_ROWS
    ]


@dataclass
class Plan:
    """How much to measure: all of it (`make bench`), or `--quick`: fewer runs and
    prompts, no per-turn warm-up, and without the slowest rows (the 2,500-profile
    config, botocore on 10,000 profiles, `accounts`)."""

    quick: bool
    runs: int
    prompts: int

    @property
    def rounds(self) -> int:
        return min(5, self.runs)

    @property
    def repetitions(self) -> int:  # of the shells fed prompts
        return 3 if self.quick else 5

    @property
    def calls(self) -> int:  # of each way of resolving credentials inside boto3
        return 3 if self.quick else 15

    @property
    def sizes(self) -> tuple[int, ...]:  # of the populated configs
        return (10000,) if self.quick else (2500, 10000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=Plan.__doc__.split(":", 1)[1])
    parser.add_argument("--runs", type=int, help="runs per command (default 20, quick 3)")
    parser.add_argument("--prompts", type=int, help="prompts per shell (default 1000, quick 200)")
    args = parser.parse_args()
    plan = Plan(
        args.quick,
        args.runs or (3 if args.quick else 20),
        args.prompts or (200 if args.quick else 1000),
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ssoenv-bench-") as tmp:
        lab = Lab(Path(tmp))
        try:
            rows = measure(lab, plan)
        finally:
            lab.close()
    report(rows)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"\n{'quick' if plan.quick else 'full'} run, {plan.runs} runs per command "
        f"(a quarter for the slow ones), {time.perf_counter() - started:.0f} s; "
        f"load average at the end: {load}"
    )
    return 0


def commands(lab: Lab, plan: Plan) -> list[Timed]:
    """Everything compared with the floor, in the table's order."""
    env, active = lab.env, lab.active()
    ssoenv = [
        ("use dev (warm cache)", ["use", "dev", "--shell", "bash"], env),
        ("credential-process dev", ["credential-process", "dev"], env),
        (
            "use deploy (a chain of 2 roles over dev, warm cache)",
            ["use", "deploy", "--shell", "bash"],
            env,
        ),
        ("exec dev -- true", ["exec", "dev", "--", "true"], env),
        ("status (dev active)", ["status"], active),
        ("status --json (dev active)", ["status", "--json"], active),
        ("list", ["list"], env),
        ("list --json", ["list", "--json"], env),
        *((f"init {shell}", ["init", shell], env) for shell in ("bash", "zsh", "fish")),
    ]
    timed = [Timed("floor: python3 -c pass", [PYTHON, "-c", "pass"], env)]
    timed += [Timed(f"ssoenv {name}", [SSOENV, *args], e) for name, args, e in ssoenv]
    big = {}
    for size in plan.sizes:
        big[size] = lab.with_config(f"config-{size}", populated(size // len(ROLES)))
        label = f"{size:,} profiles"
        timed += [
            Timed(f"ssoenv use dev, {label}", [SSOENV, "use", "dev", "--shell", "bash"], big[size]),
            Timed(f"ssoenv credential-process dev, {label}", [SSOENV, "credential-process", "dev"],
                  big[size]),
            Timed(f"ssoenv list, {label}", [SSOENV, "list"], big[size], slow=size > 2500),
        ]  # fmt: skip
    return timed + peers(env, None if plan.quick else big[10000])


def peers(env: dict[str, str], big: dict[str, str] | None) -> list[Timed]:
    """What users would otherwise run, as processes: botocore's own resolution of
    `dev` (on the small config, and on 10,000 profiles unless `big` is None), and
    aws-sso-util's credential-process for the same session, legacy-profile form.
    aws-sso-util reads the token ssoenv's login wrote (~/.aws/sso/cache, named
    after the start URL) and botocore's clients honour AWS_ENDPOINT_URL_SSO: its
    first run fetches the role's credentials from the emulator and caches them in
    ~/.aws/cli/cache, so the timed runs are warm, as ssoenv's are."""
    botocore = [PYTHON, "-c", BOTOCORE]
    fetches = "GetRoleCredentials each run (no file cache in botocore)"
    timed = [Timed(BOTOCORE_ROW, botocore, env, slow=True, note=fetches)]
    if big is not None:
        timed.append(Timed(f"{BOTOCORE_ROW}, 10,000 profiles", botocore, big, True, fetches))
    argv = [AWS_SSO_UTIL, "credential-process", "--profile", "dev-legacy"]
    asu = "legacy profile; token from ssoenv's login; warm ~/.aws/cli/cache"
    return [*timed, Timed(ASU_ROW, argv, env, slow=True, note=asu)]


def measure(lab: Lab, plan: Plan) -> list[Row]:
    # Everything compared with the floor is timed in turns with it.
    rows = time_commands(commands(lab, plan), plan.runs, plan.rounds, warmup=not plan.quick)
    if not Path(AWS_SSO_UTIL).exists():
        missing = "n/a: aws-sso-util is not installed (`make bench` installs the bench extra)"
        rows = [Row(r.name, None, note=missing) if r.name == ASU_ROW else r for r in rows]
    rows += guarded(IN_BOTO3_ROWS["process"], lambda: in_boto3_rows(lab, plan.calls))
    rows += guarded("prompt rows", lambda: prompt_rows(lab, plan.prompts, plan.repetitions))
    rows += guarded("completion rows", lambda: completion_rows(lab, 2000))
    if not plan.quick:
        name = "ssoenv accounts, 500 accounts x 3 roles"
        rows += time_commands([Timed(name, [SSOENV, "accounts"], lab.env)], 3, rounds=1)
    return rows


def report(rows: list[Row]) -> None:
    by_name = {r.name: r for r in rows}
    floor = by_name["floor: python3 -c pass"].median_ms or float("nan")
    print(f"{'measurement':66} {'median':>10} {'spread':>9} {'x floor':>8}")
    for r in rows:
        if r.median_ms is None:
            print(f"{r.name:66} {'':>10} {'':>9} {'':>8}  {r.note}")
            continue
        ratio = f"{r.median_ms / floor:7.1f}x" if r.whole_process else ""
        print(f"{r.name:66} {r.median_ms:8.2f}ms {r.spread_ms:7.2f}ms {ratio:>8}  {r.note}")
    ms = {r.name: r.median_ms for r in rows if r.median_ms is not None}
    report_issue7(rows, ms, floor)
    report_issue14(ms, floor)


def report_issue7(rows: list[Row], ms: dict[str, float], floor: float) -> None:
    nan = float("nan")  # a failed row: every comparison with it is False, so MISS
    use = ms.get("ssoenv use dev (warm cache)", nan)
    botocore = ms.get(BOTOCORE_ROW, nan)
    print("\ntargets (issue 7):")
    checks = [
        ("init bash <= 3x floor", ms.get("ssoenv init bash", nan) <= 3 * floor),
        ("use (warm) <= 4x floor", use <= 4 * floor),
        ("use >= 5x faster than botocore", botocore >= 5 * use),
    ]
    checks += [
        (f"{r.name} <= 0.2 ms", ms.get(r.name, nan) <= 0.2) for r in rows if "added" in r.name
    ]
    checks += [
        (f"{r.name} <= 20 ms", ms.get(r.name, nan) <= 20) for r in rows if "complete" in r.name
    ]
    for label, ok in checks:
        print(f"  {'met ' if ok else 'MISS'}  {label}")
    print(f"\nbotocore / ssoenv use = {botocore / use:.1f}x")


# Issue 14, item 3: (label, row, limit as a multiple of the floor).
FLOOR_TARGETS = [
    ("credential-process <= 4x floor", "ssoenv credential-process dev", 4),
    ("status <= 4x floor", "ssoenv status (dev active)", 4),
    ("list <= 4x floor", "ssoenv list", 4),
    ("exec P -- true <= 5x floor", "ssoenv exec dev -- true", 5),
    ("use, 10,000 profiles <= 4x floor", "ssoenv use dev, 10,000 profiles", 4),
    (
        "credential-process, 10,000 profiles <= 4x floor",
        "ssoenv credential-process dev, 10,000 profiles",
        4,
    ),
    ("list, 10,000 profiles <= 10x floor", "ssoenv list, 10,000 profiles", 10),
]
# (label, the faster one's row, the slower one's row, how many times faster at least)
PEER_TARGETS = [
    (
        "credential-process >= 8x faster than aws-sso-util",
        "ssoenv credential-process dev",
        ASU_ROW,
        8,
    ),
    (
        "in boto3: credential_process no slower than botocore's SSO provider",
        IN_BOTO3_ROWS["process"],
        IN_BOTO3_ROWS["sso"],
        1,
    ),
]


def report_issue14(ms: dict[str, float], floor: float) -> None:
    print("\ntargets (issue 14):")
    for label, name, limit in FLOOR_TARGETS:
        if name not in ms:
            print(f"  n/a   {label} (not measured)")
            continue
        ratio = ms[name] / floor
        print(f"  {'met ' if ratio <= limit else 'MISS'}  {label} ({ratio:.1f}x)")
    for label, fast, slow, times in PEER_TARGETS:
        if fast not in ms or slow not in ms:
            print(f"  n/a   {label} (not measured)")
            continue
        ratio = ms[slow] / ms[fast]
        print(f"  {'met ' if ratio >= times else 'MISS'}  {label} ({ratio:.2f}x faster)")


if __name__ == "__main__":
    sys.exit(main())
