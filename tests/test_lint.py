"""The code base stays lint-clean and formatted (ruff, configured in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed (pip install -e '.[test]')")
@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff_reports_nothing(command: list[str]) -> None:
    result = subprocess.run(
        [RUFF, *command, "src", "tests", "bench", "tools", "examples"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_no_type_errors_in_src() -> None:
    # mypy is in the test extra; configured in pyproject.toml ([tool.mypy]). Without it the
    # import fails loudly: CI must type-check (issue 10 §3).
    from mypy import api

    stdout, stderr, status = api.run(
        ["--no-error-summary", "--config-file", str(ROOT / "pyproject.toml"), str(ROOT / "src")]
    )
    assert status == 0, stdout + stderr
