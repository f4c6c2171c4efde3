"""`ssoenv init nu` in a real nushell: the `ssoenv` command loads what `use`
and `logout` print, the pre_prompt hook refreshes when due and starts no
process otherwise (counted with strace), it picks up another terminal's
refresh and logout, the badge, and completion of hostile profile names."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from ssoenv.shells.nu import nu_quote
from tests.emulator import Emulator
from tests.shell.conftest import SSOENV, lines_of, steps
from tests.shell.test_badge import cases
from tests.shell.test_completion_quoting import HOSTILE, header
from tests.shell.test_hook import PROMPTS, trace_processes
from tests.shell.test_wrapper import ACTIVE
from tests.test_shells_quote import find_nu

pytestmark = pytest.mark.shell

# `step` prints a marker and the environment a child process gets; `prompt`
# runs every pre_prompt hook as nushell does before it draws a prompt.
PRELUDE = """
def step [] { print __STEP__; ^env }
def --env prompt [] { for hook in $env.config.hooks.pre_prompt { do --env $hook } }
"""


@pytest.fixture(scope="module")
def nu() -> str:
    found = find_nu()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("nu is required in CI (.ci/run installs it)")
        pytest.skip("nu is not installed")
    return found


@pytest.fixture(scope="module")
def init_nu(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("init") / "init.nu"
    path.write_text(
        subprocess.run(
            [str(SSOENV), "init", "nu"], capture_output=True, text=True, check=True
        ).stdout
    )
    return path


def nu_argv(nu: str, init: Path, script: str) -> list[str]:
    return [nu, "--no-config-file", "-c", f"source {nu_quote(str(init))}\n{PRELUDE}\n{script}"]


def run_nu(
    nu: str, init: Path, script: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        nu_argv(nu, init, script),
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


def test_use_another_profile_and_logout(nu: str, init_nu: Path, logged_in: dict[str, str]) -> None:
    script = """
ssoenv use dev
step
print $"pid=($nu.pid)"
ssoenv use admin
step
ssoenv logout
step
"""
    result = run_nu(nu, init_nu, script, logged_in)
    assert result.returncode == 0, result.stderr
    dev, admin, cleared = steps(result.stdout)
    for name in ACTIVE:
        assert dev.get(name), name
        assert name not in cleared, name
    assert dev.get("__SSOENV_MARKER")
    assert dev["SSOENV_PROFILE"] == "dev"
    assert dev["AWS_REGION"] == dev["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert dev["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    # admin has no region: the second `use` removes dev's.
    assert admin["SSOENV_PROFILE"] == "admin"
    assert "AWS_REGION" not in admin and "AWS_DEFAULT_REGION" not in admin
    assert "AWS_REGION" not in cleared
    assert "using 'dev'" in result.stderr and "using 'admin'" in result.stderr
    pid = next(line[4:] for line in lines_of(result.stdout) if line.startswith("pid="))
    assert dev["__SSOENV_MARKER"] == str(
        Path(os.environ["XDG_RUNTIME_DIR"]) / "ssoenv" / f"marker.{pid}"
    )
    assert not Path(dev["__SSOENV_CRED_FILE"]).exists()  # logout removed it


def test_other_commands_and_options_pass_through(
    nu: str, init_nu: Path, logged_in: dict[str, str]
) -> None:
    script = """
ssoenv use dev --shell nu
step
ssoenv --version
try { ssoenv use forbidden } catch {|error| print $"failed=($env.LAST_EXIT_CODE)" }
step
"""
    result = run_nu(nu, init_nu, script, logged_in)
    assert result.returncode == 0, result.stderr
    printed, after_failure = steps(result.stdout)
    assert "SSOENV_PROFILE" not in printed  # --shell prints, changes nothing
    assert '"AWS_ACCESS_KEY_ID"' in result.stdout.split("__STEP__")[0]
    assert "ssoenv 0." in result.stdout or "ssoenv " in result.stdout
    assert "SSOENV_PROFILE" not in after_failure  # a failure loads nothing
    assert re.search(r"^failed=[1-9]\d*$", result.stdout, re.MULTILINE)
    assert "not assigned to you" in result.stderr  # ssoenv's own one line


def test_sourcing_twice_registers_one_hook(
    nu: str, init_nu: Path, shell_env: dict[str, str]
) -> None:
    script = f"""
