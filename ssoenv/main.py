"""The `ssoenv` program's entry point: sets up diagnostics, serves the commands
that shells and programs run (`init` in every new shell, `hook-env` at a prompt,
`use`, `credential-process` in every SDK call of such a profile, `exec`,
`status`, `list`, `logout`) without loading the CLI framework, hands everything
else (`--help`, the wizard, odd command lines) to typer (ssoenv.cli), and maps
errors to exit codes, once, for both paths.

The fast paths accept only the plain forms the shell integration and people
type; anything else (`--help`, an unknown option, `--opt=value` for a flag) goes
to typer, which gives the same result or the full error message. A test parses
the same argument lists with typer and with `fast_parse` and expects the same."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ssoenv import log, settings
from ssoenv.errors import ExitCode, Interrupted, SsoenvError
from ssoenv.text import printable

# `typing` costs milliseconds every new shell pays for `init`; type checkers read
# this name as True (mypy and pyright special-case it), Python never imports it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_SHELL = {"--shell": "shell", "-s": "shell"}  # options with a value -> keyword
_REGION = {"--region": "region"}
_DEBUG = {"--debug": "debug"}


class _Grammar:
    """What a fast-path command line may hold; anything else goes to typer.

    flags and values map each option word to its keyword; `positional` is how many
    plain words may be given; with `rest`, everything after the first plain word
    is the command's, verbatim (`exec PROFILE -- CMD ...`). tests/test_fastpath.py
    holds this table to the typer declarations in ssoenv.cli: same options, same
    kinds, same number of arguments, and the same result for the same words."""

    def __init__(
        self,
        flags: dict[str, str],
        values: dict[str, str],
        positional: range,
        *,
        rest: bool = False,
        required: tuple[str, ...] = (),
    ) -> None:
        self.flags, self.values, self.positional = {**_DEBUG, **flags}, values, positional
        self.rest, self.required = rest, required


FAST_COMMANDS = {
    "use": _Grammar(
        {
            "--no-login": "no_login",
            "--no-browser": "no_browser",
            "--use-device-code": "use_device_code",
        },
        {**_SHELL, **_REGION},
        range(2),
    ),
    "init": _Grammar({}, {}, range(1, 2)),
    "hook-env": _Grammar({}, _SHELL, range(1), required=("shell",)),
    "credential-process": _Grammar({}, {}, range(1, 2)),
    "exec": _Grammar(
        {"--no-browser": "no_browser", "--server": "server"}, _REGION, range(1, 2), rest=True
    ),
    "status": _Grammar({"--json": "as_json"}, {}, range(1)),
    "list": _Grammar({"--json": "as_json"}, {}, range(1)),
    "logout": _Grammar({}, {**_SHELL, "--sso-session": "sso_session"}, range(1)),
}


def fast_parse(args: Sequence[str]) -> tuple[str, dict[str, Any]] | None:
    """(command, keyword arguments) for a plain fast-path command line, else None."""
    grammar = FAST_COMMANDS.get(args[0]) if args else None
    if grammar is None:
        return None
    options: dict[str, Any] = {}
    positional: list[str] = []
    rest = list(args[1:])
    while rest:
        word = rest.pop(0)
        if word in grammar.values and rest and not rest[0].startswith("-"):
            options[grammar.values[word]] = rest.pop(0)
        elif word in grammar.flags:
            options[grammar.flags[word]] = True
        elif word.startswith("-"):
            return None  # --help, unknown options, `--`, `--shell=x`: typer's job
        else:
            positional.append(word)
            if grammar.rest:
                options["rest"] = rest
                break
    if len(positional) not in grammar.positional:
        return None
    if any(name not in options for name in grammar.required):
        return None  # typer names the missing option
    return args[0], {"positional": positional, **options}


def _run_fast(command: str, arguments: dict[str, Any]) -> int | None:
    """Run a fast-path command: its module's run(), with what fast_parse found."""
    positional = arguments.pop("positional")
    arguments.pop("debug", None)  # main() has already read it
    profile = positional[0] if positional else None
    if command == "init":
        # Every new shell pays for this one: read a file, fill in a path, nothing else.
        from ssoenv.commands import init

        init.run(positional[0])
        return None
    if command == "use":
        from ssoenv.commands import use

        use.run(profile, **arguments)
        return None
    if command == "hook-env":
        from ssoenv.commands import hook_env

        hook_env.run(arguments["shell"])
        return None
    if command == "credential-process":
        from ssoenv.commands import credential_process

        credential_process.run(positional[0])
        return None
    if command == "exec":
        from ssoenv.commands import exec as exec_command

        return exec_command.run(
            positional[0],
            arguments.get("rest", []),
            no_browser="no_browser" in arguments,
            region=arguments.get("region"),
            server="server" in arguments,
        )
    if command == "status":
        from ssoenv.commands import status

        return status.run(as_json="as_json" in arguments)
    if command == "list":
        from ssoenv.commands import list as list_command

        list_command.run(as_json="as_json" in arguments)
        return None
    from ssoenv.commands import logout

    return logout.run(arguments.get("sso_session"), arguments.get("shell"))


