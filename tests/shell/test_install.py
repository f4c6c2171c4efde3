"""`ssoenv init` finds shell/ and completions/ both in an editable install (the
source tree) and in a wheel (copies inside the package, ssoenv/_data)."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.shell.conftest import ROOT, SSOENV
from tests.shell.test_init import INIT_SHELLS, expected_init

pytestmark = pytest.mark.shell


def init(program: Path, shell: str) -> str:
    result = subprocess.run(
        [str(program), "init", shell], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout


def test_init_after_the_editable_install() -> None:
    """This checkout's own venv has ssoenv installed in editable mode."""
    for shell in INIT_SHELLS:
        assert init(SSOENV, shell) == expected_init(shell, str(SSOENV))


def test_init_after_a_wheel_install(tmp_path: Path) -> None:
    pytest.importorskip("build")
    wheels = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(wheels), str(ROOT)],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    (wheel,) = wheels.glob("ssoenv-*.whl")
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        check=True, timeout=120,
    )  # fmt: skip
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install",
         "--quiet", "--no-deps", "--no-index", str(wheel)],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    # The dependencies (typer, requests...) come from this venv, after the
    # wheel's own site-packages, so `import ssoenv` finds the wheel, not the checkout.
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    (site / "zz_test_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    found = "import ssoenv.resources as r; print(r.data_file('shell', 'common.sh'))"
    where = subprocess.run(
        [str(python), "-c", found],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    ).stdout.strip()  # fmt: skip
    assert Path(where).is_relative_to(site / "ssoenv" / "_data")
    program = venv / "bin" / "ssoenv"
    for shell in INIT_SHELLS:
        assert init(program, shell) == expected_init(shell, str(program))
