"""Finds the shell scripts and completion files shipped with ssoenv: inside the
package in a wheel (`ssoenv/_data/`, see pyproject.toml), or in the top-level
`shell/` and `completions/` folders of a source checkout (editable install)."""

from __future__ import annotations

from pathlib import Path

from ssoenv.errors import SsoenvError

_PACKAGE = Path(__file__).resolve().parent


def data_file(folder: str, name: str) -> Path:
    """`folder` is "shell" or "completions"."""
    for base in (_PACKAGE / "_data" / folder, _PACKAGE.parent / folder):
        candidate = base / name
        if candidate.is_file():
            return candidate
    raise SsoenvError(
        f"ssoenv's file {folder}/{name} is missing from this installation",
        hint="reinstall ssoenv (pipx reinstall ssoenv)",
    )


def read(folder: str, name: str) -> str:
    return data_file(folder, name).read_text(encoding="utf-8")