def take_debug(args: Sequence[str]) -> tuple[bool, list[str]]:
    """(whether ssoenv itself was given --debug, the arguments without it).

    ssoenv's own words are those before the command, and the command's words up
    to `--` (`ssoenv use dev --debug`). For `exec`, a command's own --debug stays
    with it: after PROFILE, only options written before a `--` are ssoenv's, as
    ssoenv.commands.exec.split_command reads them (`ssoenv exec dev --debug -- cmd`)."""
    words = list(args)
    start = next((i for i, word in enumerate(words) if not word.startswith("-")), len(words))
    end = words.index("--", start) if "--" in words[start:] else len(words)
    if words[start : start + 1] == ["exec"]:
        profile = _after_options(words, start + 1, end)
        if end == len(words) or _after_options(words, profile + 1, end) != end:
            end = profile  # `exec dev cmd --debug`: all of it is the command's
    own = [i for i, word in enumerate(words[:end]) if word == "--debug"]
    for i in reversed(own):
        del words[i]
    return bool(own), words


def _after_options(words: list[str], at: int, end: int) -> int:
    """The index of the first word from `at` that is neither an option of exec's
    nor the value of one (`--region eu-west-1`); `end` when there is none."""
    while at < end and words[at].startswith("-"):
        at += 2 if words[at] in _REGION else 1
    return min(at, end)


def _run_typer(args: list[str]) -> int:
    from ssoenv.cli import app

    try:
        app(args=args, prog_name="ssoenv")
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else ExitCode.UNEXPECTED
        # click ends a write to a closed stdout (`--help | head -1`) quietly with 1.
        return EXIT_PIPE_CLOSED if code == 1 and _stdout_is_gone() else code
    return ExitCode.OK


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    given, args = take_debug(args)
    # Each command reads the environment afresh (tests run several in one process).
    debug = given or settings.from_process(reread=True).debug
    fast = fast_parse(args)
    log.configure(debug=debug)
    try:
        if fast is None:
            return _run_typer(args)
        return int(_run_fast(*fast) or ExitCode.OK)
    except KeyboardInterrupt as interrupt:
        if debug:
            return _traceback(interrupt)  # where it was when Ctrl-C came
        return _fail(Interrupted("interrupted; nothing was changed"), debug)
    except SsoenvError as error:
        return _fail(error, debug)
    except BrokenPipeError as error:
        if not _stdout_is_gone():
            return _internal_error(error, debug)
        return EXIT_PIPE_CLOSED  # `ssoenv list | head -1`: the reader had enough
    except Exception as error:  # a bug: one line, not a traceback (--debug shows it)
        return _internal_error(error, debug)


# What a shell reports for a writer killed by SIGPIPE (128 + 13): Python ignores
# the signal, so ssoenv says it with its status, and nothing on stderr.
EXIT_PIPE_CLOSED = 141


def _stdout_is_gone() -> bool:
    """Whether stdout's reader has closed it (not some socket's peer): the kernel
    flags a pipe with no reader left as an error to poll. If so, stdout is pointed
    at /dev/null, so the interpreter's last flush has nowhere to fail."""
    import os
    import select

    try:
        fd = sys.stdout.fileno()
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        gone = any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False
    if gone:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    return gone


def _internal_error(error: Exception, debug: bool) -> int:
    if debug:
        return _traceback(error)
    # Only the type: an exception's text could hold a value we must not print.
    sys.stderr.write(
        f"ssoenv: internal error ({type(error).__name__}); run the command again with "
        "--debug to see where, and report it\n"
    )
    return int(ExitCode.UNEXPECTED)


def _fail(error: SsoenvError, debug: bool) -> int:
    if debug:
        return _traceback(error)
    # Messages quote server answers and config values: escapes are shown, not obeyed.
    hint = f"; {error.hint}" if error.hint else ""
    sys.stderr.write(f"ssoenv: {printable(error.message + hint)}\n")
    return int(error.exit_code)


def _traceback(error: BaseException) -> int:
    """--debug: the traceback, as Python would print it for an uncaught exception
    (and with its exit status, 1), but with the message's escapes made visible."""
    import traceback

    lines = "".join(traceback.format_exception(error)).rstrip("\n").split("\n")
    sys.stderr.write("".join(printable(line) + "\n" for line in lines))
    return int(ExitCode.UNEXPECTED)
