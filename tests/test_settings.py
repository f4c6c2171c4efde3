"""One source for settings (issue 16): only ssoenv/settings.py reads the
environment; everything it reads is in its VARIABLES table, and the README's
table is that table; each knob parses to its default, an override, or the
ConfigError the commands always gave; Settings and the engine's Context refuse
to change once built."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ssoenv import engine, settings
from ssoenv.errors import ConfigError, ExitCode
from ssoenv.http import HOOK, INTERACTIVE
from ssoenv.settings import VARIABLES, Settings
from ssoenv.values import replace
from tests.emulator import Emulator
from tests.helpers import run

ROOT = Path(__file__).resolve().parents[1]
NAMES = {variable.name for variable in VARIABLES}

# --------------------------------------------------------------------------- (a) the guard

# The rule. Reading the environment is: touching os.environ or os.getenv (or
# importing them, or xdg_base_dirs, which reads os.environ itself); handing an
# environment around under the name `environ` (a parameter, a variable, an
# attribute: the plumbing Settings replaced); or looking a variable up by its
# literal name in any mapping: `x.get("AWS_PROFILE")`, `x["HOME"]`,
# `"SSOENV_SHELL" in x`. A name as a literal anywhere else is not a read: the
# constants of the variables `use` exports (emit.py), the SetVar and UnsetVar it
# builds, messages that name a variable. Only settings.py may read.
_ENV_ATTRIBUTES = {"environ", "environb", "getenv", "getenvb"}
_LOOKUPS = {"get", "pop", "setdefault", "__getitem__", "__contains__"}
_VARIABLE_SHAPE = re.compile(r"(__)?(SSOENV|AWS)_[A-Z0-9_]+")
ALLOWED = {"ssoenv/settings.py"}


def _names_a_variable(node: ast.AST) -> bool:
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return False
    return node.value in NAMES or _VARIABLE_SHAPE.fullmatch(node.value) is not None


def environment_reads(source: str) -> list[str]:
    """Each read of the environment in `source`, as "line: what"."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in _ENV_ATTRIBUTES
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            found.append((node.lineno, f"os.{node.attr}"))
        elif (isinstance(node, ast.Name) and node.id == "environ") or (
            isinstance(node, ast.Attribute) and node.attr == "environ"
        ):
            found.append((node.lineno, "environ"))
        elif isinstance(node, ast.arg) and node.arg == "environ":
            found.append((node.lineno, "an environ parameter"))
        elif isinstance(node, ast.ImportFrom) and node.module in ("os", "posix"):
            names = [a.name for a in node.names if a.name in _ENV_ATTRIBUTES]
            found += [(node.lineno, f"from os import {name}") for name in names]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = (
                [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            )
            found += [(node.lineno, f"import {m}") for m in modules if m == "xdg_base_dirs"]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _LOOKUPS
            and node.args
            and _names_a_variable(node.args[0])
        ):
            found.append((node.lineno, f".{node.func.attr}({ast.unparse(node.args[0])})"))
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and _names_a_variable(node.slice)
        ):
            found.append((node.lineno, f"[{ast.unparse(node.slice)}]"))
        elif (
            isinstance(node, ast.Compare)
            and _names_a_variable(node.left)
            and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)
        ):
            found.append((node.lineno, f"{ast.unparse(node.left)} in ..."))
    return [f"{line}: {what}" for line, what in sorted(found)]


def package_reads(package: Path) -> dict[str, list[str]]:
    """Every module of `package` (but settings.py) that reads the environment."""
    reads = {}
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package.parent).as_posix()
        found = environment_reads(path.read_text(encoding="utf-8"))
        if found and name not in ALLOWED:
            reads[name] = found
    return reads


def test_no_module_but_settings_reads_the_environment() -> None:
    assert package_reads(ROOT / "ssoenv") == {}


