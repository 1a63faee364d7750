"""Where things are, for tests in any folder of tests/."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO / "tests" / "artifacts"  # screenshots (ignored by git)