$env.config.hooks.pre_prompt = [{{|| print other}}]
source {nu_quote(str(init_nu))}
source {nu_quote(str(init_nu))}
print $"hooks=($env.config.hooks.pre_prompt | length)"
prompt
"""
    result = run_nu(nu, init_nu, script, shell_env)
    assert result.returncode == 0, result.stderr
    assert "hooks=2" in lines_of(result.stdout)  # ours (first) and the user's
    assert "other" in lines_of(result.stdout)


def test_the_hook_refreshes_when_due_and_keeps_the_exit_code(
    nu: str, init_nu: Path, logged_in: dict[str, str], emulator: Emulator
) -> None:
    # Credentials living 5 minutes are inside the 10-minute window from the
    # start; moving __SSOENV_REFRESH_AT into the past stands for time passing.
    emulator.credential_ttl = 300
    script = """
ssoenv use dev
step
prompt
step
$env.__SSOENV_REFRESH_AT = "1"
$env.LAST_EXIT_CODE = 7
prompt
print $"exit=($env.LAST_EXIT_CODE)"
step
"""
    started = int(time.time())
    result = run_nu(nu, init_nu, script, logged_in)
    assert result.returncode == 0, result.stderr
    used, not_due, refreshed = steps(result.stdout)
    assert not_due["AWS_ACCESS_KEY_ID"] == used["AWS_ACCESS_KEY_ID"]
    assert refreshed["AWS_ACCESS_KEY_ID"] != used["AWS_ACCESS_KEY_ID"]
    assert emulator.calls["GetRoleCredentials"] == 2  # `use`, then one refresh
    assert int(refreshed["__SSOENV_REFRESH_AT"]) >= started + 60
    assert "__SSOENV_RETRY_AT" not in refreshed
    assert "exit=7" in lines_of(result.stdout)


def test_the_hook_picks_up_another_terminals_refresh_and_logout(
    nu: str, init_nu: Path, logged_in: dict[str, str], emulator: Emulator
) -> None:
    # The other terminal is another process: ssoenv with its own PID and a
    # refresh due, as its hook would run it.
    other = {"__SSOENV_SHELL_PID": "1", "SSOENV_REFRESH_WINDOW": "4000", "__SSOENV_REFRESH_AT": "1"}
    script = f"""
