"""A bounded schemathesis run over every documented operation (bench/fuzz.py runs longer)."""

from __future__ import annotations

from tests.support.fuzzing import fuzz
from tests.support.harness import RunningServer

EXAMPLES_PER_OPERATION = 15


async def test_fuzzed_requests_never_get_5xx_errors_are_problem_json_and_match_the_spec(
    server: RunningServer,
) -> None:
    report = await fuzz(server, EXAMPLES_PER_OPERATION)
    assert report.operations >= 15 and report.requests >= report.operations
    assert report.findings == [], report.findings[:5]
    assert any(200 <= status < 300 for status in report.statuses), report.statuses
