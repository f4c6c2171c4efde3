"""Where ssoenv and the AWS CLI keep things on disk. Only this module knows the
locations; it imports nothing from ssoenv."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from xdg_base_dirs import xdg_cache_home


def home(environ: Mapping[str, str]) -> Path:
    # botocore expands "~" through os.path.expanduser, i.e. $HOME first.
    value = environ.get("HOME")
    return Path(value) if value else Path.home()


def aws_sso_cache_dir(environ: Mapping[str, str]) -> Path:
    """The token cache shared with the AWS CLI v2 and botocore (hard-coded there)."""
    return home(environ) / ".aws" / "sso" / "cache"


def aws_cli_cache_dir(environ: Mapping[str, str]) -> Path:
    """The AWS CLI v2's role-credential cache (`aws sso logout` clears its SSO entries)."""
    return home(environ) / ".aws" / "cli" / "cache"


def ssoenv_cache_dir(environ: Mapping[str, str]) -> Path:
    """ssoenv's own cache: role credentials and lock files."""
    override = environ.get("SSOENV_CACHE_DIR")
    if override:
        return Path(override)
    # xdg-base-dirs reads the process environment; tests set XDG_CACHE_HOME there.
    return xdg_cache_home() / "ssoenv"


def credentials_dir(environ: Mapping[str, str]) -> Path:
    return ssoenv_cache_dir(environ) / "credentials"


def config_index_dir(environ: Mapping[str, str]) -> Path:
    """The parsed copies of config files (ssoenv.configindex)."""
    return ssoenv_cache_dir(environ) / "config-index"


def locks_dir(environ: Mapping[str, str]) -> Path:
    return ssoenv_cache_dir(environ) / "locks"


def shared_marker_dir(environ: Mapping[str, str]) -> Path:
    """Where the shells' marker files go by preference: `$XDG_RUNTIME_DIR/ssoenv`
    (a per-user tmpfs on systemd machines), else `${TMPDIR:-/tmp}/ssoenv-UID`.
    Both may be reachable by others (a `/tmp` name anyone can create first, an
    XDG_RUNTIME_DIR carried over by `su`): the caller verifies the folder."""
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if os.path.isabs(runtime):
        return Path(runtime) / "ssoenv"
    temp = environ.get("TMPDIR", "")
    base = Path(temp) if os.path.isabs(temp) else Path("/tmp")  # noqa: S108 (verified before use)
    return base / f"ssoenv-{os.getuid()}"


def private_marker_dir(environ: Mapping[str, str]) -> Path:
    """The fallback for markers when the shared folder cannot be trusted."""
    return ssoenv_cache_dir(environ) / "markers"
