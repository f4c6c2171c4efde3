"""What ssoenv tells a newcomer (issue 17, items 4 and 7): every command a message
suggests works as printed, `--debug` works after the command too and names the
API called, `--help` is whole, and logout says when this shell keeps the keys."""

from __future__ import annotations

import os
import pty
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main

from ssoenv.cli import app
from ssoenv.main import fast_parse
from tests.emulator import Emulator
from tests.helpers import SSOENV, eval_in_bash, run

CLICK = typer.main.get_command(app)

# A suggested form, as printed: in backticks, after `usage:`, or an eval "$(...)".
_FORMS = (
    re.compile(r"`(?:eval \"\$\()?(ssoenv [^`]*?)(?:\)\")?`"),
    re.compile(r"usage: (ssoenv .*?)(?:;|$)"),
    re.compile(r"eval \"\$\((ssoenv [^)]*)\)\""),
)
# Placeholders in suggested forms, and what a user would type for them.
_PLACEHOLDERS = {
    "PROFILE": "dev",
    "--shell NAME": "--shell bash",
    "[--no-browser]": "--no-browser",
    "COMMAND [ARGS]...": "true",
    "COMMAND [ARGS...]": "true",
}


def suggested_forms(stderr: str) -> list[str]:
    forms = []
    for pattern in _FORMS:
        for found in pattern.finditer(stderr):
            form = found.group(1).split(" | ")[0].split(" > ")[0].strip()
            for placeholder, value in _PLACEHOLDERS.items():
                form = form.replace(placeholder, value)
            forms.append(form)
    return forms


def at_terminal(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """`ssoenv ARGS` with its stdout on a pseudo-terminal: (exit code, stderr)."""
    leader, follower = pty.openpty()
    try:
        result = subprocess.run(
            [SSOENV, *args],
            stdout=follower,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            check=False,
            env={**os.environ, **(env or {})},
        )
    finally:
        os.close(follower)
        os.close(leader)
    return result.returncode, result.stderr


def env_after_use(profile: str = "dev") -> dict[str, str]:
    result = run("use", profile, "--shell", "bash")
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in eval_in_bash(result.stdout).splitlines())


@pytest.fixture
def logged_in(aws_env: Path, emulator: Emulator) -> Emulator:
    assert run("login", "dev", "--no-browser").returncode == 0
    return emulator


def messages_of_a_first_hour(aws_env: Path) -> str:
    """stderr of the mistakes and first steps of a newcomer's first hour."""
    out = [
        run("use", "dev", "--shell", "bash").stderr,  # not logged in
        run("use", "devv", "--shell", "bash").stderr,
        run("use", "--shell", "bash", env={"AWS_PROFILE": "nope"}).stderr,
        run("use", "static", "--shell", "bash").stderr,
        run("use", "dev", "--shell", "tcsh").stderr,
        run("init", "tcsh").stderr,
        run("status").stderr,
        run("exec", "dev").stderr,
        run("exec", "dev", "--bogus", "--", "true").stderr,
        run("login", "dev", "--no-browser").stderr,
        at_terminal("use", "dev")[1],
        run("use", "forbidden", "--shell", "bash").stderr,
        run(
            "configure",
            "sso-session",
            "--sso-session",
            "new",
            "--start-url",
            "https://d-2222222222.awsapps.com/start",
            "--sso-region",
            "us-east-1",
        ).stderr,
        at_terminal("logout", env=env_after_use())[1],
    ]
    aws_env.rename(aws_env.with_suffix(".gone"))
    out.append(run("use", "dev", "--shell", "bash").stderr)  # no config at all
    aws_env.with_suffix(".gone").rename(aws_env)
    return "".join(out)


def _parses(form: str) -> None:
    """The form is a command line typer accepts (no usage error)."""
    words = shlex.split(form)[1:]
    command: Any = CLICK
    while words and words[0] in getattr(command, "commands", {}):
        command = command.commands[words.pop(0)]
    if "--help" in words:  # parsed, and it ends there with the help
        with pytest.raises(typer.Exit) as done:
            command.make_context(form, words)
        assert done.value.exit_code == 0, form
        return
    command.make_context(form, words)


