"""Real bash, zsh and fish for the shell-integration tests.

What is here: which shells exist (a missing one skips its tests, unless CI is
set), the rendered `ssoenv init` scripts, a session logged in at the emulator,
and two ways to drive a shell: `run_script` (a script under strict flags, with
`step` dumping the environment between steps) and `Interactive` (a shell on a
pseudo-terminal, whose real prompt runs the hooks)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

SSOENV = Path(sys.executable).parent / "ssoenv"
ROOT = Path(__file__).resolve().parents[2]
SHELLS = ("bash", "zsh", "fish")

# No rc file and each shell's strictest usual settings: a script that works
# here works in any user's configuration.
STRICT: dict[str, list[str]] = {
    "bash": ["bash", "--noprofile", "--norc", "-euo", "pipefail", "-c"],
    "zsh": ["zsh", "-f", "-eu", "-c"],
    "fish": ["fish", "--no-config", "--private", "-c"],
}

# `step` prints a marker and the environment, so a test sees each step's state.
_PRELUDE = {
    "bash": "step() { echo __STEP__; command env; }\n",
    "zsh": "step() { echo __STEP__; command env; }\n",
    "fish": "function step; echo __STEP__; command env; end\n",
}


def require(program: str) -> str:
    """The program's path; skip the test when it is missing, fail in CI."""
    path = shutil.which(program)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{program} is required in CI (.ci/run installs it)")
        pytest.skip(f"{program} is not installed")
    return path


@pytest.fixture(params=SHELLS)
def shell(request: pytest.FixtureRequest) -> str:
    require(request.param)
    return str(request.param)


@pytest.fixture(scope="session")
def init_scripts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`ssoenv init SHELL` for each shell, rendered once, as files to source."""
    folder = tmp_path_factory.mktemp("init")
    scripts = {}
    for name in SHELLS:
        result = subprocess.run(
            [str(SSOENV), "init", name], capture_output=True, text=True, check=True
        )
        scripts[name] = folder / f"init.{name}"
        scripts[name].write_text(result.stdout)
    return scripts


@pytest.fixture
def shell_env(aws_env: Path) -> dict[str, str]:
    """The isolated test environment (HOME, XDG dirs, the emulator's endpoints),
    with this ssoenv first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{SSOENV.parent}{os.pathsep}{env.get('PATH', '')}"
    env["TERM"] = "dumb"
    return env


@pytest.fixture
def logged_in(shell_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """shell_env after `ssoenv login dev` (the emulator approves at once). In
    this process, the same entry point as the program: a subprocess would
    spend a Python start-up on every test."""
    from ssoenv.main import main

    assert main(["login", "dev", "--no-browser"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return shell_env


def run_script(
    shell: str,
    script: str,
    env: Mapping[str, str],
    *,
    init: Path | None = None,
    strict: bool = True,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run `script` in `shell` (strict flags unless told), after sourcing `init`."""
    argv = STRICT[shell] if strict else [shell, "-c"]
    source = f"source {init}\n" if init else ""
    return subprocess.run(
        [*argv, _PRELUDE[shell] + source + script],
        env=dict(env),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )


def steps(stdout: str) -> list[dict[str, str]]:
    """The environment printed by each `step` of a script, in order."""
    chunks = re.split(r"^__STEP__$", stdout, flags=re.MULTILINE)[1:]
    return [
        dict(line.split("=", 1) for line in chunk.splitlines() if "=" in line) for chunk in chunks
    ]


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


class Interactive:
    """An interactive shell on a pseudo-terminal: every command ends with a real
    prompt, so the prompt hooks run exactly as for a person."""

    PROMPT = r"\[(\d+)\]@@ "

    def __init__(
        self, shell: str, env: Mapping[str, str], init: Path, folder: Path, rc: str = ""
    ) -> None:
        """`rc` is more configuration, run after sourcing `init`; the prompt
        then gets the `[$?]@@ ` prefix this class waits for."""
        import pexpect

        env = dict(env)
        folder.mkdir(parents=True, exist_ok=True)
        if shell == "bash":
            rcfile = folder / "bashrc"
            rcfile.write_text(f"PS1=''\nsource {init}\n{rc}\nPS1=\"[\\$?]@@ $PS1\"\n")
            argv = ["bash", "--noprofile", "--rcfile", str(rcfile), "-i"]
        elif shell == "zsh":
            (folder / ".zshrc").write_text(
                f"PS1=''\nRPS1=''\nunsetopt prompt_sp\nsource {init}\n{rc}\nPS1=\"[%?]@@ $PS1\"\n"
            )
            env["ZDOTDIR"] = str(folder)
            argv = ["zsh", "--no-globalrcs", "-i"]
        else:
            rcfile = folder / "config.fish"
            rcfile.write_text(
                f"source {init}\n{rc}\nfunction fish_prompt; printf '[%s]@@ ' $status; end\n"
            )
            argv = ["fish", "--no-config", "--private", "-C", f"source {rcfile}", "-i"]
        self.shell = shell
        self.status = "$status" if shell == "fish" else "${?}"
        self.count = 0
        self.child: Any = pexpect.spawn(
            argv[0], argv[1:], env=env, encoding="utf-8", timeout=30, dimensions=(40, 500)
        )
        self.child.expect(self.PROMPT)

    def run(self, line: str) -> tuple[str, int]:
        """Run one command line; its output (with the echoed input) and status."""
        self.count += 1
        self.child.sendline(f"{line}; echo :{self.count}:{self.status}:end:")
        self.child.expect(rf":{self.count}:(\d+):end:")
        return self.child.before, int(self.child.match.group(1))

    def prompt(self) -> None:
        """Press Enter on an empty line: one more prompt, one more precmd."""
        self.child.sendline("")

    def value(self, name: str) -> str:
        """The value of the variable `name` in this shell ("" when unset)."""
        output, _ = self.run(f'echo "<<${name}>>"')
        match = re.search(r"<<([^$]*?)>>", output)
        assert match, output
        return match.group(1)

    def close(self) -> None:
        self.child.sendline("exit")
        self.child.close(force=True)


@pytest.fixture
def interactive(tmp_path: Path) -> Iterator[Any]:
    """A factory of Interactive shells, all closed at the end of the test."""
    opened: list[Interactive] = []

    def start(shell: str, env: Mapping[str, str], init: Path, rc: str = "") -> Interactive:
        require(shell)
        pytest.importorskip("pexpect")
        session = Interactive(shell, env, init, tmp_path / f"pty{len(opened)}", rc)
        opened.append(session)
        return session

    yield start
    for session in opened:
        session.close()
