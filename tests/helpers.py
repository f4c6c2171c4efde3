"""Running the real `ssoenv` program as a subprocess, as a user's shell would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

SSOENV = str(Path(sys.executable).parent / "ssoenv")


def run(
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
    **kwargs: object,
) -> subprocess.CompletedProcess[str]:
    """`ssoenv ARGS` with the test's environment (plus `env`), no terminal attached."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [SSOENV, *args],
        env=full_env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )


def eval_in_bash(
    code: str, script: str = 'env | grep -E "^(AWS_|SSOENV_|__SSOENV_)" | sort'
) -> str:
    """Evaluate `code` in a real bash and run `script` after it."""
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-euc", f'eval "$1"\n{script}', "bash", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ},
    )
    return result.stdout