def test_every_command_a_message_suggests_works_as_printed(
    aws_env: Path, emulator: Emulator
) -> None:
    stderr = messages_of_a_first_hour(aws_env)
    forms = sorted(set(suggested_forms(stderr)))
    # The scenarios above do reach the hints (a guard against a vacuous pass).
    assert {"ssoenv login dev", "ssoenv configure", "ssoenv list", "ssoenv use dev"} <= set(
        forms
    ), forms
    assert run("login", "dev", "--no-browser").returncode == 0
    for form in forms:
        if form in KNOWN_BROKEN:
            continue
        _parses(form)
        words = shlex.split(form)[1:]
        # No browser in a test: a login approves its device code with the emulator.
        result = run(*words, *(["--no-browser"] if words[0] == "login" else []), timeout=30)
        assert "Usage:" not in result.stderr and "Error:" not in result.stderr, (form, result)
        assert result.returncode != 2 or result.stderr.startswith("ssoenv: "), (form, result)


def test_no_message_nests_brackets(aws_env: Path, emulator: Emulator) -> None:
    for line in messages_of_a_first_hour(aws_env).splitlines():
        shown = re.sub(r"`[^`]*`|\"\$\([^)]*\)\"", "", line)
        depth = deepest = 0
        for char in shown:
            depth += (char in "([") - (char in ")]")
            deepest = max(deepest, depth)
        assert deepest <= 1, line


def test_the_unknown_profile_hint_names_only_what_exists(aws_env: Path) -> None:
    for result in (
        run("use", "devv", "--shell", "bash"),
        run("exec", "devv", "--", "true"),
        run("login", "devv"),
    ):
        assert result.returncode == 3, result.stderr
        assert "--profile" not in result.stderr
        assert "as the PROFILE argument or in AWS_PROFILE" in result.stderr


KNOWN_BROKEN: dict[str, str] = {}


def test_login_with_a_session_suggests_a_command_that_works(
    aws_env: Path, emulator: Emulator
) -> None:
    stderr = run("login", "--sso-session", "corp", "--no-browser").stderr
    for form in suggested_forms(stderr):
        _parses(form)


# --- --debug after the command ------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["use", "dev", "--debug"], ["init", "zsh", "--debug"], ["hook-env", "--debug", "-s", "bash"]],
)
def test_the_fast_path_and_typer_both_take_debug_after_the_command(args: list[str]) -> None:
    parsed = fast_parse(args)
    assert parsed is not None
    command, options = parsed
    expected = CLICK.commands[command].make_context(command, args[1:]).params  # type: ignore[attr-defined]
    assert expected["debug"] is True
    assert options["debug"] is True


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_after_the_command_names_each_api_called(logged_in: Emulator, where: str) -> None:
    args = ["use", "dev", "--shell", "bash"]
    result = run(*(["--debug", *args] if where == "before" else [*args, "--debug"]))
    assert result.returncode == 0, result.stderr
    http = [line for line in result.stderr.splitlines() if "ssoenv.http:" in line]
    assert http and http[0].startswith(
        f"ssoenv: ssoenv.http: GetRoleCredentials: GET {logged_in.url} -> 200"
    ), result.stderr


def test_debug_names_the_login_apis(aws_env: Path, emulator: Emulator) -> None:
    result = run("login", "dev", "--no-browser", "--debug")
    assert result.returncode == 0, result.stderr
    named = re.findall(r"ssoenv\.http: (\w+): POST ", result.stderr)
    assert {"RegisterClient", "StartDeviceAuthorization", "CreateToken"} <= set(named)
    assert "accessToken" not in result.stderr and "deviceCode" not in result.stderr


def test_exec_takes_debug_before_the_dashes_and_leaves_the_commands_own(
    logged_in: Emulator,
) -> None:
    show = "import sys; print(sys.argv[1:])"
    result = run("exec", "dev", "--debug", "--", sys.executable, "-c", show, "--debug")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "['--debug']\n"
    assert "ssoenv.http: GetRoleCredentials: GET" in result.stderr


