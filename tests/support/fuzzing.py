"""Fuzz the HTTP API from its own OpenAPI document with schemathesis: every operation
gets generated requests (with the credential it documents); every answer must be
below 500, every 4xx application/problem+json, and every answer must match the
document (a documented status, its content type and its schema), so the spec cannot
drift from the code.

Used by ``tests/api/test_fuzz.py`` (a bounded run) and ``bench/fuzz.py`` (a long one). The
generated requests are sent from a worker thread (schemathesis is synchronous) while
the server keeps running on the caller's event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.platform.keys import OPENAPI_SPEC
from tests.support.api import bearer, customer_token, login, open_session
from tests.support.harness import RunningServer

PROBLEM_JSON = "application/problem+json"
# The answers must also match the document: documented status, content type and schema.
CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]
NO_CREDENTIALS = {"/api/auth/logout"}  # a fuzzed logout would revoke the shared token


@dataclass
class Finding:
    method: str
    path: str
    status: int
    content_type: str
    body: str


@dataclass
class FuzzReport:
    requests: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    operations: int = 0


async def credentials(server: RunningServer) -> dict[str, dict[str, str]]:
    """A header set per kind of caller an operation may document."""
    config = server.config
    async with aiohttp.ClientSession() as http:
        admin = await login(http, server, config.admin_email, config.admin_password)
        supervisor = await login(http, server, "sofia@demo.coview")
        agent = await login(http, server, "ana@demo.coview")
        session = await open_session(server)
        customer = await customer_token(http, server, session)
    return {
        "admin": bearer(admin),
        "supervisor": bearer(supervisor),
        "agent": bearer(agent),
        "api_key": bearer(config.demo_api_key),
        "site_key": {"X-Coview-Site-Key": config.demo_site_key},
        "session": bearer(customer),
        "public": {},
    }


def _content_type(response: Any) -> str:
    value = response.headers.get("content-type") or response.headers.get("Content-Type") or ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).split(";")[0].strip()


def _exercise(operation: Any, sent: dict[str, str], examples: int, report: FuzzReport) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def exercise(case: Any) -> None:
        # Our credential replaces the random one schemathesis draws for the security scheme.
        generated = {
            k: v
            for k, v in (case.headers or {}).items()
            if k.lower() not in ("authorization", "x-coview-site-key")
        }
        response = case.call(headers={**generated, **sent})
        report.requests += 1
        report.statuses[response.status_code] += 1
        kind = _content_type(response)
        try:
            case.validate_response(response, checks=CONFORMANCE)
        except Exception as exc:  # schemathesis raises a failure group describing the drift
            report.findings.append(
                Finding(
                    case.method, case.formatted_path, response.status_code, kind, str(exc)[:600]
                )
            )
        if response.status_code >= 500 or (response.status_code >= 400 and kind != PROBLEM_JSON):
            report.findings.append(
                Finding(
                    case.method,
                    case.formatted_path,
                    response.status_code,
                    kind,
                    response.text[:300],
                )
            )

    exercise()


def _run(
    spec: dict[str, Any], base_url: str, headers: dict[str, dict[str, str]], examples: int
) -> FuzzReport:
    schema = schemathesis.openapi.from_dict(spec)
    schema.config.update(base_url=base_url)
    report = FuzzReport()
    started = time.perf_counter()
    for result in schema.get_all_operations():
        operation: Any = result.ok()  # type: ignore[union-attr]  # our spec is valid
        report.operations += 1
        auth = spec["paths"][operation.path][operation.method.lower()]["x-coview-auth"][0]
        sent = {} if operation.path in NO_CREDENTIALS else headers[auth]
        _exercise(operation, sent, examples, report)
    report.seconds = time.perf_counter() - started
    return report


async def fuzz(server: RunningServer, examples: int) -> FuzzReport:
    headers = await credentials(server)
    spec = server.app[OPENAPI_SPEC]
    return await asyncio.to_thread(_run, spec, server.url, headers, examples)
