"""The profile picker: `ssoenv use` with no profile, at a terminal, lets a person
choose one. fzf when it is installed (or SSOENV_PICKER says which), else a
built-in list with type-to-filter.

Both talk to the terminal itself (/dev/tty), never to stdout: the shell function
captures `use`'s stdout for eval. Profile names and values come from the config
file, which may hold anything: each is shown through text.printable, so an ESC
in a name shows as `\\x1b` and is never obeyed. The built-in list puts the
terminal in raw mode and gives it back exactly as it was whatever happens: a
choice, Esc, Ctrl-C, an exception, SIGTERM or SIGHUP.

The list's state (`Listing`) and the splitting of the bytes a terminal sends
into keys (`split_keys`) are pure, so that their tests need no terminal."""

from __future__ import annotations

import contextlib
import os
import shutil
import unicodedata
from collections.abc import Callable, Iterator, Sequence

from ssoenv.config import is_sso_profile
from ssoenv.errors import UsageError
from ssoenv.text import printable
from ssoenv.values import frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ssoenv.awsini import Value
    from ssoenv.config import ConfigFile


@frozen
class Choice:
    """A profile `use` can take, as the picker shows it."""

    name: str  # as in the config: what `use` gets
    detail: str  # account, role, session; or the role a chain assumes, and from what


def choices(cfg: ConfigFile) -> list[Choice]:
    """The profiles `use` can take (SSO roles and role chains), in the config's
    order, `default` first: Enter at once picks what `use` alone always took."""
    found = []
    for name, section in cfg.profiles.items():
        if is_sso_profile(section):
            session = section.get("sso_session")
            where = _text(session) if session else _host(section.get("sso_start_url"))
            fields = [_text(section.get(key)) for key in ("sso_account_id", "sso_role_name")]
            found.append(Choice(name, "  ".join([*fields, where])))
        elif "role_arn" in section:
            source = section.get("source_profile") or section.get("credential_source")
            found.append(Choice(name, f"{_text(section.get('role_arn'))} via {_text(source)}"))
    found.sort(key=lambda choice: choice.name != "default")  # stable: the rest keep their order
    return found


def _text(value: Value | None) -> str:
    return value if isinstance(value, str) else "?"


def _host(url: Value | None) -> str:
    """A legacy profile's session: the host of its start URL (d-1234567890.awsapps.com)."""
    text = _text(url)
    return text.split("://", 1)[-1].split("/", 1)[0]


def rows(found: Sequence[Choice]) -> list[str]:
    """One line per choice, escapes visible, the names in a column."""
    names = [printable(choice.name) for choice in found]
    width = min(max(map(_width, names), default=0), 40)
    return [
        f"{name.ljust(width)}  {printable(c.detail)}" for name, c in zip(names, found, strict=True)
    ]


