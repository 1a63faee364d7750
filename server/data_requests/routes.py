"""HTTP for data subject requests (admins of the organisation only):

- ``POST /api/admin/data-requests/search`` ``{customer_id?, email?, name?}`` →
  ``{subject, counts, truncated, items: [{kind, id, session_id, at, label, file}]}``;
- ``POST /api/admin/data-requests/export`` (same body) → ``application/zip``, streamed:
  every item found, as JSON, and the media files decrypted (``file`` is its path);
- ``POST /api/admin/data-requests/erase`` (same body and ``confirm: true``) →
  ``{subject, erased: {kind: {count, ids}}}``; 409 while an escalation is still live.

The subject travels in the body, not the URL, so e-mails and names stay out of access
logs. Each request is written to the access audit (``privacy.searched``,
``privacy.exported``, ``privacy.erased``) with who asked, about whom, and the counts.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.data_requests.erase import erase
from server.data_requests.export import stream_export
from server.data_requests.subjects import EraseBody, SubjectQuery, find, search_view
from server.platform.access_audit import record_access
from server.platform.auth.principals import AgentPrincipal
from server.platform.auth.request import require_agent
from server.platform.jsonio import json_response
from server.platform.validation import read_json


def subject_label(query: SubjectQuery) -> str:
    return ", ".join(f"{kind}={value}" for kind, value in query.pairs())


async def _audit(
    request: web.Request, admin: AgentPrincipal, action: str, query: SubjectQuery, details: Any
) -> None:
    subject = query.model_dump(mode="json", include={"customer_id", "email", "name"})
    await record_access(
        request.app,
        admin,
        f"privacy.{action}",
        "subject",
        subject_label(query),
        {"subject": {k: v for k, v in subject.items() if v is not None}, **details},
    )


async def search(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    query = await read_json(request, SubjectQuery)
    finding = await find(request.app, admin.tenant_id, query)
    await _audit(request, admin, "searched", query, {"counts": finding.counts()})
    return json_response(search_view(finding))


async def export(request: web.Request) -> web.StreamResponse:
    admin = await require_agent(request, "admin")
    query = await read_json(request, SubjectQuery)
    finding = await find(request.app, admin.tenant_id, query)
    await _audit(request, admin, "exported", query, {"counts": finding.counts()})
    return await stream_export(request, finding)


async def erase_subject(request: web.Request) -> web.Response:
    admin = await require_agent(request, "admin")
    body = await read_json(request, EraseBody)
    query = SubjectQuery(customer_id=body.customer_id, email=body.email, name=body.name)
    finding = await find(request.app, admin.tenant_id, query)
    erased = await erase(request.app, finding)
    counts = {kind: part["count"] for kind, part in erased.items()}
    await _audit(request, admin, "erased", query, {"counts": counts})
    subject = query.model_dump(mode="json", exclude_none=True)
    return json_response({"subject": subject, "erased": erased})


def setup(app: web.Application) -> None:
    app.router.add_post("/api/admin/data-requests/search", search)
    app.router.add_post("/api/admin/data-requests/export", export)
    app.router.add_post("/api/admin/data-requests/erase", erase_subject)
