"""A PowerShell parser for the tests, since no pwsh can be installed where
ssoenv is developed (no Microsoft package source; only PyPI, Debian and npm):
tree-sitter with the PowerShell grammar of `tree-sitter-powershell` (Airbus
CERT's, from PyPI; both are in the `dev` extra). It reads PowerShell 7's
syntax as the language reference gives it, and marks what it cannot read with
ERROR and MISSING nodes, which `syntax_errors` reports.

Also the queries the structural tests make of a parsed script: the functions
it defines, the commands each one runs, and where.

`python -m tests.pwsh` checks what `ssoenv init pwsh` prints and the
completion file on its own (for `make lint`); `python -m tests.pwsh FILE...`
checks files.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

ROOT = Path(__file__).resolve().parent.parent


@cache
def _parser() -> Parser:
    return Parser(Language(tree_sitter_powershell.language()))


def parse(text: str) -> Node:
    """The root of `text`'s parse tree."""
    return _parser().parse(text.encode("utf-8")).root_node


def walk(node: Node) -> Iterator[Node]:
    """`node` and every node below it, in source order (without recursion: a
    long value is a sum nested thousands deep)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def syntax_errors(text: str) -> list[str]:
    """One line per place the grammar cannot read: `LINE:COLUMN: ERROR near '...'`."""
    root = parse(text)
    if not root.has_error:
        return []
    found = []
    for node in walk(root):
        if node.is_error or node.is_missing:
            line, column = node.start_point
            kind = f"MISSING {node.type}" if node.is_missing else "ERROR"
            snippet = text.encode("utf-8")[node.start_byte : node.end_byte][:60]
            found.append(
                f"{line + 1}:{column + 1}: {kind} near {snippet.decode('utf-8', 'replace')!r}"
            )
    return found


def text_of(node: Node) -> str:
    return (node.text or b"").decode("utf-8")


def function_name(node: Node) -> str:
    """The name a `function_statement` defines, without a scope (`global:`)."""
    name = next(child for child in node.children if child.type == "function_name")
    return text_of(name).rsplit(":", 1)[-1]


def functions(root: Node) -> dict[str, Node]:
    """Every function the script defines (nested ones too), by name."""
    return {function_name(n): n for n in walk(root) if n.type == "function_statement"}


@dataclass(frozen=True)
class Command:
    """One command the script runs: `name` as written (`Get-Command`,
    `Microsoft.PowerShell.Core\\Get-Command`, `__ssoenv_int`), or, for the call
    operator (`& $program`), `operator` is `&` and `name` the text after it."""

    name: str
    operator: str | None
    node: Node

    @property
    def function(self) -> str | None:
        """The innermost function the command is in, or None at the top level."""
        parent = self.node.parent
        while parent is not None:
            if parent.type == "function_statement":
                return function_name(parent)
            parent = parent.parent
        return None

    def inside(self, ancestor: Node) -> bool:
        parent = self.node.parent
        while parent is not None:
            if parent == ancestor:
                return True
            parent = parent.parent
        return False


def commands(root: Node) -> list[Command]:
    """Every command in the tree under `root`, in source order."""
    found = []
    for node in walk(root):
        if node.type != "command":
            continue
        name = node.child_by_field_name("command_name")
        operator = next((c for c in node.children if c.type == "command_invokation_operator"), None)
        found.append(
            Command(
                text_of(name) if name is not None else "",
                text_of(operator) if operator is not None else None,
                node,
            )
        )
    return found


def init_script(exe: str = "/opt/ssoenv/bin/ssoenv") -> str:
    """What `ssoenv init pwsh` prints for the program at `exe`."""
    from ssoenv.commands.init import render

    return render("pwsh", exe)


def main(paths: list[str]) -> int:
    sources = {path: Path(path).read_text(encoding="utf-8") for path in paths}
    if not paths:
        sources = {
            "ssoenv init pwsh": init_script(),
            "completions/ssoenv.ps1": (ROOT / "completions" / "ssoenv.ps1").read_text("utf-8"),
        }
    failed = 0
    for name, text in sources.items():
        for error in syntax_errors(text):
            print(f"{name}:{error}", file=sys.stderr)
            failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
