"""What the security tests share: the credentials an outsider has."""

from __future__ import annotations

from typing import Any

from tests.support.harness import RunningServer


def site_headers(server: RunningServer) -> dict[str, str]:
    """The public site key, sent from the site's own origin, as the widget does."""
    return {"X-Coview-Site-Key": server.config.demo_site_key, "Origin": server.url}


def record_dialogs(page: Any) -> list[str]:
    """Every alert/confirm/prompt the page opens (each is dismissed): must stay empty."""
    opened: list[str] = []

    async def dismiss(dialog: Any) -> None:
        opened.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    return opened
