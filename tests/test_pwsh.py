"""`ssoenv init pwsh`, the PowerShell integration, and the PowerShell output of
`use`/`logout`, read by a PowerShell parser (tests/pwsh.py: tree-sitter's
PowerShell grammar), since no pwsh can be installed here: what init prints
matches its golden file and parses, whatever the program's path; the prompt
hook starts no process when nothing is due (by the parse tree: which commands
run, and where); one function starts the program; the path is one string
literal; `use` prints only assignments of literals; completion offers names
that read back as exactly themselves. Nothing here runs PowerShell code."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings

from ssoenv.commands import init
from ssoenv.shells import FORMATS, SHELLS, UnsetVar
from ssoenv.shells.base import net_effect
from tests.helpers import run
from tests.pwsh import (
    ROOT,
    Command,
    commands,
    functions,
    init_script,
    parse,
    syntax_errors,
    text_of,
    walk,
)
from tests.shell.test_completions_drift import _options, typer_group
from tests.test_shells_quote import (
    GOLDEN_OPS,
    SAMPLE_VALUES,
    TRICKY,
    VALUE_LISTS,
    assert_golden,
    ps_apply,
    ps_expression,
    ps_verbatim,
    set_ops,
)

COMPLETIONS = ROOT / "completions" / "ssoenv.ps1"
TEMPLATE = ROOT / "shell" / "ssoenv.ps1"

# Program paths for @SSOENV_EXE@: plain, a space, PowerShell's own syntax ($(),
# quotes of every kind, a backtick, `;`), a character above ASCII, and the
# packagers' bare name.
PATHS = [
    "/opt/ssoenv/bin/ssoenv",
    "/opt/my tools/ssoenv",
    "/x/it's $(here) ${HOME} `n\u2019; & rm -rf ~ #/ssoenv",
    "/opt/\u00e9t\u00e9/ssoenv",
    "C:\\Users\\me\\ssoenv.exe",
    "ssoenv",
]


def rhs(node_text: str, function: str, variable: str) -> list[str]:
    """The right-hand sides (as text) of `$variable = ...` in `function`."""
    body = functions(parse(node_text))[function]
    found = []
    for node in walk(body):
        if node.type == "assignment_expression":
            left, value = node.children[0], node.child_by_field_name("value")
            if text_of(left) == variable and value is not None:
                found.append(text_of(value))
    return found


# --------------------------------------------------------------------------- the script


def test_init_pwsh_matches_its_golden_file() -> None:
    """UPDATE_GOLDEN=1 pytest tests/test_pwsh.py rewrites tests/golden/init.pwsh."""
    assert_golden("init.pwsh", init_script("/opt/ssoenv/bin/ssoenv"))


def test_init_takes_powershell_as_another_name_for_pwsh() -> None:
    assert init.render("powershell", "/x/ssoenv") == init.render("pwsh", "/x/ssoenv")
    assert "pwsh" in init.SCRIPTS


@pytest.mark.parametrize("exe", PATHS)
def test_what_init_prints_parses_as_powershell(exe: str) -> None:
    text = init_script(exe)
    assert "@SSOENV_" not in text
    assert syntax_errors(text) == []


def test_the_completion_file_parses_on_its_own() -> None:
    assert syntax_errors(COMPLETIONS.read_text(encoding="utf-8")) == []


def test_the_parser_rejects_broken_powershell() -> None:
    """The check can fail: the real script with one mistake, each a slip that
    PowerShell refuses, is reported."""
    good = init_script()
    broken = [
        good.replace("    return [long] -1\n}\n", "    return [long] -1\n", 1),
        good.replace("'__SSOENV_RETRY_AT')", "'__SSOENV_RETRY_AT)", 1),
        good.replace("if ($retry -ge 0 -and $now -lt $retry) {", "if ($retry -ge 0 -and {", 1),
        good.replace("$rest = @()", "$rest = @(", 1),
        good.replace("param([string] $Code)", "param([string] $Code", 1),
        "$Env:A = 'unterminated\n",
        "function f {\n    'no end'\n",
        "$Env:A = ('a' + )\n",
    ]
    for text in broken:
        assert text != good
        assert syntax_errors(text), text[:200]


def test_the_script_is_ascii() -> None:
    """PowerShell decodes what a program prints with the console's code page
    (GBK, Shift-JIS...), not UTF-8: only ASCII reads the same in every one."""
    for exe in PATHS:
        assert init_script(exe).isascii()
    assert COMPLETIONS.read_text(encoding="utf-8").isascii()


@pytest.mark.parametrize("exe", PATHS)
def test_the_program_path_is_one_string_literal(exe: str) -> None:
    """@SSOENV_EXE@ becomes single-quoted text (`[char]` terms above ASCII),
    never a bare word, an expandable string or a sub-expression: the path is
    read back exactly, and nothing in it runs."""
    assert init.quote_path("pwsh", exe) == SHELLS["powershell"].quote(exe)
    values = rhs(init_script(exe), "__ssoenv_call", "$program")
    # Two: the path, then, for a bare name, the application of that name on PATH.
    assert len(values) == 2
    literal = values[0]
    assert ps_expression(literal, 0) == (exe, len(literal))
    assert assignment_problems(f"$Env:P = {literal}\n") == []  # literals only
    assert values[1].startswith("Microsoft.PowerShell.Core\\Get-Command -Name $program ")
    assert "-CommandType Application" in values[1]


# --------------------------------------------------------------------------- what runs, where

ROOT_NODE = parse(init_script())
FUNCTIONS = functions(ROOT_NODE)
COMMANDS = commands(ROOT_NODE)
# The cmdlets the script calls, each by its module-qualified name.
CMDLETS = {
    "Microsoft.PowerShell.Core\\Get-Command",
    "Microsoft.PowerShell.Core\\Register-ArgumentCompleter",
    "Microsoft.PowerShell.Core\\ForEach-Object",
    "Microsoft.PowerShell.Core\\Where-Object",
    "Microsoft.PowerShell.Utility\\Select-Object",
    "Microsoft.PowerShell.Utility\\Write-Error",
}
# The call operator runs the program, in __ssoenv_call, and the prompt that was
# there before ssoenv's, from its wrapper.
CALLS = {("__ssoenv_call", "$program"), ("prompt", "$global:__ssoenv_user_prompt")}


def calls_in(function: str) -> list[Command]:
    return [c for c in COMMANDS if c.function == function]


def test_every_command_is_a_function_of_the_script_or_a_qualified_cmdlet() -> None:
    """Nothing is looked up by a bare name a user's alias or function could
    take: the script's own functions, module-qualified cmdlets, and the two
    uses of the call operator."""
    for command in COMMANDS:
        if command.operator is not None:
            assert command.operator == "&"
            assert (command.function, command.name) in CALLS, command
        else:
            assert command.name in FUNCTIONS or command.name in CMDLETS, command.name
    assert {c.name for c in COMMANDS} >= CMDLETS  # the list is not stale


def test_one_function_starts_the_program() -> None:
    starts = [c for c in COMMANDS if c.operator == "&" and c.name == "$program"]
    assert [c.function for c in starts] == ["__ssoenv_call"]
    callers = {c.function for c in COMMANDS if c.name == "__ssoenv_call"}
    assert callers == {"ssoenv", "__ssoenv_hook_env"}
    # The hook runs `hook-env`, never a command that could log in or prompt.
    hook_calls = rhs(init_script(), "__ssoenv_hook_env", "$lines")
    assert hook_calls == ["__ssoenv_call -Shell -Words @('hook-env', '--shell', 'powershell')"]


def reachable(start: str, skip: set[str]) -> tuple[set[str], list[Command]]:
    """The script's functions that `start` runs, through its own functions but
    `skip`, and every command they run."""
    seen, ran, todo = set(), [], [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for command in calls_in(name):
            ran.append(command)
            if command.operator is None and command.name in FUNCTIONS and command.name not in skip:
                todo.append(command.name)
    return seen, ran


def test_the_prompt_starts_no_process_when_nothing_is_due() -> None:
    """The prompt wrapper runs __ssoenv_precmd, which runs __ssoenv_hook_env
    only inside `if (... __ssoenv_due ...)`. Everything the prompt runs apart
    from that branch is the script's own functions, which use .NET and no
    cmdlet, plus Write-Error (in-process, when the last command failed) and the
    prompt that was there before: no process, no program."""
    precmd = calls_in("__ssoenv_precmd")
    assert [c.name for c in precmd] == ["__ssoenv_due", "__ssoenv_hook_env"]
    due, hook_env = precmd
    branch = hook_env.node.parent
    while branch is not None and branch.type != "if_statement":
        branch = branch.parent
    assert branch is not None
    condition = branch.child_by_field_name("condition")
    assert condition is not None
    assert due.inside(condition) and not hook_env.inside(condition)
    assert hook_env.inside(branch)

    seen, ran = reachable("prompt", skip={"__ssoenv_hook_env"})
    assert seen == {"prompt", "__ssoenv_precmd", "__ssoenv_due", "__ssoenv_int", "__ssoenv_trusted"}
    others = [
        (c.function, c.operator, c.name)
        for c in ran
        if c.operator is not None or c.name not in FUNCTIONS
    ]
    assert others == [
        ("prompt", None, "Microsoft.PowerShell.Utility\\Write-Error"),
        ("prompt", "&", "$global:__ssoenv_user_prompt"),
    ]
    # The badge too: .NET and the script's own functions only.
    seen, ran = reachable("ssoenv_prompt", skip=set())
    assert seen == {"ssoenv_prompt", "__ssoenv_int"}
    assert all(c.name in FUNCTIONS and c.operator is None for c in ran)


def test_the_hook_is_due_by_the_clock_and_the_marker_alone() -> None:
    """__ssoenv_due reads the clock, the environment and two files' times with
    .NET, as bash reads EPOCHSECONDS and runs `-nt`."""
    body = text_of(FUNCTIONS["__ssoenv_due"])
    assert "[System.DateTimeOffset]::UtcNow.ToUnixTimeSeconds()" in body
    assert body.count("[System.IO.File]::GetLastWriteTimeUtc(") == 2
    for variable in (
        "__SSOENV_RETRY_AT",
        "__SSOENV_REFRESH_AT",
        "__SSOENV_CRED_FILE",
        "__SSOENV_MARKER",
    ):
        assert f"'{variable}'" in body


def test_loading_defines_global_functions_and_registers_nothing_else() -> None:
    """Sourcing the script prints nothing and leaves no variable in the user's
    scope: at its top level are function definitions (each global), the
    completer's registration and the hook's."""
    (top,) = [c for c in ROOT_NODE.children if c.type != "comment"]
    assert top.type == "statement_list"
    ran = []
    for statement in top.named_children:
        if statement.type == "comment":
            continue
        if statement.type == "function_statement":
            name = next(c for c in statement.children if c.type == "function_name")
            assert text_of(name).startswith("global:"), text_of(name)
            continue
        found = commands(statement)
        assert found and statement.type == "pipeline", text_of(statement)[:80]
        ran.append(found[0].name)
    assert ran == ["Microsoft.PowerShell.Core\\Register-ArgumentCompleter", "__ssoenv_register"]
    # The wrapper prompt, defined when the hook registers, is global too.
    assert "function global:prompt {" in text_of(FUNCTIONS["__ssoenv_register"])


def test_the_prompt_is_wrapped_once() -> None:
    """Loading the script again finds the hook in the prompt and leaves it."""
    register = text_of(FUNCTIONS["__ssoenv_register"])
    assert "$current.ScriptBlock.ToString().Contains('__ssoenv_precmd')" in register
    assert "__ssoenv_precmd" in text_of(FUNCTIONS["prompt"])


# --------------------------------------------------------------------------- use/logout output

# Node types an assignment's value may have: literals, `[char]0xNN` terms, `+`,
# parentheses, and the grammar's layers of expression between them.
VALUE_NODES = {
    "pipeline", "pipeline_chain", "logical_expression", "bitwise_expression",
    "comparison_expression", "additive_expression", "multiplicative_expression",
    "format_expression", "range_expression", "array_literal_expression", "unary_expression",
    "parenthesized_expression", "string_literal", "verbatim_string_characters",
    "expression_with_unary_operator", "cast_expression", "type_literal", "type_spec",
    "type_name", "type_identifier", "integer_literal", "hexadecimal_integer_literal",
    "variable", "(", ")", "+", "[", "]",
}  # fmt: skip


def assignment_problems(code: str) -> list[str]:
    """What in `code` is not an assignment of literals to an $Env: variable."""
    root = parse(code)
    problems = [f"syntax: {e}" for e in syntax_errors(code)]
    statements = [s for c in root.children if c.type == "statement_list" for s in c.named_children]
    if any(c.type not in ("statement_list", "comment") for c in root.children):
        problems.append("something else than statements")
    for statement in statements:
        target = statement.named_children[0] if statement.named_children else None
        if target is None or target.type != "assignment_expression":
            problems.append(f"not an assignment: {text_of(statement)[:60]!r}")
            continue
        left, value = target.children[0], target.child_by_field_name("value")
        if not re.fullmatch(r"\$Env:[A-Za-z_][A-Za-z0-9_]*", text_of(left)) or value is None:
            problems.append(f"assigns to {text_of(left)!r}")
            continue
        for node in walk(value):
            if node.type not in VALUE_NODES:
                problems.append(f"{node.type} in {text_of(value)[:60]!r}")
            elif node.type == "variable" and text_of(node) != "$null":
                problems.append(f"variable {text_of(node)!r}")
            elif node.type == "type_name" and text_of(node) != "char":
                problems.append(f"type {text_of(node)!r}")
    return problems


def test_use_output_is_assignments_of_literals() -> None:
    hostile = [*SAMPLE_VALUES, *TRICKY, "".join(TRICKY)]
    ops = [*GOLDEN_OPS, *set_ops(hostile), UnsetVar("SSOENV_GONE")]
    code = SHELLS["powershell"].render(ops)
    assert assignment_problems(code) == []
    assert ps_apply(code) == net_effect(ops)
    assert "$Env:SSOENV_GONE = $null\n" in code  # unset is an assignment too


@pytest.mark.slow  # Hypothesis: values up to tens of KiB, trees of 10^5 nodes
@settings(max_examples=100, deadline=None)
@given(values=VALUE_LISTS)
def test_any_value_is_an_assignment_of_literals(values: list[str]) -> None:
    ops = [*set_ops(values), UnsetVar("SSOENV_GONE")]
    assert assignment_problems(SHELLS["powershell"].render(ops)) == []


def test_the_assignment_check_can_fail() -> None:
    assert assignment_problems("$Env:A = 'x'\n") == []
    assert assignment_problems("$Env:A = $null\n") == []
    for code in [
        '$Env:A = "$(id)"\n',  # an expandable string runs the sub-expression
        "$Env:A = 'x'; Remove-Item -LiteralPath Env:B\n",  # a command
        "$Env:A = $HOME\n",  # another variable
        "$Env:A = [scriptblock]0x41\n",  # another type
        "$A = 'x'\n",  # not the environment
        "$Env:A = ('a' + (id))\n",
        "$Env:A = 'unterminated\n",
    ]:
        assert assignment_problems(code), code


# --------------------------------------------------------------------------- completion


def completion_text() -> str:
    return COMPLETIONS.read_text(encoding="utf-8")


# Its table of commands and options is held to the typer app with the other
# shells' (tests/shell/test_completions_drift.py).


def listed(name: str) -> list[str]:
    match = re.search(rf"^\s*\${name} = @\((.*)\)$", completion_text(), re.MULTILINE)
    assert match, name
    return re.findall(r"'([^']*)'", match.group(1))


def test_the_lists_of_names_are_the_programs() -> None:
    assert listed("shells") == list(init.SCRIPTS)
    assert listed("formats") == list(FORMATS)
    group = typer_group()
    help_options = group.context_settings.get("help_option_names", ["--help"])
    assert set(listed("globals")) == {*help_options, *(o for p in _options(group) for o in p.opts)}
    # configure's subcommand
    assert set(group.commands["configure"].commands) == {"sso-session"}  # type: ignore[attr-defined]
    assert "@('sso-session')" in completion_text()


def completion_word(name: str) -> str:
    """What Format-SsoenvWord returns for `name`: its bare-word pattern and its
    quote characters, read from the file, applied here as PowerShell would."""
    text = completion_text()
    bare = re.search(r"\$Text -cmatch '([^']*)'", text)
    quotes = re.search(r"\[regex\]::Replace\(\$Text, '\[''([^\]]*)\]'", text)
    assert bare and quotes
    if re.search(bare.group(1).replace("\\z", "\\Z"), name):
        return name
    chars = "'" + quotes.group(1).encode().decode("unicode_escape")
    return "'" + re.sub(f"[{re.escape(chars)}]", lambda m: m.group(0) * 2, name) + "'"


NAMES = [
    "dev",
    "dev.ReadOnly",
    "a:b=c/d+e-f_g",
    "-leading-dash",
    "0x10",
    "1e5",
    "with space",
    "it's",
    "it\u2019s \u2018q\u2019 \u201aq\u201b",
    "$(id)",
    "${HOME}",
    "`n",
    "a;b",
    "a,b",
    "a|b",
    "@splat",
    "#comment",
    "(x)",
    "{x}",
    "a&b",
    "a>b",
    '"dq"',
    "\u00e9t\u00e9",
    "--%",
]


@pytest.mark.parametrize("name", NAMES)
def test_completion_offers_each_name_as_exactly_that_argument(name: str) -> None:
    """A name is inserted bare only when it is a plain word (a letter or `_`
    first, then letters, digits and `_./:+=-`); else single-quoted with every
    quote character doubled. Either way PowerShell reads one argument that is
    the name, and no expansion or command in it."""
    word = completion_word(name)
    line = f"ssoenv use {word}"
    root = parse(line)
    assert syntax_errors(line) == []
    (command,) = commands(root)
    elements = command.node.child_by_field_name("command_elements")
    assert elements is not None
    arguments = [n for n in elements.named_children if n.type != "command_argument_sep"]
    assert [text_of(n) for n in arguments] == ["use", word]
    kinds = {n.type for n in walk(arguments[1])}
    assert not kinds & {"variable", "sub_expression", "expandable_string_literal", "command"}
    if word == name:
        assert kinds == {"generic_token"}
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_./:+=-]*", name)
    else:
        assert ps_verbatim(word, 0) == (name, len(word))


# --------------------------------------------------------------------------- docs


def test_the_documented_powershell_snippets_parse() -> None:
    blocks = []
    for doc in (ROOT / "README.md", ROOT / "docs" / "shell.md"):
        text = doc.read_text(encoding="utf-8")
        blocks += re.findall(r"^ *```powershell\n(.*?)^ *```", text, re.DOTALL | re.MULTILINE)
    assert len(blocks) >= 3
    for block in blocks:
        assert syntax_errors(block) == [], block
        assert "Invoke-Expression (& ssoenv init pwsh | Out-String)" in block


# --------------------------------------------------------------------------- the program's side


def session_step(env: dict[str, str | None], *args: str) -> dict[str, str | None]:
    """One step of a PowerShell session's protocol with the real program, as
    the function and the hook run it (tests/helpers.run): the session's
    variables, its PID as __SSOENV_SHELL_PID and `--shell powershell`; what is
    printed must be assignments of literals, applied as PowerShell would."""
    current = {k: v for k, v in env.items() if v is not None}
    done = run(
        *args, "--shell", "powershell", env={**current, "__SSOENV_SHELL_PID": str(os.getpid())}
    )
    assert done.returncode == 0, done.stderr
    assert assignment_problems(done.stdout) == []
    return {**env, **ps_apply(done.stdout)}


def test_use_hook_env_and_logout_speak_powershell_to_the_function(aws_env: Path) -> None:
    """What the PowerShell function and hook exchange with ssoenv, against the
    emulator: `use` exports the profile and a marker stamped with the
    credential file's time (so the hook's time comparison finds nothing due),
    `hook-env` refreshes when due, `logout` unsets with `$null`."""
    assert run("login", "dev", "--no-browser").returncode == 0
    env = session_step({}, "use", "dev")
    assert env["SSOENV_PROFILE"] == "dev" and env["AWS_ACCESS_KEY_ID"]
    credentials, marker = Path(str(env["__SSOENV_CRED_FILE"])), Path(str(env["__SSOENV_MARKER"]))
    assert marker.name == f"marker.{os.getpid()}"
    assert marker.stat().st_mtime_ns == credentials.stat().st_mtime_ns
    first_key = env["AWS_ACCESS_KEY_ID"]

    env["__SSOENV_REFRESH_AT"] = "0"  # due: the hook runs hook-env
    env["__SSOENV_RETRY_AT"] = "1"  # armed by the hook before it runs ssoenv
    env = session_step(env, "hook-env")
    assert env["__SSOENV_RETRY_AT"] is None  # disarmed: a success
    assert int(str(env["__SSOENV_REFRESH_AT"])) > 0
    assert env["SSOENV_PROFILE"] == "dev" and env["AWS_ACCESS_KEY_ID"] == first_key

    env = session_step(env, "logout")
    assert env["AWS_ACCESS_KEY_ID"] is None and env["SSOENV_PROFILE"] is None
