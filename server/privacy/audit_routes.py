"""``GET /api/admin/audit.csv``: the audit log (admin changes and accesses to customer
data) as CSV, with the filters of ``GET /api/admin/audit``; cells a spreadsheet would
run as formulas are neutralised. The export is itself audited (``audit.exported``)."""

from __future__ import annotations

from aiohttp import web
from pydantic import Field

from server.platform.access_audit import AuditQuery, audit_csv, record_access
from server.platform.auth.request import require_agent
from server.platform.keys import STORE
from server.platform.openapi import api
from server.platform.validation import parse_model


class AuditExportQuery(AuditQuery):
    limit: int = Field(default=10_000, ge=1, le=10_000)


@api(
    summary="The audit log as CSV (formula cells neutralised), with the same filters",
    tag="admin",
    auth=("admin",),
    query=AuditExportQuery,
    content_type="text/csv",
)
async def audit_export(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    query = parse_model(AuditExportQuery, dict(request.query), strict=False)
    events = await request.app[STORE].query_audit(admin.tenant_id, query.as_filter())
    filters = query.model_dump(mode="json", by_alias=True, exclude_none=True)
    await record_access(request.app, admin, "audit.exported", "audit", "*", filters)
    return web.Response(
        text=audit_csv(events),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="coview-audit.csv"',
            "Cache-Control": "no-store",
        },
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/api/admin/audit.csv", audit_export)