ssoenv use dev
step
let refreshed = (with-env {json.dumps(other)} {{ ^ssoenv hook-env --shell nu }} | from json)
print $"other=($refreshed.AWS_ACCESS_KEY_ID)"
prompt
step
^ssoenv logout out> /dev/null
prompt
step
"""
    result = run_nu(nu, init_nu, script, logged_in)
    assert result.returncode == 0, result.stderr
    used, picked, logged_out = steps(result.stdout)
    other_key = next(line[6:] for line in lines_of(result.stdout) if line.startswith("other="))
    assert other_key != used["AWS_ACCESS_KEY_ID"]
    assert picked["AWS_ACCESS_KEY_ID"] == other_key
    # `use` and the other terminal's refresh: the pickup is no network call.
    assert emulator.calls["GetRoleCredentials"] == 2
    assert "SSOENV_PROFILE" not in logged_out
    assert "AWS_ACCESS_KEY_ID" not in logged_out
    assert "'dev' was logged out" in result.stderr


# `print -r`: a plain `print` without a terminal asks `tput` for its size.
LOOP = f"""
ssoenv use dev
print -r __COUNT_BEGIN__
for i in 1..{PROMPTS} {{ prompt; let badge = (ssoenv_prompt) }}
print -r __COUNT_END__
"""


def test_a_prompt_with_nothing_due_starts_no_process(
    nu: str, init_nu: Path, logged_in: dict[str, str], tmp_path: Path
) -> None:
    started = trace_processes(nu_argv(nu, init_nu, LOOP), logged_in, tmp_path)
    assert started == []
    # The same loop with a refresh due: the count sees the one hook-env run.
    due = LOOP.replace(
        "print -r __COUNT_BEGIN__", '$env.__SSOENV_REFRESH_AT = "1"\nprint -r __COUNT_BEGIN__'
    )
    started = trace_processes(nu_argv(nu, init_nu, due), logged_in, tmp_path)
    assert any("hook-env" in line for line in started)


def test_the_badge(nu: str, init_nu: Path, shell_env: dict[str, str]) -> None:
    now = int(time.time())
    lines = []
    for profile, expires, session, _ in cases(now):
        if profile:
            lines.append(f"$env.SSOENV_PROFILE = {nu_quote(profile)}")
        else:
            lines.append("hide-env -i SSOENV_PROFILE")
        lines.append(f"$env.SSOENV_EXPIRES = {nu_quote(str(expires))}")
        lines.append(f"$env.SSOENV_SESSION_EXPIRES = {nu_quote(str(session))}")
        lines.append('print $"badge=(ssoenv_prompt)"')
    # Retrying, a control character in the name.
    lines += [
        '$env.SSOENV_PROFILE = "d\\e]0;x\\u{7}v"',
        f'$env.SSOENV_EXPIRES = "{now + 42 * 60 + 30}"',
        f'$env.SSOENV_SESSION_EXPIRES = "{now + 86400}"',
        '$env.SSOENV_RETRYING = "1"',
        'print $"badge=(ssoenv_prompt)"',
    ]
    result = run_nu(nu, init_nu, "\n".join(lines), shell_env)
    assert result.returncode == 0, result.stderr
    expected = [f"badge={badge}" for *_, badge in cases(now)] + ["badge=d?]0;x?v 42m~"]
    assert lines_of(result.stdout) == [line.rstrip() for line in expected]


def test_completion_offers_the_config_names_quoted_for_nu(
    nu: str, init_nu: Path, shell_env: dict[str, str], tmp_path: Path
) -> None:
    """The names botocore reads (test_completion_quoting's attacker's list,
    continuation lines, indented headers), each as a word that nushell passes
    on as exactly that name, never running any of it."""
    sentinel = str(tmp_path / "pwned")
    names = [name.replace("{S}", sentinel) for name in HOSTILE]
    config = tmp_path / "config with space"
    config.write_text(
        "[default]\nregion = us-east-1\n"
        + "".join(header("profile", name) for name in names)
        + "[profile dev]\n\t[profile indented]\nkey = value\n  [profile continued-value]\n"
        + header("sso-session", "c o r p")
        + "[profile esc\x1b[31m]\n[profile line\u2028sep]\n[profile ok\r[profile cr]\n",
        encoding="utf-8",
    )
    env = {**shell_env, "AWS_CONFIG_FILE": str(config), "LC_ALL": "C.UTF-8"}
    script = """
