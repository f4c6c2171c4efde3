"""`ssoenv init SHELL`: the shell integration script, read from its real file in
`shell/`, with the path of the ssoenv program filled in for `@SSOENV_EXE@`
(quoted for that shell) and the completion file from `completions/` for
`@SSOENV_COMPLETIONS@`. The zsh file `_ssoenv` is a `#compdef` function body, so
shell/ssoenv.zsh puts the placeholder inside `_ssoenv() { ... }` and registers
it with compdef itself (at once, or at the first prompt if compinit has not run
yet). No shell logic lives here."""

from __future__ import annotations

import os
import sys

from ssoenv import resources
from ssoenv.errors import UsageError

# Characters no shell treats specially: a path made only of them needs no quoting,
# which spares every new shell the import of the quoting machinery.
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+")

# shell -> (integration script, completion file)
SCRIPTS: dict[str, tuple[str, str]] = {
    "bash": ("ssoenv.bash", "ssoenv.bash"),
    "zsh": ("ssoenv.zsh", "_ssoenv"),
    "fish": ("ssoenv.fish", "ssoenv.fish"),
}


def render(shell: str, exe: str) -> str:
    if shell not in SCRIPTS:
        raise UsageError(
            f"`ssoenv init SHELL` supports bash, zsh and fish, not {shell!r}",
            hint="for other shells, eval the output of `ssoenv use PROFILE --shell NAME`",
        )
    script_name, completion_name = SCRIPTS[shell]
    script = resources.read("shell", script_name)
    completion = resources.read("completions", completion_name)
    return script.replace("@SSOENV_EXE@", quote_path(shell, exe)).replace(
        "@SSOENV_COMPLETIONS@", completion
    )


def init_script(shell: str) -> str:
    """What `ssoenv init SHELL` prints."""
    return render(shell, executable())


def quote_path(shell: str, value: str) -> str:
    if value and set(value) <= _PLAIN:
        return value
    from ssoenv.shells import get_shell

    return get_shell(shell).quote(value)


def executable() -> str:
    """The absolute path of this ssoenv, so the shell function calls the same one."""
    argv0 = sys.argv[0] if sys.argv else ""
    if os.path.basename(argv0) == "ssoenv" and os.access(argv0, os.X_OK):
        return os.path.abspath(argv0)
    import shutil

    return shutil.which("ssoenv") or "ssoenv"
