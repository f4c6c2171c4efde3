"""The profile picker (`ssoenv use` with no profile, at a terminal): its pure
parts here first (keys, filter, what is shown), then the real program on a
pseudo-terminal, with the built-in list and with a real fzf, its stdout
captured apart from the terminal as the shell function's eval captures it."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pexpect
import pytest

from ssoenv import picker
from ssoenv.config import load_config
from ssoenv.errors import ConfigError, UsageError
from ssoenv.main import main
from ssoenv.settings import Settings
from tests.conftest import SAMPLE_CONFIG
from tests.emulator import Emulator
from tests.helpers import SSOENV

# --- keys ---------------------------------------------------------------------------------


def test_keys_are_split_out_of_what_the_terminal_sends() -> None:
    keys, rest = picker.split_keys("ab\x1b[A\x1bOB\x1b[5~é\r")
    assert keys == ["a", "b", "up", "down", "pgup", "é", "\r"]
    assert rest == ""


def test_an_unfinished_sequence_waits_for_the_next_read() -> None:
    assert picker.split_keys("x\x1b") == (["x"], "\x1b")
    assert picker.split_keys("\x1b[1;") == ([], "\x1b[1;")
    assert picker.split_keys("\x1b[1;5A") == (["\x1b[1;5A"], "")  # unused: does nothing
    assert picker.split_keys("\x1b\x1b") == (["esc"], "")


# --- the list's state ---------------------------------------------------------------------

LINES = ["dev      111111111111  ReadOnly  corp", "admin    111111111111  Admin  corp"]
LINES += ["prod     222222222222  ReadOnly  corp", "old      111111111111  ReadOnly  x.com"]


def type_in(listing: picker.Listing, text: str) -> None:
    for key in text:
        assert listing.press(key) is False


def test_every_word_typed_must_be_in_a_line_in_any_case() -> None:
    listing = picker.Listing(LINES, 10)
    type_in(listing, "READ 1111")
    assert [LINES[i][:4] for i in listing.matches] == ["dev ", "old "]
    assert listing.press("down") is False
    assert listing.press("\r") == 3
    type_in(listing, "\x7f\x7f\x7f\x7f\x7f")  # Backspace back to "READ"
    assert len(listing.matches) == 3


def test_moves_stay_in_the_list_and_scroll_it() -> None:
    listing = picker.Listing(LINES, 2)
    for _ in range(9):
        listing.press("up")
    assert listing.press("\r") == 0
    for _ in range(9):
        listing.press("\x0e")  # Ctrl-N
    assert (listing.cursor, listing.top) == (3, 2)
    assert listing.press("\r") == 3


def test_the_list_can_start_on_any_line_and_shows_it() -> None:
    listing = picker.Listing(LINES, 2, start=3)
    assert (listing.cursor, listing.top) == (3, 2)
    assert listing.frame(80)[2].startswith("\x1b[7m> old ")
    assert listing.press("\r") == 3
    type_in(listing, "prod")  # a filter starts from its first match
    assert listing.press("\r") == 2


def test_enter_with_nothing_matching_does_nothing_and_esc_cancels() -> None:
    listing = picker.Listing(LINES, 10)
    type_in(listing, "nothing-like-this")
    assert listing.matches == []
    assert listing.press("\r") is False
    assert "(no profile matches)" in listing.frame(80)[1]
    for key in ("esc", "\x03", "\x07", "\x04", "eof"):
        assert listing.press(key) is None


def test_a_frame_fits_the_terminal_and_shows_no_control_but_the_highlight() -> None:
    listing = picker.Listing([*LINES, "wide " + "語" * 60], 10)
    type_in(listing, "\x1b")  # not printable: never in the filter
    type_in(listing, "o")
    for line in listing.frame(40):
        plain = line.replace("\x1b[7m", "").replace("\x1b[27m", "")
        assert plain.isprintable()
        assert picker._width(plain) <= 39
    assert listing.frame(40)[0].startswith("profile> o  ")
    assert listing.column() == len("profile> o")


# --- what is listed -----------------------------------------------------------------------

CHAIN = """
[profile chained]
role_arn = arn:aws:iam::333333333333:role/Deploy
source_profile = dev
"""


def test_the_choices_are_the_profiles_use_can_take_default_first(tmp_path: Path) -> None:
    path = tmp_path / "config"
    without_default = SAMPLE_CONFIG.replace("[default]\nregion = us-east-1\n", "")
    path.write_text(without_default + CHAIN + "[default]\nsso_session = corp\nsso_role_name = R\n")
    found = picker.choices(load_config(path))
    names = ["default", "dev", "admin", "prod", "forbidden", "old", "chained"]
    assert [c.name for c in found] == names
    assert found[0].detail == "?  R  corp"  # botocore's rule: either key makes an SSO profile
    assert found[1].detail == "111111111111  ReadOnly  corp"
    assert found[5].detail == "111111111111  ReadOnly  d-1234567890.awsapps.com"
    assert found[6].detail == "arn:aws:iam::333333333333:role/Deploy via dev"


def test_names_from_the_config_are_shown_as_escapes() -> None:
    found = [picker.Choice("e\x1b]52;c;aGk=\x07vil", "1\x9b2J  R\u202e  corp")]
    (row,) = picker.rows(found)
    assert row == "e\\x1b]52;c;aGk=\\x07vil  1\\x9b2J  R\\u202e  corp"


def test_asking_for_fzf_without_it_says_so() -> None:
    with pytest.raises(UsageError, match="SSOENV_PICKER is fzf, but fzf is not installed"):
        picker.pick([picker.Choice("dev", "")], "fzf", which=lambda name: None)


@pytest.mark.parametrize(
    ("value", "meaning"), [(None, "auto"), ("", "auto"), (" FZF ", "fzf"), ("off", "off")]
)
def test_the_picker_setting(value: str | None, meaning: str) -> None:
    assert Settings.from_environ({} if value is None else {"SSOENV_PICKER": value}).picker == (
        meaning
    )


def test_a_bad_picker_setting_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="SSOENV_PICKER must be fzf, builtin, off or auto"):
        _ = Settings.from_environ({"SSOENV_PICKER": "dmenu"}).picker


# --- no terminal: as before ---------------------------------------------------------------


def test_without_a_terminal_use_takes_the_default_profile_as_before(
    aws_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # pytest's stdin is no terminal: the messages of the AWS CLI's choice, unchanged.
    assert main(["use", "--shell", "bash"]) == 3
    assert capsys.readouterr().err == (
        "ssoenv: ~/.aws/config [default] does not use IAM Identity Center (it has no sso_* "
        "settings); configure it with `ssoenv configure`, or pick an SSO profile "
        "(`ssoenv list`)\n"
    )
    aws_env.write_text(SAMPLE_CONFIG.replace("[default]\nregion = us-east-1\n", ""))
    assert main(["use", "--shell", "bash"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("ssoenv: no profile was chosen and ~/.aws/config has no [default]")


# --- the program on a pseudo-terminal -------------------------------------------------------


@pytest.fixture
def logged_in(aws_env: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> Path:
    """The config of aws_env, its session logged in (in this process: cheaper)."""
    assert main(["login", "dev", "--no-browser"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    return aws_env


class Terminal:
    """`ssoenv use ARGS` on a pseudo-terminal, its stdout to a file (as the shell
    function's $(...) takes it), between two `stty -g` of that terminal."""

    def __init__(self, folder: Path, *args: str, **env: str) -> None:
        self.out = folder / "stdout"
        script = 'stty -g; "$0" use "$@" >"$OUT"; echo "status=$?"; stty -g'
        self.child = pexpect.spawn(
            "sh",
            ["-c", script, SSOENV, "--shell", "bash", *args],
            env={**os.environ, "TERM": "xterm", "OUT": str(self.out), **env},
            encoding="utf-8",
            timeout=30,
            dimensions=(24, 100),
        )
        self.child.expect(r"([0-9a-f:]+)\r\n")
        self.modes = self.child.match.group(1)

    def expect(self, text: str) -> str:
        """What was shown up to `text`. fzf asks where the cursor is (ESC [ 6 n)
        before it draws: answered, as a terminal answers."""
        while self.child.expect_exact([text, "\x1b[6n"]) == 1:
            self.child.send("\x1b[1;1R")
        return str(self.child.before)

    def finish(self) -> tuple[int, str]:
        """The exit status and the shown text; the terminal's modes must be back."""
        self.child.expect(r"status=(\d+)\r\n([0-9a-f:]+)\r\n")
        status, after = int(self.child.match.group(1)), self.child.match.group(2)
        shown = str(self.child.before)
        self.child.expect(pexpect.EOF)
        assert after == self.modes  # the terminal is as it was
        return status, shown

    def exported(self) -> dict[str, str]:
        return dict(re.findall(r"^export (\w+)='?([^'\n]*)'?$", self.out.read_text(), re.M))


def require_fzf() -> None:
    if not any(Path(p, "fzf").exists() for p in os.get_exec_path()):
        if os.environ.get("CI"):
            pytest.fail("fzf is required in CI (.ci/run installs it)")
        pytest.skip("fzf is not installed")


def test_type_a_filter_and_enter_exports_that_profile(logged_in: Path, tmp_path: Path) -> None:
    term = Terminal(tmp_path, SSOENV_PICKER="builtin")
    term.expect("5/5")
    term.child.send("222 read")
    term.expect("1/5")
    term.child.send("\r")
    status, shown = term.finish()
    assert status == 0, shown
    exported = term.exported()
    assert exported["SSOENV_PROFILE"] == "prod"
    assert exported["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert "using 'prod' (222222222222 ReadOnly)" in shown


def test_arrow_keys_move_and_the_default_profile_comes_first(
    logged_in: Path, tmp_path: Path
) -> None:
    logged_in.write_text(
        SAMPLE_CONFIG.replace("region = us-east-1\n", "sso_session = corp\n", 1).replace(
            "[default]\n", "[default]\nsso_account_id = 111111111111\nsso_role_name = Admin\n"
        )
    )
    term = Terminal(tmp_path, SSOENV_PICKER="builtin")
    term.expect("\x1b[7m> default")  # Enter at once: what `use` alone took
    term.child.send("\x1b[B\x1b[B\x1b[A")
    term.expect("\x1b[7m> dev ")
    term.child.send("\r")
    status, shown = term.finish()
    assert status == 0, shown
    assert term.exported()["SSOENV_PROFILE"] == "dev"


def test_the_shells_profile_is_highlighted_so_enter_renews_it(
    logged_in: Path, tmp_path: Path
) -> None:
    term = Terminal(tmp_path, SSOENV_PICKER="builtin", SSOENV_PROFILE="prod")
    term.expect("\x1b[7m> prod ")
    term.child.send("\r")
    status, shown = term.finish()
    assert status == 0, shown
    assert term.exported()["SSOENV_PROFILE"] == "prod"


def test_a_resized_terminal_gets_the_list_again_at_its_new_width(
    logged_in: Path, tmp_path: Path
) -> None:
    term = Terminal(tmp_path, SSOENV_PICKER="builtin")
    shown = term.expect("5/5")
    shown += term.expect("\x1b[?25h")  # the first frame, whole
    assert "…" not in shown  # 100 columns: every line fits
    term.child.setwinsize(24, 24)  # SIGWINCH; no key is pressed
    term.expect("\x1b[?25l")  # a new frame starts
    frame = term.expect("\x1b[?25h")
    lines = [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "", line) for line in frame.split("\r\n")]
    assert any(line.endswith("…") for line in lines), lines  # cut to the new width
    assert all(len(line) <= 23 for line in lines), lines
    term.child.send("\x1b")
    status, _ = term.finish()
    assert status == 130


@pytest.mark.parametrize("key", ["\x1b", "\x03"], ids=["esc", "ctrl-c"])
def test_esc_and_ctrl_c_export_nothing(logged_in: Path, tmp_path: Path, key: str) -> None:
    term = Terminal(tmp_path, SSOENV_PICKER="builtin")
    term.expect("5/5")
    term.child.send("pro")
    term.expect("1/5")
    term.child.send(key)
    status, shown = term.finish()
    assert status == 130
    assert shown.endswith(
        "ssoenv: no profile was picked; nothing was changed; run `ssoenv use PROFILE`, "
        "or `ssoenv use` to pick again\r\n"
    )
    assert term.out.read_text() == ""


def test_sigterm_gives_the_terminal_back(logged_in: Path, tmp_path: Path) -> None:
    term = Terminal(tmp_path, SSOENV_PICKER="builtin")
    term.expect("5/5")
    # ssoenv is the shell's one child.
    children = Path(f"/proc/{term.child.pid}/task/{term.child.pid}/children").read_text()
    os.kill(int(children.split()[0]), signal.SIGTERM)
    status, _ = term.finish()
    assert status == 128 + signal.SIGTERM
    assert term.out.read_text() == ""


def test_hostile_names_are_listed_as_escapes(logged_in: Path, tmp_path: Path) -> None:
    hostile = "[profile ev\x1b[2Jil\x1b]0;owned\x07]\nsso_session = corp\n"
    logged_in.write_text(SAMPLE_CONFIG + hostile + "sso_account_id = 1\nsso_role_name = R\x9b\n")
    term = Terminal(tmp_path, SSOENV_PICKER="builtin")
    term.child.send("2j")
    shown = term.expect("1/6")
    shown += term.expect("ev\\x1b[2Jil\\x1b]0;owned\\x07  1  R\\x9b  corp")
    term.child.send("\x1b")
    status, rest = term.finish()
    assert status == 130
    for raw in ("\x1b[2J", "\x1b]0;", "\x07", "\x9b"):
        assert raw not in shown + rest


def test_a_profile_in_aws_profile_is_used_without_a_picker(logged_in: Path, tmp_path: Path) -> None:
    term = Terminal(tmp_path, AWS_PROFILE="admin", SSOENV_PICKER="builtin")
    status, shown = term.finish()
    assert status == 0, shown
    assert "profile> " not in shown
    assert term.exported()["SSOENV_PROFILE"] == "admin"


def test_picker_off_takes_the_default_profile_as_before(logged_in: Path, tmp_path: Path) -> None:
    term = Terminal(tmp_path, SSOENV_PICKER="off")
    status, shown = term.finish()
    assert status == 3
    assert "profile> " not in shown
    assert "[default] does not use IAM Identity Center" in shown


def test_fzf_filters_and_enter_exports_that_profile(logged_in: Path, tmp_path: Path) -> None:
    require_fzf()
    term = Terminal(tmp_path)  # auto: fzf, as it is installed
    term.expect("5/5")
    term.child.send("^adm")
    term.expect("1/5")
    term.child.send("\r")
    status, shown = term.finish()
    assert status == 0, shown
    assert term.exported()["SSOENV_PROFILE"] == "admin"


def test_fzf_starts_on_the_shells_profile(logged_in: Path, tmp_path: Path) -> None:
    require_fzf()
    if picker._fzf_version("fzf") < picker.FZF_POS:
        pytest.skip("this fzf cannot move its cursor at start (0.36 and later can)")
    term = Terminal(tmp_path, SSOENV_PICKER="fzf", SSOENV_PROFILE="prod")
    term.expect("5/5")
    term.expect("prod")
    term.child.send("\r")
    status, shown = term.finish()
    assert status == 0, shown
    assert term.exported()["SSOENV_PROFILE"] == "prod"


@pytest.mark.slow  # starts fzf and scripts, through picker._fzf_version
def test_the_fzf_version_is_read_and_an_unknown_one_is_old(tmp_path: Path) -> None:
    require_fzf()
    assert picker._fzf_version("fzf") >= (0, 1)
    says = {"old": "0.29.0 (debian)\n", "odd": "fzf, a fuzzy finder\n", "none": ""}
    for name, output in says.items():
        (tmp_path / name).write_text(f"#!/bin/sh\nprintf '{output}'\n")
        (tmp_path / name).chmod(0o755)
    assert picker._fzf_version(str(tmp_path / "old")) == (0, 29, 0)
    assert picker._fzf_version(str(tmp_path / "odd")) == (0,)
    assert picker._fzf_version(str(tmp_path / "none")) == (0,)
    assert picker._fzf_version(str(tmp_path / "missing")) == (0,)


def test_fzf_cancelled_exports_nothing(logged_in: Path, tmp_path: Path) -> None:
    require_fzf()
    term = Terminal(tmp_path, SSOENV_PICKER="fzf")
    term.expect("5/5")
    term.child.send("\x03")
    status, shown = term.finish()
    assert status == 130
    assert "ssoenv: no profile was picked; nothing was changed" in shown
    assert term.out.read_text() == ""


def test_fzf_shows_hostile_names_as_escapes(logged_in: Path, tmp_path: Path) -> None:
    require_fzf()
    hostile = "[profile ev\x1b[2Jil]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n"
    logged_in.write_text(SAMPLE_CONFIG + hostile)
    term = Terminal(tmp_path, SSOENV_PICKER="fzf")
    shown = term.expect("ev\\x1b[2Jil")
    term.child.send("\x03")
    status, rest = term.finish()
    assert status == 130
    assert "\x1b[2J" not in shown + rest
