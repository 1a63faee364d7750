"""The embeddable widget stays small: a classic script within 150 KB gzipped, with the
call UI and rrweb left to modules it imports only when a session needs them."""

from __future__ import annotations

import gzip
import json

from web.widget_assets import DIST_DIR

BUDGET_GZIP_BYTES = 150 * 1024
# The classic script itself: 16 KB before proactive invitations, which may add 4 KB.
CORE_GZIP_BYTES = 20 * 1024


def test_widget_bundle_is_within_budget_and_lazy_loads_the_heavy_parts() -> None:
    widget = (DIST_DIR / "widget.js").read_bytes()
    assert len(gzip.compress(widget, 9)) <= BUDGET_GZIP_BYTES
    assert len(gzip.compress(widget, 9)) <= CORE_GZIP_BYTES
    meta = json.loads((DIST_DIR / "meta.json").read_text())
    inputs = meta["outputs"]["static/dist/widget.js"]["inputs"]
    assert not [path for path in inputs if "rrweb" in path]
    assert not [path for path in inputs if path.startswith("src/call/")]
    assert not [path for path in inputs if "socket.io" in path]
    assert b"call-slot" in widget  # imported on demand, by URL