def pick(
    found: Sequence[Choice],
    tool: str,
    *,
    current: str | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> str | None:
    """The name of the profile a person picked; None when they cancelled.
    `tool`: Settings.picker ("auto", "fzf" or "builtin"). `current`: the shell's
    profile (SSOENV_PROFILE), where the cursor starts, so that Enter at once
    renews it; else on the first. OSError: no terminal to show it on."""
    fzf = which("fzf") if tool in ("auto", "fzf") else None
    if tool == "fzf" and fzf is None:
        raise UsageError(
            "SSOENV_PICKER is fzf, but fzf is not installed",
            hint="install fzf, set SSOENV_PICKER=builtin, or name the profile "
            "(`ssoenv use PROFILE`)",
        )
    start = next((i for i, choice in enumerate(found) if choice.name == current), 0)
    lines = rows(found)
    index = _with_fzf(fzf, lines, start) if fzf else _builtin(lines, start)
    return None if index is None else found[index].name


# --- fzf -----------------------------------------------------------------------------

# fzf's exit statuses: 1 is "no match" (Enter on an empty list), 130 is Esc or Ctrl-C.
_FZF_CANCELLED = (1, 130)


def _with_fzf(fzf: str, lines: Sequence[str], start: int = 0) -> int | None:
    """fzf reads the candidates on stdin, draws on /dev/tty and prints the chosen
    line on stdout. Each line starts with its index, hidden from view: the shown
    text (escapes made visible) need not be mapped back to a name."""
    import subprocess

    feed = "".join(f"{index}\t{line}\n" for index, line in enumerate(lines))
    # After FZF_DEFAULT_OPTS (fzf reads it first): a person's colours and keys
    # stay, but one line is chosen, and the index is never shown or matched.
    argv = [
        fzf,
        "--delimiter=\t",
        "--with-nth=2..",
        "--no-multi",
        "--height=40%",
        "--reverse",
        "--prompt=profile> ",
    ]
    if start and _fzf_version(fzf) >= FZF_POS:  # an older fzf refuses the binding
        argv.append(f"--bind=load:pos({start + 1})")
    done = subprocess.run(
        argv,
        input=feed,
        stdout=subprocess.PIPE,
        encoding="utf-8",
        errors="replace",
        check=False,
    )
    if done.returncode in _FZF_CANCELLED:
        return None
    index = done.stdout.split("\t", 1)[0]
    if done.returncode != 0 or not index.isdigit() or int(index) >= len(lines):
        raise UsageError(
            f"fzf failed (exit status {done.returncode})",
            hint="set SSOENV_PICKER=builtin, or name the profile: `ssoenv use PROFILE`",
        )
    return int(index)


# The first fzf with the `load` event and the `pos` action (0.36.0, December 2022).
FZF_POS = (0, 36)


def _fzf_version(fzf: str) -> tuple[int, ...]:
    """fzf's version (`0.38.0 (debian)`: (0, 38, 0)); (0,) when it does not say."""
    import subprocess

    try:
        said = subprocess.run(
            [fzf, "--version"], capture_output=True, text=True, check=False, timeout=5
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return (0,)
    numbers = said.split(" ", 1)[0].split(".")
    return tuple(int(n) for n in numbers) if all(n.isdigit() for n in numbers) else (0,)


# --- the built-in list: its state ----------------------------------------------------------

HEIGHT = 10  # lines of choices at most (fewer on a short terminal)
PROMPT = "profile> "


class Listing:
    """What the built-in list shows: the typed filter, the matching lines, the
    highlighted one. Every word of the filter must appear in a line, in any case."""

    def __init__(self, lines: Sequence[str], height: int, start: int = 0) -> None:
        self.lines = list(lines)
        self.lowered = [line.lower() for line in self.lines]
        self.height = max(1, height)
        self.query = ""
        self.matches = list(range(len(self.lines)))
        self.cursor = 0  # in matches
        self.top = 0  # the first match shown
        self._move(start)

    def press(self, key: str) -> int | bool | None:
        """Act on a key: the chosen line's index (Enter), None (cancel), or False
        (go on)."""
        if key in ("\r", "\n"):
            return self.matches[self.cursor] if self.matches else False
        if key in ("esc", "\x03", "\x07", "\x04", "eof"):  # Esc, Ctrl-C, Ctrl-G, Ctrl-D
            return None
        moves = {"up": -1, "\x10": -1, "down": 1, "\x0e": 1, "\t": 1, "pgup": -self.height}
        if key in moves or key == "pgdn":
            self._move(moves.get(key, self.height))
        elif key in ("\x7f", "\x08"):  # Backspace
            self._filter(self.query[:-1])
        elif key == "\x15":  # Ctrl-U
            self._filter("")
        elif key == "\x17":  # Ctrl-W: the last word
            kept, _, _ = self.query.rstrip().rpartition(" ")
            self._filter(kept + " " if kept else "")
        elif len(key) == 1 and key.isprintable():
            self._filter(self.query + key)
        return False

    def _move(self, step: int) -> None:
        if not self.matches:
            return
        self.cursor = min(max(self.cursor + step, 0), len(self.matches) - 1)
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + self.height:
            self.top = self.cursor - self.height + 1

    def _filter(self, query: str) -> None:
        self.query = query
        words = query.lower().split()
        self.matches = [i for i, line in enumerate(self.lowered) if all(w in line for w in words)]
        self.cursor = self.top = 0

    def frame(self, width: int) -> list[str]:
        """The lines to draw, each fitting in `width` cells, with the highlight as
        SGR sequences (the only control sequences in them)."""
        count = f"  {len(self.matches)}/{len(self.lines)}"
        query = _fit(printable(self.query), width - 1 - len(PROMPT) - len(count))
        shown = [PROMPT + query + count]
        for row in range(self.top, self.top + self.height):
            if row >= len(self.matches):
                shown.append("  (no profile matches)" if row == 0 else "")
                continue
            line = _fit(self.lines[self.matches[row]], width - 3)
            shown.append(f"\x1b[7m> {line}\x1b[27m" if row == self.cursor else f"  {line}")
        return shown

    def column(self) -> int:
        """Where the cursor goes on the first line: after the typed filter."""
        return len(PROMPT) + _width(printable(self.query))


def _width(text: str) -> int:
    """Terminal cells: 2 for wide (CJK) characters, 0 for combining marks."""
    if text.isascii():  # nearly every name, in one C call
        return len(text)
    return sum(_cells(ch) for ch in text)


def _cells(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _fit(text: str, width: int) -> str:
    """`text` cut to `width` terminal cells (an ellipsis says it was cut)."""
    if _width(text) <= width:
        return text
    kept, used = [], 0
    for ch in text:
        used += _cells(ch)
        if used > width - 1:
            break
        kept.append(ch)
    return "".join(kept) + "…" if width > 0 else ""


# --- the built-in list: keys -------------------------------------------------------------

_NAMED = {
    "\x1b[A": "up",
    "\x1bOA": "up",
    "\x1b[B": "down",
    "\x1bOB": "down",
    "\x1b[5~": "pgup",
    "\x1b[6~": "pgdn",
}


def split_keys(text: str) -> tuple[list[str], str]:
    """The keys in what a terminal sent, and an unfinished escape sequence left
    over (to complete with the next read, or to take as Esc when none comes).
    Arrow keys come as escape sequences (`ESC [ A`); sequences ssoenv does not
    use come out as one key that does nothing."""
    keys: list[str] = []
    at = 0
    while at < len(text):
        if text[at] != "\x1b":
            keys.append(text[at])
            at += 1
            continue
        end = _sequence_end(text, at)
        if end is None:
            return keys, text[at:]
        sequence = text[at:end]
        keys.append(_NAMED.get(sequence, "esc" if sequence == "\x1b\x1b" else sequence))
        at = end
    return keys, ""


def _sequence_end(text: str, at: int) -> int | None:
    """The end of the escape sequence at `at`; None while it is unfinished."""
    if at + 1 >= len(text):
        return None
    kind = text[at + 1]
    if kind == "[":  # CSI: parameters, then a final byte in @ to ~
        for end in range(at + 2, len(text)):
            if "@" <= text[end] <= "~":
                return end + 1
        return None
    if kind == "O":  # SS3: one more character
        return at + 3 if at + 2 < len(text) else None
    return at + 2  # ESC and a key: Alt-key; ESC ESC: Esc


# --- the built-in list: the terminal ---------------------------------------------------

# How long an ESC waits for the rest of a sequence before it counts as the Esc key
# (vim's ttimeoutlen is 100 ms): a terminal sends a sequence in one write.
ESC_WAIT = 0.05


def _builtin(lines: Sequence[str], start: int = 0) -> int | None:
    fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    try:
        with _RawTerminal(fd) as resized:
            return _run_list(fd, lines, start, resized)
    finally:
        os.close(fd)


class _Signalled(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _RawTerminal:
    """The terminal in raw mode (no echo, no line editing, Ctrl-C a key like any
    other) and as it was again on the way out, however that is taken. SIGTERM and
    SIGHUP restore it too, then end the process as they would have. Entered, it
    gives a file descriptor that becomes readable when the terminal is resized
    (SIGWINCH), so that the list is drawn again at once for the new width."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> int:
        import signal
        import termios
        import tty

        self.saved = termios.tcgetattr(self.fd)
        self.handlers = {}
        for signum in (signal.SIGTERM, signal.SIGHUP):
            self.handlers[signum] = signal.signal(signum, self._stop)
        # Python writes the number of each signal it handles to the wakeup fd; the
        # handler itself does nothing, the waiting loop redraws.
        self.wake, self.woken = os.pipe()
        os.set_blocking(self.woken, False)
        self.previous_wakeup = signal.set_wakeup_fd(self.woken)
        self.handlers[signal.SIGWINCH] = signal.signal(signal.SIGWINCH, _ignore)
        tty.setraw(self.fd, termios.TCSANOW)
        return self.wake

    @staticmethod
    def _stop(signum: int, frame: object) -> None:
        raise _Signalled(signum)

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        import signal
        import termios

        # The list's lines are cleared, the cursor shown, the modes put back
        # (a terminal already gone has nothing to put back).
        with contextlib.suppress(OSError):
            os.write(self.fd, b"\r\x1b[J\x1b[?25h")
        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)
        for signum, handler in self.handlers.items():
            signal.signal(signum, handler)
        signal.set_wakeup_fd(self.previous_wakeup)
        os.close(self.wake)
        os.close(self.woken)
        if isinstance(error, _Signalled):
            os.kill(os.getpid(), error.signum)  # as it would have ended with no list


def _ignore(signum: int, frame: object) -> None:
    """SIGWINCH's handler: the wakeup fd, not this, tells the list."""


def _run_list(fd: int, lines: Sequence[str], start: int, resized: int) -> int | None:
    size = _size(fd)
    listing = Listing(lines, min(HEIGHT, len(lines), size[1] - 2), start)
    # Room below the cursor for the list (the terminal scrolls if it must), so
    # each frame is drawn from the same line.
    os.write(fd, ("\r\n" * listing.height + f"\x1b[{listing.height}A").encode())
    for key in _keys(fd, lambda: _draw(fd, listing), resized):
        done = listing.press(key)
        if done is not False:
            return done if isinstance(done, int) else None
    return None


def _size(fd: int) -> tuple[int, int]:
    try:
        columns, lines = os.get_terminal_size(fd)
    except OSError:
        return 80, 24
    return (columns or 80), (lines or 24)


def _draw(fd: int, listing: Listing) -> None:
    """One frame, in one write: from the first line of the list, down, and back."""
    shown = listing.frame(_size(fd)[0])
    up = f"\x1b[{len(shown) - 1}A" if len(shown) > 1 else ""
    column = f"\x1b[{listing.column()}C" if listing.column() else ""
    frame = "\x1b[?25l\r" + "\r\n".join(f"{line}\x1b[K" for line in shown)
    os.write(fd, (frame + up + "\r" + column + "\x1b[?25h").encode("utf-8", "replace"))


def _keys(fd: int, draw: Callable[[], None], resized: int) -> Iterator[str]:
    """The keys typed, drawing a frame before each wait and whenever `resized`
    becomes readable; "eof" when the terminal is gone."""
    import codecs
    import select

    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending = ""
    while True:
        if not pending:
            draw()
            while resized in select.select([fd, resized], [], [])[0]:
                with contextlib.suppress(BlockingIOError):
                    os.read(resized, 512)  # the signals seen so far: one redraw
                draw()
        elif not select.select([fd], [], [], ESC_WAIT)[0]:
            yield "esc"  # a lone ESC: nothing followed it
            pending = pending[1:]
            keys, pending = split_keys(pending)
            yield from keys
            continue
        try:
            data = os.read(fd, 1024)
        except OSError:
            data = b""
        if not data:
            yield "eof"
            return
        keys, pending = split_keys(pending + decoder.decode(data))
        yield from keys