@pytest.mark.parametrize(
    "line",
    [
        "import os\nx = os.environ.get('ANYTHING')",
        "from os import getenv",
        "from xdg_base_dirs import xdg_cache_home",
        "def f(env): return env.get('SSOENV_SHELL', '')",
        "def f(env): return env['HOME']",
        "def f(env): return '__SSOENV_REGION' in env",
        "def f(ctx): return ctx.environ.get('BROWSER')",
        "def f(environ, name): return environ.get(name)",
        "def f(env, name): return name in env.environ",
    ],
)
def test_the_guard_sees_each_kind_of_read(line: str) -> None:
    """What the old modules did (paths.py's environ.get("HOME"), main.py's
    os.environ, emit.py's `name in environ`...) is caught."""
    assert environment_reads(line) != []


@pytest.mark.parametrize(
    "line",
    [
        'CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")',
        'def f(): return SetVar("SSOENV_PROFILE", "dev")',
        "def f(shell): return shell.ssoenv_profile",
        'def f(section): return section.get("region")',
        'message = "SSOENV_LOGIN_WAIT must be a number of seconds"',
    ],
)
def test_names_written_or_shown_are_not_reads(line: str) -> None:
    assert environment_reads(line) == []


# --------------------------------------------------------------------------- (b) the table


class Recorder(Mapping[str, str]):
    """An empty environment that remembers every name looked up in it."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def test_settings_reads_exactly_the_variables_of_the_table() -> None:
    recorder = Recorder()
    Settings.from_environ(recorder)
    assert recorder.asked == {v.name for v in VARIABLES if v.read_by == "ssoenv"}


def test_the_variables_settings_does_not_read_are_the_shells_or_written_only() -> None:
    scripts = "".join(path.read_text() for path in (ROOT / "shell").iterdir())
    emit = (ROOT / "ssoenv" / "emit.py").read_text()
    for variable in VARIABLES:
        assert variable.read_by in ("ssoenv", "shell", ""), variable
        if variable.read_by == "shell":
            assert variable.name in scripts, variable.name
        if variable.read_by == "":  # kept only so that a `use` or `logout` clears it
            assert variable.set_by == "ssoenv" and f'"{variable.name}"' in emit, variable.name


def test_the_table_names_each_variable_once_in_one_line() -> None:
    names = [variable.name for variable in VARIABLES]
    assert len(names) == len(set(names))
    for variable in VARIABLES:
        assert variable.set_by in ("you", "ssoenv"), variable
        assert variable.meaning and "|" not in variable.meaning + variable.default, variable
        assert "\n" not in variable.meaning, variable


def _variable_of(field: str) -> str:
    """The variable a raw field is named after (the rule in ssoenv/settings.py)."""
    (name,) = {field.upper(), f"__{field.upper()}"} & NAMES
    return name


COMPUTED = {"config_file", "credentials_file", "shell_state", "environ_for_child"}


def test_each_raw_field_holds_the_variable_it_is_named_after() -> None:
    """A field wired to the wrong variable (or a typo in a name) fails here."""
    found = Settings.from_environ({name: f"value of {name}" for name in NAMES})
    fields = {**vars(found), **vars(found.shell_state)}
    for field, value in fields.items():
        if field not in COMPUTED:
            assert value == f"value of {_variable_of(field)}", field
    assert found.config_file == "value of AWS_CONFIG_FILE"
    assert found.credentials_file == "value of AWS_SHARED_CREDENTIALS_FILE"


def test_unset_variables_are_none_and_empty_ones_stay_empty() -> None:
    unset = Settings.from_environ({})
    assert unset.aws_profile is None and unset.shell_state.aws_access_key_id is None
    empty = Settings.from_environ({"AWS_PROFILE": "", "AWS_ACCESS_KEY_ID": ""})
    assert empty.aws_profile == "" and empty.shell_state.aws_access_key_id == ""


# --------------------------------------------------------------------------- (c) the README

INTRO = (
    "ssoenv reads these once per command, in `ssoenv/settings.py`, whose `VARIABLES` is\n"
    "this table (a test keeps the two the same)."
)
STATE_INTRO = (
    "`ssoenv use` and the shell integration keep their state in the shell's variables;\n"
    "the prompt hook, `status`, `logout` and the next `use` read it back (leave the\n"
    "`__SSOENV_*` ones alone):"
)


def readme_section() -> str:
    """The README's "Environment variables" section, made from VARIABLES."""
    lines = ["## Environment variables", "", INTRO, ""]
    lines += ["| variable | default | effect |", "| --- | --- | --- |"]
    lines += [f"| `{v.name}` | {v.default} | {v.meaning} |" for v in VARIABLES if v.set_by == "you"]
    lines += ["", STATE_INTRO, "", "| variable | effect |", "| --- | --- |"]
    lines += [f"| `{v.name}` | {v.meaning} |" for v in VARIABLES if v.set_by == "ssoenv"]
    return "\n".join(lines) + "\n"