print (__ssoenv_complete "ssoenv use " | to json -r)
print (__ssoenv_complete "ssoenv login --sso-session " | to json -r)
print (__ssoenv_complete "ssoenv --debug exec " | to json -r)
print (__ssoenv_complete "ssoenv in" | to json -r)
print (__ssoenv_complete "ssoenv use dev --s" | to json -r)
print (__ssoenv_complete "ssoenv use dev --shell " | to json -r)
print (__ssoenv_complete "ssoenv init " | to json -r)
"""
    result = run_nu(nu, init_nu, script, env)
    assert result.returncode == 0, result.stderr
    outputs = [json.loads(line) for line in lines_of(result.stdout)]
    profiles, sessions, exec_profiles, commands, options, formats, shells = outputs
    expected = ["default", *names, "dev", "indented", "cr"]
    assert exec_profiles == profiles
    assert "init" in commands and "use" in commands and "hook-env" not in commands
    assert "--shell" in options and "--region" in options
    assert "nu" in formats and "json" in formats
    assert shells == ["bash", "zsh", "fish", "nu", "pwsh", "direnv"]
    # Each word, typed on a nushell command line, is exactly the name.
    words = " ".join(profiles + sessions)
    check = run_nu(nu, init_nu, f"def --wrapped f [...a] {{ $a | to json -r }}\nf {words}", env)
    assert check.returncode == 0, check.stderr
    # (In any order: nushell sorts what it shows.)
    assert sorted(json.loads(check.stdout)) == sorted([*expected, "c o r p"])
    assert not list(tmp_path.glob("pwned*"))


def test_the_documented_setup_and_the_doctor(
    nu: str, init_nu: Path, logged_in: dict[str, str], tmp_path: Path
) -> None:
    """config.nu as docs/shell.md writes it registers the hook and the badge; a
    later `$env.config.hooks.pre_prompt = [...]` loses the hook, and `ssoenv use` says so."""
    config_dir = tmp_path / "nuconfig"
    config_dir.mkdir()
    (config_dir / "ssoenv.nu").write_text(init_nu.read_text())
    config = config_dir / "config.nu"
    setup = (
        f"const dir = {nu_quote(str(config_dir))}\n"
        "source ($dir | path join ssoenv.nu)\n"
        "$env.PROMPT_COMMAND_RIGHT = {|| ssoenv_prompt }\n"
    )
    argv = [nu, "--config", str(config), "--env-config", str(config_dir / "env.nu"), "-c"]
    (config_dir / "env.nu").write_text("")
    config.write_text(setup)
    kept = subprocess.run(
        [*argv, "ssoenv use dev; print -r (do $env.PROMPT_COMMAND_RIGHT)"],
        env=logged_in,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert kept.returncode == 0, kept.stderr
    assert re.fullmatch(r"dev (59m|1h00m)\n", kept.stdout)
    assert "prompt hook" not in kept.stderr
    config.write_text(setup + "$env.config.hooks.pre_prompt = []\n")
    lost = subprocess.run(
        [*argv, "ssoenv use dev"],
        env=logged_in,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert lost.returncode == 0, lost.stderr
    assert "the prompt hook is not in $env.config.hooks.pre_prompt" in lost.stderr


class NuTerminal:
    """An interactive nushell on a pseudo-terminal: every command ends with a
    real prompt, before which nushell runs the pre_prompt hooks as it does
    for a person. The line editor asks the terminal where its cursor is
    (ESC [6n) before each prompt; this answers, as a terminal would."""

    PROMPT = r"\]@@ "

    def __init__(self, nu: str, init: Path, env: dict[str, str], folder: Path) -> None:
        import pexpect

        folder.mkdir(parents=True, exist_ok=True)
        (folder / "env.nu").write_text("")
        (folder / "config.nu").write_text(
            "$env.config.show_banner = false\n"
            f"source {nu_quote(str(init))}\n"
            "$env.PROMPT_COMMAND = {|| $'[($env.LAST_EXIT_CODE)]@@ ' }\n"
            "$env.PROMPT_COMMAND_RIGHT = ''\n$env.PROMPT_INDICATOR = ''\n"
        )
        argv = ["--config", str(folder / "config.nu"), "--env-config", str(folder / "env.nu")]
        self.count = 0
        self.child = pexpect.spawn(
            nu, argv, env=env, encoding="utf-8", timeout=30, dimensions=(40, 500)
        )
        self.wait(self.PROMPT)

    def wait(self, pattern: str) -> None:
        while self.child.expect([r"\x1b\[6n", pattern]) == 0:
            self.child.send("\x1b[1;1R")

    def run(self, line: str) -> str:
        """Run one command line and wait for the prompt after it; its output.
        The end marker is printed from `(N)`, so the echoed line never matches."""
        self.count += 1
        self.child.sendline(f'{line}; print -r $"::({self.count})::end"')
        self.wait(rf"::{self.count}::end")
        output = str(self.child.before)
        self.wait(self.PROMPT)
        return output

    def value(self, name: str) -> str:
        """The variable `name` in this shell ("" when unset)."""
        output = self.run(f"print -r $\"<<($env.{name}? | default '')>>\"")
        # The echoed command line is highlighted (escape sequences); the output is not.
        match = re.findall(r"<<([^\x1b]*)>>", output)
        assert match, output
        return str(match[-1])

    def prompt(self) -> None:
        """Press Enter on an empty line: one more prompt, one more pre_prompt."""
        self.child.sendline("")
        self.wait(self.PROMPT)

    def close(self) -> None:
        self.child.sendline("exit")
        self.child.close(force=True)


def test_real_prompts_refresh_and_follow_another_terminal(
    nu: str, init_nu: Path, logged_in: dict[str, str], emulator: Emulator, tmp_path: Path
) -> None:
    pytest.importorskip("pexpect")
    first = NuTerminal(nu, init_nu, logged_in, tmp_path / "first")
    second = NuTerminal(nu, init_nu, logged_in, tmp_path / "second")
    try:
        first.run("ssoenv use dev")
        second.run("ssoenv use dev")  # served by the cache the first one filled
        key = first.value("AWS_ACCESS_KEY_ID")
        assert key.startswith("ASIA")
        assert second.value("AWS_ACCESS_KEY_ID") == key
        assert emulator.calls["GetRoleCredentials"] == 1

        # The first terminal's next prompt refreshes: a window longer than the
        # credentials' life, and a refresh time in the past.
        first.run("$env.SSOENV_REFRESH_WINDOW = '4000'; $env.__SSOENV_REFRESH_AT = '1'")
        new_key = first.value("AWS_ACCESS_KEY_ID")
        assert new_key != key
        assert emulator.calls["GetRoleCredentials"] == 2

        # The second terminal's next prompt takes the new keys from the cache.
        calls = dict(emulator.calls)
        second.prompt()
        assert second.value("AWS_ACCESS_KEY_ID") == new_key
        assert dict(emulator.calls) == calls  # no network call at all

        # A logout in the first terminal clears the second at its next prompt.
        first.run("ssoenv logout")
        assert first.value("SSOENV_PROFILE") == ""
        second.prompt()
        assert second.value("SSOENV_PROFILE") == ""
        assert second.value("AWS_ACCESS_KEY_ID") == ""
    finally:
        first.close()
        second.close()


def test_a_real_tab_inserts_a_hostile_name_that_runs_as_exactly_that_name(
    nu: str, init_nu: Path, logged_in: dict[str, str], tmp_path: Path
) -> None:
    """TAB in nushell's line editor: the completer's quoted word goes onto the
    line, and `ssoenv use` gets the profile name itself (nothing of it runs)."""
    pytest.importorskip("pexpect")
    sentinel = tmp_path / "pwned"
    name = f'say "hi" $(touch {sentinel}) `x`'
    config = Path(logged_in["AWS_CONFIG_FILE"])
    config.write_text(
        config.read_text()
        + f"\n{header('profile', name)}sso_session = corp\n"
        + "sso_account_id = 111111111111\nsso_role_name = ReadOnly\n"
    )
    term = NuTerminal(nu, init_nu, logged_in, tmp_path / "term")
    try:
        term.child.send("ssoenv use sa\t")
        term.wait(re.escape('\\"hi\\"'))  # the completion is on the line, quoted
        term.child.send("\r")
        term.wait(NuTerminal.PROMPT)
        assert term.value("SSOENV_PROFILE") == name
    finally:
        term.close()
    assert not sentinel.exists()
