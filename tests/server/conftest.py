"""Server tests may run the real server too: the e2e helpers are importable from here."""

from __future__ import annotations

import sys
from pathlib import Path

E2E = str(Path(__file__).resolve().parents[1] / "e2e")
if E2E not in sys.path:
    sys.path.insert(0, E2E)