def test_the_readme_table_is_the_variables_table() -> None:
    """UPDATE_GOLDEN=1 rewrites the README's section from VARIABLES instead."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    found = re.search(r"^## Environment variables\n.*?(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert found, "README.md has no '## Environment variables' section"
    current = found.group(0).rstrip("\n") + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        readme.write_text(text.replace(current, readme_section()), encoding="utf-8")
        return
    assert current == readme_section(), "run UPDATE_GOLDEN=1 pytest tests/test_settings.py"


# --------------------------------------------------------------------------- (d) the knobs


def of(**variables: str) -> Settings:
    return Settings.from_environ(variables)


def test_the_defaults() -> None:
    default = of()
    assert default.refresh_window == timedelta(minutes=10)
    assert default.login_wait == 300.0
    assert default.http_timeout is None
    assert default.login_flow == "auto"
    assert default.debug is False
    # The table shows the same numbers the code uses.
    shown = {v.name: v.default for v in VARIABLES}
    assert shown["SSOENV_REFRESH_WINDOW"] == "600"
    assert shown["SSOENV_LOGIN_WAIT"] == "300"
    # Empty counts as unset for every knob (`SSOENV_LOGIN_WAIT= ssoenv login`).
    blank = of(
        SSOENV_REFRESH_WINDOW="",
        SSOENV_LOGIN_WAIT="",
        SSOENV_HTTP_TIMEOUT=" ",
        SSOENV_LOGIN_FLOW="",
    )
    assert (blank.refresh_window, blank.login_wait) == (default.refresh_window, 300.0)
    assert (blank.http_timeout, blank.login_flow) == (None, "auto")


def test_overrides() -> None:
    assert of(SSOENV_REFRESH_WINDOW="4000").refresh_window == timedelta(seconds=4000)
    assert of(SSOENV_LOGIN_WAIT="0").login_wait == 0.0
    assert of(SSOENV_HTTP_TIMEOUT=" 2.5 ").http_timeout == 2.5
    assert of(SSOENV_LOGIN_FLOW=" PKCE ").login_flow == "pkce"
    assert of(SSOENV_LOGIN_FLOW="device").login_flow == "device"
    assert of(SSOENV_DEBUG="1").debug is True
    assert of(SSOENV_DEBUG="true").debug is False  # only "1", as before


@pytest.mark.parametrize(
    ("name", "value", "message", "hint"),
    [
        ("SSOENV_REFRESH_WINDOW", "10m", "SSOENV_REFRESH_WINDOW must be a number of seconds, "
         "not '10m'", "set it to e.g. 600, or unset it"),
        ("SSOENV_REFRESH_WINDOW", "-5", "SSOENV_REFRESH_WINDOW must be a number of seconds, "
         "not '-5'", "set it to e.g. 600, or unset it"),
        ("SSOENV_LOGIN_WAIT", "1.5", "SSOENV_LOGIN_WAIT must be a number of seconds, not '1.5'",
         "set it to e.g. 300, or unset it"),
        ("SSOENV_HTTP_TIMEOUT", "0", "SSOENV_HTTP_TIMEOUT must be a positive number of seconds, "
         "not '0'", "set it to e.g. 5, or unset SSOENV_HTTP_TIMEOUT"),
        ("SSOENV_LOGIN_FLOW", "Browser", "SSOENV_LOGIN_FLOW must be device, pkce or auto, "
         "not 'browser'", "fix or unset SSOENV_LOGIN_FLOW"),
        ("SSOENV_REFRESH_WINDOW", "x" * 99, f"SSOENV_REFRESH_WINDOW must be a number of seconds, "
         f"not '{'x' * 40}'", "set it to e.g. 600, or unset it"),
    ],
)  # fmt: skip
def test_a_bad_knob_is_a_config_error_when_used_not_when_read(
    name: str, value: str, message: str, hint: str
) -> None:
    found = of(**{name: value})  # reading never fails: `status` must work anyway
    knob = {
        "SSOENV_REFRESH_WINDOW": "refresh_window",
        "SSOENV_LOGIN_WAIT": "login_wait",
        "SSOENV_HTTP_TIMEOUT": "http_timeout",
        "SSOENV_LOGIN_FLOW": "login_flow",
    }[name]
    with pytest.raises(ConfigError) as raised:
        getattr(found, knob)
    assert (raised.value.message, raised.value.hint) == (message, hint)
    assert raised.value.exit_code == ExitCode.CONFIG


def test_a_bad_window_stops_use_but_not_status(aws_env: Path, emulator: Emulator) -> None:
    """The commands give the same one line, exit code 3, at the same moment as before."""
    bad = {"SSOENV_REFRESH_WINDOW": "soon"}
    used = run("use", "dev", "--shell", "bash", env=bad)
    assert used.returncode == ExitCode.CONFIG
    assert used.stderr == (
        "ssoenv: SSOENV_REFRESH_WINDOW must be a number of seconds, not 'soon'; "
        "set it to e.g. 600, or unset it\n"
    )
    assert used.stdout == ""
    status = run("status", env=bad)
    assert status.returncode == ExitCode.LOGIN_REQUIRED  # no profile active: not a config error
    assert "SSOENV_REFRESH_WINDOW" not in status.stderr


def test_home_is_found_as_path_home_finds_it() -> None:
    assert of(HOME="/h/").home_dir == Path("/h")
    assert of(HOME="").home_dir == Path("/")  # posixpath.expanduser's rule
    import pwd

    assert of().home_dir == Path(pwd.getpwuid(os.getuid()).pw_dir)


@pytest.mark.parametrize("xdg", [None, "", "/abs/cache", "relative/cache"])
def test_the_cache_folder_follows_xdg_base_dirs(
    xdg: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same folder xdg-base-dirs gives (it reads os.environ; settings.py, the mapping)."""
    from xdg_base_dirs import xdg_cache_home

    monkeypatch.setenv("HOME", str(tmp_path))
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert Settings.from_environ(os.environ).cache_dir == xdg_cache_home() / "ssoenv"