# --- help ----------------------------------------------------------------------


def test_help_lists_each_command_with_its_whole_summary() -> None:
    result = run("--help")
    assert result.returncode == 0
    listing = result.stdout.split("Commands:")[1]
    assert "..." not in listing.split("Exit codes")[0]
    assert "Export a profile's role credentials into the current shell." in " ".join(
        listing.split()
    )


def test_help_examples_keep_their_line_breaks() -> None:
    process = run("credential-process", "--help").stdout.splitlines()
    assert "      [profile dev-process]" in process
    assert "      credential_process = ssoenv credential-process dev" in process
    init = [line.strip() for line in run("init", "--help").stdout.splitlines()]
    assert 'zsh: `eval "$(ssoenv init zsh)"` to ~/.zshrc;' in init


# --- --shell --------------------------------------------------------------------


def test_an_unknown_shell_format_lists_every_valid_one(aws_env: Path) -> None:
    result = run("use", "dev", "--shell", "tcsh")
    assert result.returncode == 2
    assert result.stderr.endswith(
        "choose one of: bash, zsh, sh, fish, powershell, nu, env, json\n"
    ), result.stderr


# --- logout ---------------------------------------------------------------------


def test_logout_at_a_terminal_says_this_shell_still_holds_the_keys(logged_in: Emulator) -> None:
    code, stderr = at_terminal("logout", env=env_after_use())
    assert code == 0, stderr
    assert (
        "ssoenv: this shell still holds the keys of 'dev': "
        'run eval "$(ssoenv logout)" or set up ssoenv init\n'
    ) in stderr
    assert "stay valid until they expire" in stderr


def test_logout_at_a_terminal_without_our_keys_says_nothing_of_them(logged_in: Emulator) -> None:
    code, stderr = at_terminal("logout", env={"AWS_ACCESS_KEY_ID": "AKIAOWN"})
    assert code == 0, stderr
    assert "still holds" not in stderr


def test_logout_before_any_use_does_not_speak_of_credentials_handed_out(
    logged_in: Emulator,
) -> None:
    result = run("logout", "--shell", "bash")
    assert result.returncode == 0, result.stderr
    assert "logged out of" in result.stderr
    assert "handed out" not in result.stderr


def test_an_env_file_holds_only_the_aws_variables(aws_env: Path, emulator: Emulator) -> None:
    """`--shell env` writes a file for tools (docker compose, python-dotenv): the
    hook's private state and ssoenv's prompt variables have no place there."""
    assert run("login", "dev", "--no-browser").returncode == 0
    result = run("use", "dev", "--shell", "env")
    assert result.returncode == 0, result.stderr
    names = [line.split("=", 1)[0] for line in result.stdout.splitlines()]
    assert "AWS_SECRET_ACCESS_KEY" in names
    assert [name for name in names if not name.startswith("AWS_")] == []


@pytest.mark.slow
@pytest.mark.parametrize("args", [["init", "bash"], ["list"], ["--help"]])
def test_a_closed_stdout_ends_quietly_with_the_pipes_status(args: list[str], aws_env: Path) -> None:
    """`ssoenv list | head -1`: when the reader has gone, ssoenv stops with a shell's
    status for SIGPIPE (141) and says nothing, not "internal error"."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before ssoenv writes a byte
    try:
        done = subprocess.run(
            [SSOENV, *args], stdout=write_end, stderr=subprocess.PIPE, text=True, check=False
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")


def test_a_broken_pipe_elsewhere_is_not_taken_for_stdout(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """A BrokenPipeError from a socket's peer, with stdout still read, stays a bug."""
    from ssoenv import main

    def broken() -> None:
        raise BrokenPipeError(32, "Broken pipe")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(main, "_run_fast", lambda command, arguments: broken())
        code = main.main(["list"])
    assert code == 1
    assert "internal error (BrokenPipeError)" in capfd.readouterr().err
