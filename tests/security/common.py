"""What the security tests share: the credentials an outsider has."""

from __future__ import annotations

from tests.harness import RunningServer


def site_headers(server: RunningServer) -> dict[str, str]:
    """The public site key, sent from the site's own origin, as the widget does."""
    return {"X-Coview-Site-Key": server.config.demo_site_key, "Origin": server.url}