def test_ssoenv_cache_dir_wins() -> None:
    assert of(SSOENV_CACHE_DIR="/c", XDG_CACHE_HOME="/x").cache_dir == Path("/c")
    assert of(SSOENV_CACHE_DIR="", XDG_CACHE_HOME="/x").cache_dir == Path("/x/ssoenv")


def test_runtime_and_temp_folders_must_be_absolute() -> None:
    assert of(XDG_RUNTIME_DIR="/run/user/1").runtime_dir == Path("/run/user/1")
    assert of(XDG_RUNTIME_DIR="run").runtime_dir is None
    assert of().runtime_dir is None
    assert of(TMPDIR="/var/tmp").temp_dir == Path("/var/tmp")
    assert of(TMPDIR="tmp").temp_dir == Path("/tmp")
    assert of().temp_dir == Path("/tmp")


def test_the_shell_state_is_what_the_shell_holds() -> None:
    state = of(SSOENV_PROFILE="dev", __SSOENV_KEY_ID="ASIA1", AWS_SESSION_TOKEN="t").shell_state
    assert (state.ssoenv_profile, state.ssoenv_key_id) == ("dev", "ASIA1")
    assert state.aws_session_token == "t"
    assert "ASIA1" in repr(state) and "'t'" not in repr(state)  # an id is shown, a secret never


