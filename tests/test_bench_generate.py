"""The benchmarks' site generator still writes what the engine writes.

bench/generate.py makes a small part of the site through the engine and bulk-loads the rest; it
refuses to go on when its own rows or event rows differ from the engine's (a rule the engine
gained, such as Task durations from dates). Running it small keeps that check from rotting
between benchmark runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_the_generator_reproduces_the_engines_rows_and_events(tmp_path: Path) -> None:
    database = tmp_path / "generated.sqlite3"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "generate.py"),
            "--database",
            str(database),
            "--scale",
            "0.002",
        ],
        capture_output=True,
        text=True,
        cwd=BENCH,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "out of date" not in done.stdout + done.stderr
    assert "bulk-loaded" in done.stdout
