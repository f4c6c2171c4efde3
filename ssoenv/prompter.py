"""Questions for `ssoenv configure`: asked on stderr, answered on stdin (so stdout
stays clean for data), re-asked after a bad answer; without a terminal, the
default or a usage error naming the flag that would have answered."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from ssoenv.endpoints import valid_region
from ssoenv.errors import Interrupted, UsageError
from ssoenv.text import printable

NONE_WORDS = ("none", "-")
OUTPUT_FORMATS = ("json", "yaml", "yaml-stream", "text", "table", "off")
_ACCOUNT_RE = re.compile(r"\d{12}")


class Prompter:
    """Questions on stderr, answers from stdin: stdout stays clean for data.

    Defaults come from the config file and menu labels from the portal: every
    piece written goes through `printable`, so their escapes are shown, not obeyed."""

    def __init__(
        self, read_line: Callable[[], str], write: Callable[[str], None], *, interactive: bool
    ) -> None:
        self.read_line, self.write, self.interactive = read_line, write, interactive

    def ask(
        self,
        question: str,
        flag: str,
        default: str | None,
        check: Callable[[str], None],
        *,
        optional: bool = False,
    ) -> str | None:
        """The answer; with `optional`, None for "none". Re-asks after a bad answer."""
        while True:
            answer = self._answer(question, flag, default, optional)
            if answer is None or (optional and answer.lower() in NONE_WORDS):
                return None
            try:
                check(answer)
                return answer
            except UsageError as error:
                if not self.interactive:
                    raise
                self.write(f"ssoenv: {printable(error.message)}\n")

    def _answer(self, question: str, flag: str, default: str | None, optional: bool) -> str | None:
        if not self.interactive:
            if default is None and not optional:
                raise UsageError(f"{flag} is required (no terminal to ask)")
            return default
        shown = f" [{default}]" if default else " [none]" if optional else ""
        while True:  # an empty answer to a question without a default asks again
            self.write(f"{printable(question + shown)}: ")
            line = self.read_line()
            if not line:
                raise Interrupted("no answer (end of input); nothing was changed")
            answer = line.strip() or default
            if answer is not None or optional:
                return answer

    def confirm(self, question: str) -> bool:
        """A yes/no question whose default is no: only "y" or "yes" says yes."""
        if not self.interactive:
            return False  # nobody to say yes: callers refuse before asking
        self.write(f"{printable(question)} [y/N]: ")
        line = self.read_line()
        if not line:
            raise Interrupted("no answer (end of input); nothing was changed")
        return line.strip().lower() in ("y", "yes")

    def choose(self, what: str, flag: str, options: list[tuple[str, str]]) -> str:
        """One of `options` (key, label): the only one, or picked by number or key."""
        if len(options) == 1:
            self.write(f"ssoenv: {printable(f'using the only {what}: {options[0][1]}')}\n")
            return options[0][0]
        if not self.interactive:
            some = ", ".join(key for key, _ in options[:5]) + (", ..." if len(options) > 5 else "")
            raise UsageError(f"{flag} is required: there are {len(options)} ({some})")
        for number, (_, label) in enumerate(options, start=1):
            self.write(f"  {number:>4}) {printable(label)}\n")
        keys = [key for key, _ in options]

        def valid(answer: str) -> None:
            if answer not in keys and not (answer.isdigit() and 1 <= int(answer) <= len(keys)):
                raise UsageError(f"answer a number from 1 to {len(keys)}, or the {what} itself")

        answer = self.ask(f"Which {what}? (number or {what})", flag, None, valid) or ""
        return answer if answer in keys else keys[int(answer) - 1]


def required(
    p: Prompter,
    given: str | None,
    question: str,
    flag: str,
    default: str | None,
    check: Callable[[str], None],
) -> str:
    """The flag's value (checked), else the answer to `question`."""
    answer = given if given is not None else p.ask(question, flag, default, check)
    if answer is None:
        raise UsageError(f"{flag} is required")
    check(answer)
    return answer


def optional(
    p: Prompter,
    given: str | None,
    question: str,
    flag: str,
    default: str | None,
    check: Callable[[str], None],
) -> str | None:
    """Like required(), but "none" (or an empty default) means no value."""
    if given is None:
        return p.ask(question, flag, default, check, optional=True)
    if given.lower() in NONE_WORDS:
        return None
    check(given)
    return given


# --- checks ---------------------------------------------------------------------------


def check_plain(value: str) -> None:
    """One line, no control characters, no blanks around: nothing a config line could hide."""
    if not value or value != value.strip() or any(c < " " or c == "\x7f" for c in value):
        raise UsageError(f"{value!r} is not a plain one-line value")


def check_start_url(url: str) -> None:
    check_plain(url)
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise UsageError(
            f"start URL {url!r} is not a URL like https://d-1234567890.awsapps.com/start"
        )


def check_region(region: str) -> None:
    check_plain(region)
    if not region or not valid_region(region):
        raise UsageError(f"{region!r} is not a region name like us-east-1")


def check_scopes(scopes: str) -> None:
    check_plain(scopes)
    if not [s for s in scopes.split(",") if s.strip()]:
        raise UsageError("give at least one scope, e.g. sso:account:access")


def check_account(account_id: str) -> None:
    check_plain(account_id)
    if not _ACCOUNT_RE.fullmatch(account_id):
        raise UsageError(f"account id {account_id!r} is not 12 digits")


def check_output(output: str) -> None:
    check_plain(output)
    if output not in OUTPUT_FORMATS:
        raise UsageError(f"output {output!r} is not one of {', '.join(OUTPUT_FORMATS)}")