def test_the_childs_environment_is_a_read_only_snapshot() -> None:
    source = {"PATH": "/bin", "MY_TOOL": "x"}
    found = Settings.from_environ(source)
    source["MY_TOOL"] = "changed later"
    assert dict(found.environ_for_child) == {"PATH": "/bin", "MY_TOOL": "x"}
    with pytest.raises(TypeError):
        found.environ_for_child["PATH"] = "/tmp"  # type: ignore[index]


def test_the_process_settings_are_read_once_until_reread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "_process", None)  # put back afterwards
    monkeypatch.setenv("SSOENV_LOGIN_WAIT", "7")
    first = settings.from_process(reread=True)
    monkeypatch.setenv("SSOENV_LOGIN_WAIT", "8")
    assert settings.from_process() is first  # one read per command
    assert settings.from_process(reread=True).login_wait == 8.0  # main() starts a command


def test_importing_settings_costs_init_nothing() -> None:
    """`init` builds Settings for --debug: no typing, pathlib, datetime or dataclasses."""
    code = (
        "import sys, ssoenv.settings as s; s.from_process(reread=True).debug; "
        "print(sorted({'typing', 'pathlib', 'datetime', 'dataclasses'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- immutable


def context() -> engine.Context:
    return engine.Context(
        settings=of(),
        now=lambda: datetime.now(timezone.utc),
        monotonic=lambda: 0.0,
        sleep=lambda seconds: None,
    )


def test_settings_and_context_refuse_changes() -> None:
    found = of(SSOENV_REFRESH_WINDOW="60")
    with pytest.raises(AttributeError, match="immutable"):
        found.ssoenv_refresh_window = "600"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        found.shell_state.ssoenv_profile = "prod"  # type: ignore[misc]
    ctx = context()
    for name, value in [("refresh_window", timedelta(0)), ("policy", HOOK), ("deadline", 1.0)]:
        with pytest.raises(AttributeError, match="immutable"):
            setattr(ctx, name, value)
    changed = replace(ctx, max_lock_wait=2.0)
    assert (changed.max_lock_wait, ctx.max_lock_wait) == (2.0, None)


def test_the_context_defaults_are_the_settings_defaults() -> None:
    ctx = context()
    assert ctx.refresh_window == of().refresh_window
    assert ctx.login_wait == of().login_wait
    assert ctx.policy == INTERACTIVE


def test_runtime_context_takes_what_commands_used_to_set_afterwards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ssoenv import runtime as rt

    monkeypatch.setattr(settings, "_process", None)  # put back afterwards
    monkeypatch.setenv("SSOENV_REFRESH_WINDOW", "120")
    monkeypatch.setenv("SSOENV_HTTP_TIMEOUT", "1")
    settings.from_process(reread=True)
    plain = rt.context()
    assert (plain.refresh_window, plain.policy, plain.deadline) == (
        timedelta(seconds=120),
        INTERACTIVE,
        None,
    )
    hook = rt.context(policy=HOOK, deadline=5.0, max_lock_wait=2.0)
    assert (hook.policy, hook.deadline, hook.max_lock_wait) == (HOOK, 5.0, 2.0)
    assert hook.http.policy.read_timeout == 1.0  # SSOENV_HTTP_TIMEOUT still applies
    longer = rt.context(refresh_window=timedelta(minutes=16))
    assert longer.refresh_window == timedelta(minutes=16)
