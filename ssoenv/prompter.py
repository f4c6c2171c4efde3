"""Questions for `ssoenv configure`: asked on stderr, answered on stdin (so stdout
stays clean for data), re-asked after a bad answer; without a terminal, the
default or a usage error naming the flag that would have answered.

A menu accepts what it shows: the number, the key (account id, role name), or
the name (account name), the last two in any case; a long menu (hundreds of
accounts) is narrowed by typing part of an entry, as `aws configure sso` does."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from ssoenv.endpoints import _PARTITIONS, valid_region
from ssoenv.errors import Interrupted, UsageError
from ssoenv.text import printable

NONE_WORDS = ("none", "-")
OUTPUT_FORMATS = ("json", "yaml", "yaml-stream", "text", "table", "off")
_ACCOUNT_RE = re.compile(r"\d{12}")
# From this many entries on, a menu no longer fits on a screen: text that is not
# an entry narrows it to the entries containing that text.
LONG_MENU = 20

Option = tuple[str, str, str]  # (key returned, label shown, name also accepted)


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
        explain: str | None = None,
    ) -> str | None:
        """The answer; with `optional`, None for "none". Re-asks after a bad answer,
        and after an empty one when there is no default, saying `explain` (or that an
        answer is needed) so the question is not repeated without a word."""
        while True:
            answer = self._answer(question, flag, default, optional, explain)
            if answer is None or (optional and answer.lower() in NONE_WORDS):
                return None
            try:
                check(answer)
                return answer
            except UsageError as error:
                if not self.interactive:
                    raise
                self.say(error.message + (f"; {error.hint}" if error.hint else ""))

    def say(self, message: str) -> None:
        self.write(f"ssoenv: {printable(message)}\n")

    def _answer(
        self,
        question: str,
        flag: str,
        default: str | None,
        optional: bool,
        explain: str | None = None,
    ) -> str | None:
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
            self.say(explain or f"an answer is needed here (or pass {flag})")

    def confirm(self, question: str) -> bool:
        """A yes/no question whose default is no: only "y" or "yes" says yes."""
        if not self.interactive:
            return False  # nobody to say yes: callers refuse before asking
        self.write(f"{printable(question)} [y/N]: ")
        line = self.read_line()
        if not line:
            raise Interrupted("no answer (end of input); nothing was changed")
        return line.strip().lower() in ("y", "yes")

    def choose(self, what: str, flag: str, options: list[Option]) -> str:
        """The key of one of `options`: the only one, or the one the answer names."""
        if len(options) == 1:
            self.say(f"using the only {what}: {options[0][1]}")
            return options[0][0]
        if not self.interactive:
            some = ", ".join(key for key, _, _ in options[:5]) + (
                ", ..." if len(options) > 5 else ""
            )
            raise UsageError(f"{flag} is required: there are {len(options)} ({some})")
        self._menu(options, range(len(options)))
        long = len(options) > LONG_MENU
        question = f"Which {what}? (number or {what}" + (", or text to filter)" if long else ")")
        how = f"answer a number from 1 to {len(options)}, or the {what} itself" + (
            ", or part of its name" if long else ""
        )
        default = None  # the single entry a filter left
        while True:
            answer = self._answer(question, flag, default, False, how) or ""
            chosen, candidates = pick(options, answer, filter_text=long)
            if chosen is not None:
                return options[chosen][0]
            default = options[candidates[0]][0] if len(candidates) == 1 else None
            if not candidates:
                self.say(how)
                continue
            pick_one = "press Enter for it" if default else "answer with its number"
            self.say(f"{len(candidates)} {what}(s) match {answer!r}: {pick_one}")
            self._menu(options, candidates)

    def _menu(self, options: list[Option], indexes: range | list[int]) -> None:
        """The entries, numbered as in the whole menu (a number keeps its meaning)."""
        for i in indexes:
            self.write(f"  {i + 1:>4}) {printable(options[i][1])}\n")


def pick(options: list[Option], answer: str, *, filter_text: bool) -> tuple[int | None, list[int]]:
    """(the index the answer names, []) or (None, the entries to show again).

    In order: a menu number; a key, then a name, as written; a key or name in any case (when
    several entries share it, those are shown); with `filter_text`, the entries
    whose label contains the answer in any case. A number comes first because the
    number is what the menu shows next to each entry."""
    if answer.isascii() and answer.isdigit() and 1 <= int(answer) <= len(options):
        return int(answer) - 1, []
    for exact in (
        [i for i, (key, _, _) in enumerate(options) if answer == key],
        [i for i, (_, _, name) in enumerate(options) if answer == name],
    ):
        if len(exact) == 1:
            return exact[0], []
    folded = answer.casefold()
    named = [
        i
        for i, (key, _, name) in enumerate(options)
        if folded == key.casefold() or (name and folded == name.casefold())
    ]
    if len(named) == 1:
        return named[0], []
    if named or not filter_text or not folded:
        return None, named
    return None, [i for i, (_, label, _) in enumerate(options) if folded in label.casefold()]


def required(
    p: Prompter,
    given: str | None,
    question: str,
    flag: str,
    default: str | None,
    check: Callable[[str], None],
    explain: str | None = None,
) -> str:
    """The flag's value (checked), else the answer to `question` (`explain` is said
    after an empty answer when there is no default)."""
    answer = given if given is not None else p.ask(question, flag, default, check, explain=explain)
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


def check_sso_region(region: str) -> None:
    """An IAM Identity Center region: besides being a valid name, it must follow the
    pattern of a partition botocore knows (us-east-1, cn-north-1, us-gov-west-1, ...).
    A typo such as us-east1 would pass botocore's name rule, be written, and fail
    only at the login with a host that does not exist."""
    check_region(region)
    if not any(re.match(p.region_regex, region) for p in _PARTITIONS):
        raise UsageError(
            f"SSO region {region!r} is not an AWS region like us-east-1",
            hint="use the region of your IAM Identity Center instance (in its settings page)",
        )


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
