"""`ssoenv populate`: one profile per account/role pair of an SSO session, in
sections marked as ssoenv's own. Names come from a template (ssoenv.profilenames)
and are made unique in a fixed order; hand-written sections are never touched. A pair
whose account id or role name no config line can hold verbatim is skipped and
reported; the others are still written. Planning works on a ConfigDocument;
write() saves through ssoenv.configwriter; run() is the command."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ssoenv import runtime as rt
from ssoenv.assignments import Account
from ssoenv.config import ConfigFile
from ssoenv.configdoc import ConfigDocument, check_value
from ssoenv.configwriter import EditResult, edit_config
from ssoenv.errors import ExitCode, UsageError
from ssoenv.model import SsoSession
from ssoenv.profilenames import DEFAULT_TEMPLATE, Pair, check_template, pairs_of, profile_name


def marker(session: str | SsoSession) -> str:
    """The comment, directly under the header, that makes a section populate's own:
    one per sso-session, or per start URL for a legacy profile's session."""
    if isinstance(session, str):
        return f"managed by ssoenv populate (sso-session {session})"
    if session.name is not None:
        return marker(session.name)
    return f"managed by ssoenv populate (sso_start_url {session.start_url})"


def _login_values(session: str | SsoSession) -> dict[str, str]:
    """How a generated profile names its session: `sso_session = NAME`, or for a
    legacy session (no [sso-session] section) its own start URL and region, as
    aws-sso-util and `aws configure sso` without a session write them."""
    if isinstance(session, str):
        return {"sso_session": session}
    if session.name is not None:
        return {"sso_session": session.name}
    return {"sso_start_url": session.start_url, "sso_region": session.region}


@dataclass
class Report:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # ours, not generated now, kept
    served: list[str] = field(default_factory=list)  # hand-written, already this pair
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (wanted, got)
    skipped: list[str] = field(default_factory=list)  # one line per pair not written


def unwritable(pair: Pair) -> str | None:
    """Why this pair cannot get a profile, or None. The profile must hold the
    account id and role name verbatim (they are what the portal is asked for):
    each must be one printable line without blanks at either end. Real ones
    always are; anything else comes from a broken or hostile server."""
    for key, value in (("sso_account_id", pair.account.account_id), ("sso_role_name", pair.role)):
        if not value:
            problem = "is empty"
        elif not value.isprintable():
            problem = "has control or invisible characters"
        elif value != value.strip():
            problem = "starts or ends with blanks"
        else:
            try:
                check_value(key, value)
            except UsageError:
                problem = "cannot be written to a config file"
            else:
                continue
        what = "account id" if key == "sso_account_id" else "role name"
        return (
            f"not written: role '{pair.role}' of account '{pair.account.account_id}' "
            f"({pair.account.name}): its {what} {problem}"
        )
    return None


def owned_names(doc: ConfigDocument, session: str | SsoSession) -> set[str]:
    mark = f"# {marker(session)}"
    return {s.key[1] for s in doc.all_of("profile") if s.key and s.first_body_line() == mark}


def assign_names(
    pairs: list[Pair],
    template: str,
    session: str | SsoSession,
    cfg: ConfigFile,
    owned: set[str],
    report: Report,
) -> dict[str, Pair]:
    """name -> pair, in account id and role order; a taken name gets -2, -3, ..."""
    handwritten = {name: section for name, section in cfg.profiles.items() if name not in owned}
    names: dict[str, Pair] = {}
    label = session if isinstance(session, str) else session.name or ""
    for pair in pairs:
        wanted = profile_name(template, pair, label)
        if _serves(handwritten.get(wanted), pair, session):
            report.served.append(wanted)
            continue
        name, n = wanted, 1
        while name in names or name in handwritten:
            n += 1
            name = f"{wanted}-{n}"
        if wanted in handwritten:
            report.renamed.append((wanted, name))
        names[name] = pair
    return names


def _serves(section: Mapping[str, object] | None, pair: Pair, session: str | SsoSession) -> bool:
    """A hand-written profile already pointing at this very role of this session."""
    if section is None:
        return False
    role = (section.get("sso_account_id"), section.get("sso_role_name"))
    if role != (pair.account.account_id, pair.role):
        return False
    return all(section.get(key) == value for key, value in _login_values(session).items())


