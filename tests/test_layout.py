"""README's layout section lists every module of the package, once, with one
line saying what it is for; a module added, moved or removed must be listed
there too, so the map a newcomer reads is the tree."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def listed() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^- `(ssoenv/[^`]+\.py)`: \S", section, flags=re.MULTILINE)


def test_the_readme_lists_every_module_once_with_what_it_is_for() -> None:
    modules = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "ssoenv").rglob("*.py"))
    names = listed()
    assert len(names) == len(set(names)), "a module is listed twice"
    assert sorted(names) == modules
