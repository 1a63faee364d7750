"""SqliteStore: the embedded store for one node (a file under the data dir, WAL mode)."""

from __future__ import annotations

from store.sqlite.audit import SqliteAudit
from store.sqlite.callbacks import SqliteCallbacks
from store.sqlite.chat import SqliteChat
from store.sqlite.cobrowse import SqliteCobrowse
from store.sqlite.conversion import SqliteConversion
from store.sqlite.core import SqliteCore
from store.sqlite.engagement import SqliteEngagement
from store.sqlite.escalations import SqliteEscalations
from store.sqlite.privacy import SqlitePrivacy
from store.sqlite.retention import SqliteRetention
from store.sqlite.settings import SqliteSettings
from store.sqlite.subjects import SqliteSubjects
from store.sqlite.webhooks import SqliteWebhooks


class SqliteStore(
    SqliteCore,
    SqliteChat,
    SqliteAudit,
    SqliteSettings,
    SqliteCallbacks,
    SqliteEscalations,
    SqliteEngagement,
    SqliteConversion,
    SqliteWebhooks,
    SqliteCobrowse,
    SqlitePrivacy,
    SqliteSubjects,
    SqliteRetention,
):
    """Every part of the store on one SQLite file; domain parts are added as bases."""


__all__ = ["SqliteStore"]
