"""`ssoenv init SHELL`: the shell integration script, put together from its real
files in `shell/`, with the path of the ssoenv program filled in for
`@SSOENV_EXE@` (quoted for that shell), the shell's name for `@SSOENV_SHELL@`
and the completion file from `completions/` for `@SSOENV_COMPLETIONS@`.

bash and zsh get `shell/common.sh` (the code they run alike) followed by their
own part, `shell/bash.sh` or `shell/zsh.sh`; fish, another language, gets
`shell/ssoenv.fish`; nushell gets `shell/ssoenv.nu`; PowerShell (`pwsh`,
or `powershell`) gets `shell/ssoenv.ps1`, whose program path is always a
quoted string (a bare path is an expression there, not a word); direnv,
whose `.envrc` is bash, gets the library `shell/direnv.sh` (`use ssoenv
PROFILE`) and no completions. The zsh file `_ssoenv` is a `#compdef`
function body, so shell/zsh.sh puts the placeholder inside `_ssoenv() { ... }`
and registers it with compdef itself (at once, or at the first prompt if
compinit has not run yet). No shell logic lives here.

Every new shell pays for `ssoenv init`: reading three files and replacing
three placeholders is all it does (no import beyond `os`, `sys` and
ssoenv.resources). `python -m ssoenv.commands.init FOLDER` writes the same scripts as
plain files for packagers (`make shell-scripts`), calling `ssoenv` from PATH."""

from __future__ import annotations

import os
import sys

from ssoenv import resources
from ssoenv.errors import UsageError

# Characters no shell treats specially: a path made only of them needs no quoting,
# which spares every new shell the import of the quoting machinery.
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+")

# shell -> (the parts of its script in shell/, in order; its completion file)
SCRIPTS: dict[str, tuple[tuple[str, ...], str]] = {
    "bash": (("common.sh", "bash.sh"), "ssoenv.bash"),
    "zsh": (("common.sh", "zsh.sh"), "_ssoenv"),
    "fish": (("ssoenv.fish",), "ssoenv.fish"),
    "nu": (("ssoenv.nu",), "ssoenv.nu"),
    "pwsh": (("ssoenv.ps1",), "ssoenv.ps1"),
    # A direnv library (~/.config/direnv/lib/ssoenv.sh), not a shell: no completions.
    "direnv": (("direnv.sh",), ""),
}
# Other names `ssoenv init` takes for a shell of SCRIPTS.
_INIT_ALIASES = {"powershell": "pwsh"}
# The output format (ssoenv.shells) that quotes a shell's program path, when not its own name.
_QUOTED_AS = {"pwsh": "powershell", "direnv": "bash"}
# The packagers' file of a shell, when not ssoenv.SHELL: PowerShell runs only .ps1 files.
_PACKAGED_NAMES = {"pwsh": "ssoenv.ps1"}

# What the packagers' files call: the ssoenv found on PATH when they are sourced.
PACKAGED_EXE = "ssoenv"


def run(shell: str) -> None:
    sys.stdout.write(init_script(shell))


def render(shell: str, exe: str) -> str:
    shell = _INIT_ALIASES.get(shell, shell)
    if shell not in SCRIPTS:
        raise UsageError(
            f"`ssoenv init SHELL` supports {', '.join(SCRIPTS)}, not {shell!r}",
            hint="for other shells, eval the output of `ssoenv use PROFILE --shell NAME`",
        )
    parts, completion_name = SCRIPTS[shell]
    script = "".join(resources.read("shell", part) for part in parts)
    completion = resources.read("completions", completion_name) if completion_name else ""
    return (
        script.replace("@SSOENV_EXE@", quote_path(shell, exe))
        .replace("@SSOENV_SHELL@", shell)
        .replace("@SSOENV_COMPLETIONS@", completion)
    )


def init_script(shell: str) -> str:
    """What `ssoenv init SHELL` prints."""
    return render(shell, executable())


def quote_path(shell: str, value: str) -> str:
    if value and set(value) <= _PLAIN:
        # No quote character in it: single quotes are PowerShell's whole quoting.
        return f"'{value}'" if shell == "pwsh" else value
    from ssoenv.shells import get_shell

    return get_shell(_QUOTED_AS.get(shell, shell)).quote(value)


def executable() -> str:
    """The absolute path of this ssoenv, so the shell function calls the same one."""
    argv0 = sys.argv[0] if sys.argv else ""
    if os.path.basename(argv0) == "ssoenv" and os.access(argv0, os.X_OK):
        return os.path.abspath(argv0)
    import shutil

    return shutil.which("ssoenv") or "ssoenv"


def write_packaged(folder: str) -> list[str]:
    """Write `ssoenv.SHELL` for each of SCRIPTS into `folder` (`ssoenv.ps1` for
    PowerShell): what `ssoenv init` prints, with `ssoenv` from PATH as the
    program. The paths written."""
    os.makedirs(folder, exist_ok=True)
    written = []
    for shell in SCRIPTS:
        path = os.path.join(folder, _PACKAGED_NAMES.get(shell, f"ssoenv.{shell}"))
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(render(shell, PACKAGED_EXE))
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m ssoenv.commands.init FOLDER")
    for written_path in write_packaged(sys.argv[1]):
        sys.stdout.write(written_path + "\n")
