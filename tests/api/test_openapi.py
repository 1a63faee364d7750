"""The OpenAPI document is generated from the routes and covers every one of them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from server.platform.openapi import api_routes, operation_of
from tests.support.harness import RunningServer
from tests.support.paths import ARTIFACTS_DIR, REPO

ARTIFACTS = ARTIFACTS_DIR


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_every_api_route_is_in_the_spec(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    undocumented = [
        f"{r.method} {r.path}" for r in api_routes(server.app) if operation_of(r.handler) is None
    ]
    assert undocumented == [], "describe these routes with @api or describe()"
    async with http.get(f"{server.url}/api/openapi.json") as r:
        spec = await r.json()
    served = {(r.method.lower(), r.path) for r in api_routes(server.app)}
    documented = {(m, p) for p, item in spec["paths"].items() for m in item}
    assert served == documented
    assert spec["openapi"] == "3.1.0"


async def test_spec_references_resolve_and_errors_are_problem_json(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{server.url}/api/openapi.json") as r:
        spec = await r.json()
    text = str(spec)
    schemas = spec["components"]["schemas"]
    for name in {part.split("'")[0] for part in text.split("#/components/schemas/")[1:]}:
        assert name in schemas, name
    login = spec["paths"]["/api/auth/login"]["post"]
    assert login["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LoginRequest"
    }
    assert "application/problem+json" in login["responses"]["422"]["content"]
    # pydantic names clashing models after their module path: the layout would leak
    # into the API and a module move would rename them
    assert [name for name in schemas if "__" in name] == []
    availability = spec["paths"]["/api/availability"]["get"]
    assert {p["name"] for p in availability["parameters"]} == {"page", "tier", "lang", "modality"}
    assert availability["security"] == [{"siteKey": []}, {"bearer": []}]


async def test_docs_page_lists_every_operation(
    server: RunningServer, http: aiohttp.ClientSession, browser: object
) -> None:
    async with http.get(f"{server.url}/api/docs") as r:
        assert r.status == 200 and r.content_type == "text/html"
        html = await r.text()
    for route in api_routes(server.app):
        assert route.path in html
    assert '<script src="http' not in html  # no CDN
    page = await browser.new_page()  # type: ignore[attr-defined]
    await page.goto(f"{server.url}/api/docs")
    await page.get_by_role("link", name="POST /api/bot/messages").click()
    operation = page.locator("#post_bot_messages")
    await operation.get_by_text("Request body").click()
    await operation.get_by_role("link", name='"Context"').click()
    assert await page.locator("#schema-Context").is_visible()
    assert page.url.endswith("#schema-Context")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "api_docs.png"))
    await page.close()


SNAPSHOT = REPO / "docs" / "openapi.json"


async def test_served_document_equals_the_committed_docs_openapi_json(
    server: RunningServer, http: aiohttp.ClientSession
) -> None:
    """docs/openapi.json is the API's contract as committed: a route, model or field that
    changes the served document fails here until `make openapi` writes it again (and the
    change is reviewed in the diff). Compared with keys sorted: ordering is not a change."""
    async with http.get(f"{server.url}/api/openapi.json") as r:
        served = await r.json()
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert json.dumps(served, sort_keys=True) == json.dumps(committed, sort_keys=True), (
        "the API changed: run `make openapi` and review docs/openapi.json"
    )
