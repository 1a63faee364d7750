"""Co-browse relay benchmark: coview's /ws/cobrowse against a minimal Node socket.io
relay (bench/baselines/socketio_relay.mjs), same rrweb-shaped batches, same Node load
generator (bench/baselines/loadgen.mjs) in its own process, loopback only.

    python -m bench.cobrowse [--runs 5] [--seconds 3] [--quick]

For each run (servers alternate: coview, node, coview, ...): latency p50/p99 and
delivered batches/s with 1, 50 and 200 sessions at 20 batches/s per session, then the
maximum sustainable total rate at 200 sessions (delivery >= 95 % of offered and
p99 <= 100 ms), found by stepping the offered rate up, then bisecting the last gap.
Reports the median over runs, the servers' and the load generator's CPU, and writes
bench/results/cobrowse.json.
Server-side masking is on (it always is); recording is off.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import cpu_seconds, free_port

ROOT = Path(__file__).resolve().parent.parent
BASELINES = ROOT / "bench" / "baselines"
RESULTS = ROOT / "bench" / "results"
SESSIONS = (1, 50, 200)
PER_SESSION_RATE = 20
RATE_STEPS: tuple[int, ...] = (
    1_000,
    2_000,
    4_000,
    6_000,
    8_000,
    12_000,
    16_000,
    20_000,
    24_000,
    28_000,
    32_000,
    36_000,
    40_000,
    48_000,
)
BISECTIONS = 3  # after the first failing step: resolution of 1/8 of its gap


@contextmanager
def server(kind: str, tokens: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    if kind == "coview":
        cmd = [sys.executable, "-m", "bench.cobrowse_server", "--port", str(port)]
        cmd += ["--sessions", str(max(SESSIONS)), "--tokens", str(tokens)]
    else:
        cmd = ["node", str(BASELINES / "socketio_relay.mjs"), str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{kind} server did not start")
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def load(
    kind: str, url: str, tokens: Path, sessions: int, rate: float, seconds: float, pid: int
) -> dict[str, Any]:
    """One load generator run; the server's CPU is sampled at the start and end of the
    measured window (the generator prints them), so set-up is not counted."""
    cmd = ["node", str(BASELINES / "loadgen.mjs"), kind, url, str(tokens)]
    cmd += [str(sessions), str(rate), str(seconds)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    cpu: dict[str, float] = {}
    result: dict[str, Any] = {}
    for line in proc.stdout:
        message = json.loads(line)
        if "phase" in message:
            cpu[message["phase"]] = cpu_seconds(pid)
        else:
            result = message
    proc.wait(timeout=seconds * 4 + 60)
    used = cpu.get("end", 0.0) - cpu.get("start", 0.0)
    result["server_cpu_pct"] = 100 * used / result["window_s"]
    sent = result["measured_sent"]
    result["server_us_per_batch"] = 1e6 * used / sent if sent else float("nan")
    return result


def sustainable(result: dict[str, Any]) -> bool:
    return result["delivery"] >= 0.95 and (result["p99_ms"] or 1e9) <= 100


def one_run(kind: str, tokens: Path, seconds: float, steps: tuple[int, ...]) -> dict[str, Any]:
    run: dict[str, Any] = {"fixed": {}, "max_rate": 0, "steps": []}
    with server(kind, tokens) as (url, pid):
        for sessions in SESSIONS:
            run["fixed"][sessions] = load(
                kind, url, tokens, sessions, sessions * PER_SESSION_RATE, seconds, pid
            )
        passed, failed = 0, 0
        for rate in steps:
            result = load(kind, url, tokens, max(SESSIONS), rate, seconds, pid)
            run["steps"].append(result)
            if not sustainable(result):
                failed = rate
                break
            passed, run["max_rate"] = rate, result["delivered_per_s"]
        # The steps are coarse (8,000 -> 12,000): bisect between the last rate that held
        # and the first that did not, so the ratio is not an artefact of the step list.
        for _ in range(BISECTIONS if failed else 0):
            rate = (passed + failed) // 2
            result = load(kind, url, tokens, max(SESSIONS), rate, seconds, pid)
            run["steps"].append(result)
            if sustainable(result):
                passed, run["max_rate"] = rate, max(run["max_rate"], result["delivered_per_s"])
            else:
                failed = rate
    return run


def median(values: list[float | None]) -> float:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else float("nan")


def summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for kind, results in runs.items():
        fixed = {}
        for sessions in SESSIONS:
            rows = [r["fixed"][sessions] for r in results]
            fixed[sessions] = {
                key: median([row[key] for row in rows])
                for key in (
                    "p50_ms",
                    "p99_ms",
                    "delivered_per_s",
                    "delivery",
                    "server_cpu_pct",
                    "server_us_per_batch",
                    "loadgen_cpu_pct",
                )
            }
        peaks = [max(step["delivered_per_s"] for step in r["steps"]) for r in results]
        summary[kind] = {
            "fixed": fixed,
            "max_rate": median([r["max_rate"] for r in results]),
            "peak_delivered": median(list(peaks)),
        }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--quick", action="store_true", help="1 run, 1 s, fewer rate steps")
    args = parser.parse_args()
    runs_n, seconds, steps = args.runs, args.seconds, tuple(RATE_STEPS)
    if args.quick:
        runs_n, seconds, steps = 1, 1.0, RATE_STEPS[::2]
    tokens = Path(tempfile.mkdtemp(prefix="coview-bench-")) / "tokens.json"
    # The Node relay needs only session ids: write them before its first run.
    tokens.write_text(
        json.dumps(
            [
                {"session": f"s_bench_{n}", "customer": "", "observer": ""}
                for n in range(max(SESSIONS))
            ]
        )
    )
    runs: dict[str, list[dict[str, Any]]] = {"coview": [], "node-socketio": []}
    deadline = time.monotonic() + 30 * 60  # bounded in time
    for index in range(runs_n):
        for kind in ("coview", "node-socketio") if index % 2 == 0 else ("node-socketio", "coview"):
            if time.monotonic() > deadline:
                break
            target = "coview" if kind == "coview" else "socketio"
            runs[kind].append(one_run(target, tokens, seconds, steps))
            print(
                f"run {index + 1}/{runs_n} {kind}: max {runs[kind][-1]['max_rate']:.0f} batches/s",
                flush=True,
            )
    summary = summarise(runs)
    print()
    heads = (
        "sessions",
        "",
        "p50 ms",
        "p99 ms",
        "batches/s",
        "server CPU",
        "µs/batch",
        "loadgen CPU",
    )
    widths = (8, 14, 7, 7, 9, 10, 8, 11)
    print(" | ".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True)))
    for sessions in SESSIONS:
        for kind in runs:
            row = summary[kind]["fixed"][sessions]
            print(
                f"{sessions:>8} | {kind:>14} | {row['p50_ms']:>7.2f} | {row['p99_ms']:>7.2f} | "
                f"{row['delivered_per_s']:>9.0f} | {row['server_cpu_pct']:>9.0f}% | "
                f"{row['server_us_per_batch']:>8.0f} | {row['loadgen_cpu_pct']:>10.0f}%"
            )
    coview, node = summary["coview"]["max_rate"], summary["node-socketio"]["max_rate"]
    print(
        f"\nmax sustainable at 200 sessions: coview {coview:.0f}, "
        f"node socket.io {node:.0f} batches/s, "
        f"ratio {coview / node if node else float('nan'):.2f}x"
    )
    # Each run's pair ran back to back, so its ratio is the least disturbed by load
    # that comes and goes on a shared machine.
    pairs = zip(runs["coview"], runs["node-socketio"], strict=False)
    ratios = [c["max_rate"] / n["max_rate"] for c, n in pairs if n["max_rate"]]
    summary["paired_ratios"] = ratios
    print(
        f"ratio per run pair: {', '.join(f'{r:.2f}' for r in ratios)} "
        f"(median {median(ratios):.2f}x)"
    )
    print(
        f"peak delivered at 200 sessions (any latency): coview "
        f"{summary['coview']['peak_delivered']:.0f}, node socket.io "
        f"{summary['node-socketio']['peak_delivered']:.0f} batches/s"
    )
    print(
        f"(median of {len(runs['coview'])} alternating runs, {seconds:.0f} s windows, "
        "delivery >= 95 %, p99 <= 100 ms)"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cobrowse.json").write_text(
        json.dumps({"summary": summary, "runs": runs}, indent=2, default=str)
    )


if __name__ == "__main__":
    main()
