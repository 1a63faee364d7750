"""A long schemathesis run over the whole API: ``python -m bench.fuzz [examples]``.

Prints a table of answers by status and any finding (a 5xx, or a 4xx that is not
problem+json), and writes ``bench/results/fuzz.json``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from tests.support.fuzzing import fuzz
from tests.support.harness import make_config, running_server

RESULTS = Path(__file__).parent / "results"


async def main(examples: int) -> int:
    with tempfile.TemporaryDirectory(prefix="coview-fuzz-") as data_dir:
        async with running_server(make_config(Path(data_dir))) as server:
            report = await fuzz(server, examples)
    print(
        f"operations {report.operations}  requests {report.requests}  "
        f"seconds {report.seconds:.1f}  findings {len(report.findings)}"
    )
    print(f"{'status':>8} {'count':>8}")
    for status, count in sorted(report.statuses.items()):
        print(f"{status:>8} {count:>8}")
    for finding in report.findings[:20]:
        print(
            f"FINDING {finding.method} {finding.path} -> {finding.status} "
            f"{finding.content_type}: {finding.body[:120]}"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "fuzz.json").write_text(
        json.dumps(
            {
                "examples_per_operation": examples,
                "operations": report.operations,
                "requests": report.requests,
                "seconds": round(report.seconds, 2),
                "statuses": {str(k): v for k, v in sorted(report.statuses.items())},
                "findings": [asdict(f) for f in report.findings],
            },
            indent=2,
        )
    )
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)))
