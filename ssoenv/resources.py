"""Finds the shell scripts and completion files shipped with ssoenv: inside the
package in a wheel (`ssoenv/_data/`, see pyproject.toml), or in the top-level
`shell/` and `completions/` folders of a source checkout (editable install).

On the path of `ssoenv init`, paid by every new shell: os.path, not pathlib
(whose import alone costs more than the rest of this module)."""

from __future__ import annotations

import os

from ssoenv.errors import SsoenvError

_PACKAGE = os.path.dirname(os.path.realpath(__file__))


def data_file(folder: str, name: str) -> str:
    """`folder` is "shell" or "completions"."""
    for base in (os.path.join(_PACKAGE, "_data", folder), os.path.join(_PACKAGE, "..", folder)):
        candidate = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(candidate):
            return candidate
    raise SsoenvError(
        f"ssoenv's file {folder}/{name} is missing from this installation",
        hint="reinstall ssoenv (pipx reinstall ssoenv)",
    )


def read(folder: str, name: str) -> str:
    with open(data_file(folder, name), encoding="utf-8") as handle:
        return handle.read()
