"""`ssoenv init SHELL`: the shell integration script, read from its real file in
`shell/`, with the path of the ssoenv program filled in for `@SSOENV_EXE@`
(quoted for that shell) and the completion file from `completions/` for
`@SSOENV_COMPLETIONS@`. The zsh file `_ssoenv` is a `#compdef` function body, so
shell/ssoenv.zsh puts the placeholder inside `_ssoenv() { ... }` and registers
it with compdef itself (at once, or at the first prompt if compinit has not run
yet). No shell logic lives here."""

from __future__ import annotations

from ssoenv import resources
from ssoenv.errors import UsageError
from ssoenv.shells import get_shell

# shell -> (integration script, completion file)
SCRIPTS: dict[str, tuple[str, str]] = {
    "bash": ("ssoenv.bash", "ssoenv.bash"),
    "zsh": ("ssoenv.zsh", "_ssoenv"),
    "fish": ("ssoenv.fish", "ssoenv.fish"),
}


def render(shell: str, exe: str) -> str:
    if shell not in SCRIPTS:
        raise UsageError(
            f"`ssoenv init` supports bash, zsh and fish, not {shell!r}",
            hint="for other shells, eval the output of `ssoenv use PROFILE --shell NAME`",
        )
    script_name, completion_name = SCRIPTS[shell]
    script = resources.read("shell", script_name)
    completion = resources.read("completions", completion_name)
    return script.replace("@SSOENV_EXE@", get_shell(shell).quote(exe)).replace(
        "@SSOENV_COMPLETIONS@", completion
    )
