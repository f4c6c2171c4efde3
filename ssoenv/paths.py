"""Where ssoenv and the AWS CLI keep things on disk. Only this module knows the
layout; the folders the environment chooses (home, ssoenv's cache, the runtime
and temporary folders) come resolved, with their defaults, from ssoenv.settings."""

from __future__ import annotations

import os
from pathlib import Path

TYPE_CHECKING = False  # True for type checkers: at run time, nothing from ssoenv
if TYPE_CHECKING:
    from ssoenv.settings import Settings


def home(settings: Settings) -> Path:
    # botocore expands "~" through os.path.expanduser, i.e. $HOME first.
    found = settings.home_dir
    if found is None:
        raise RuntimeError("Could not determine home directory.")  # as Path.home()
    return found


def aws_sso_cache_dir(settings: Settings) -> Path:
    """The token cache shared with the AWS CLI v2 and botocore (hard-coded there)."""
    return home(settings) / ".aws" / "sso" / "cache"


def aws_cli_cache_dir(settings: Settings) -> Path:
    """The AWS CLI v2's role-credential cache (`aws sso logout` clears its SSO entries)."""
    return home(settings) / ".aws" / "cli" / "cache"


def ssoenv_cache_dir(settings: Settings) -> Path:
    """ssoenv's own cache: role credentials and lock files."""
    return settings.cache_dir


def credentials_dir(settings: Settings) -> Path:
    return ssoenv_cache_dir(settings) / "credentials"


def config_index_dir(settings: Settings) -> Path:
    """The parsed copies of config files (ssoenv.configindex)."""
    return ssoenv_cache_dir(settings) / "config-index"


def locks_dir(settings: Settings) -> Path:
    return ssoenv_cache_dir(settings) / "locks"


def shared_marker_dir(settings: Settings) -> Path:
    """Where the shells' marker files go by preference: `$XDG_RUNTIME_DIR/ssoenv`
    (a per-user tmpfs on systemd machines), else `${TMPDIR:-/tmp}/ssoenv-UID`.
    Both may be reachable by others (a `/tmp` name anyone can create first, an
    XDG_RUNTIME_DIR carried over by `su`): the caller verifies the folder."""
    runtime = settings.runtime_dir
    if runtime is not None:
        return runtime / "ssoenv"
    return settings.temp_dir / f"ssoenv-{os.getuid()}"


def private_marker_dir(settings: Settings) -> Path:
    """The fallback for markers when the shared folder cannot be trusted."""
    return ssoenv_cache_dir(settings) / "markers"