def apply(
    cfg: ConfigFile,
    doc: ConfigDocument,
    accounts: Iterable[Account],
    *,
    session: str | SsoSession,
    template: str = DEFAULT_TEMPLATE,
    region: str | None = None,
    prune: bool = False,
) -> Report:
    """Write (in `doc`) a marked profile for every pair; prune marked ones no longer made.
    `session`: an sso-session's name or the session itself (a legacy one too)."""
    report = Report()
    owned = owned_names(doc, session)
    pairs = []
    for pair in pairs_of(accounts):
        problem = unwritable(pair)
        if problem is None:
            pairs.append(pair)
        else:
            report.skipped.append(problem)
    names = assign_names(pairs, template, session, cfg, owned, report)
    for name, pair in names.items():
        values = {
            **_login_values(session),
            "sso_account_id": pair.account.account_id,
            "sso_role_name": pair.role,
        }
        if region:
            values["region"] = region
        existed = name in owned
        changed = doc.set_values("profile", name, values, comment=marker(session))
        bucket = report.added if not existed else report.updated if changed else report.unchanged
        bucket.append(name)
    for name in sorted(owned - set(names)):
        if prune:
            doc.remove_section("profile", name)
            report.pruned.append(name)
        else:
            report.stale.append(name)
    return report


def write(
    path: Path,
    lock: Path,
    accounts: list[Account],
    *,
    session: str | SsoSession,
    template: str,
    region: str | None,
    prune: bool,
    dry_run: bool,
) -> tuple[Report, EditResult]:
    """Plan against the file as it is under the lock, then save (or only diff)."""
    reports: list[Report] = []

    def change(cfg: ConfigFile, doc: ConfigDocument) -> None:
        reports.append(
            apply(
                cfg, doc, accounts, session=session, template=template, region=region, prune=prune
            )
        )

    result = edit_config(path, lock, change, dry_run=dry_run)
    return reports[0], result


def summary(report: Report, *, dry_run: bool) -> list[str]:
    """Lines for stderr: the counts, then what needs a person's eye."""
    total = len(report.added) + len(report.updated) + len(report.unchanged)
    lines = [
        f"{'dry run, nothing written: ' if dry_run else ''}{total} generated profile(s): "
        f"{len(report.added)} new, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged; {len(report.pruned)} pruned"
    ]
    if report.stale:
        lines.append(
            f"{len(report.stale)} profile(s) made by an earlier populate are no longer "
            f"generated ({_some(report.stale)}); --prune removes them"
        )
    for wanted, got in report.renamed[:5]:
        lines.append(f"[profile {wanted}] is hand-written: the generated one is named {got!r}")
    if len(report.renamed) > 5:
        lines.append(f"... and {len(report.renamed) - 5} more renamed the same way")
    if report.served:
        lines.append(f"{len(report.served)} pair(s) already served by hand-written profiles")
    # Every one, not a sample: each is a role the user will not find in the config.
    lines.extend(report.skipped)
    return lines


def _some(names: list[str], limit: int = 3) -> str:
    return ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")


def run(
    sso_session: str | None,
    *,
    profile: str | None = None,
    template: str,
    region: str | None,
    prune: bool,
    dry_run: bool,
    no_browser: bool,
) -> int:
    """Write (or, with dry_run, diff) the profiles; ExitCode.PARTIAL when some
    account/role pair could not get one (each named on stderr)."""
    from ssoenv.prompter import check_region

    check_template(template)
    if region is not None:
        check_region(region)
    session, found = rt.assignments(sso_session, no_browser, profile=profile)
    report, result = write(
        rt.load_config().path,
        rt.config_lock(),
        found,
        session=session,
        template=template,
        region=region,
        prune=prune,
        dry_run=dry_run,
    )
    if dry_run:
        sys.stdout.write(result.diff)
    for line in summary(report, dry_run=dry_run):
        rt.say(line)
    if not dry_run:
        rt.report_write(result)
    if report.skipped:
        rt.say(f"populate partly done: {len(report.skipped)} pair(s) not written, named above")
        return ExitCode.PARTIAL
    return ExitCode.OK
