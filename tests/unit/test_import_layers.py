"""The layer contract holds: Python imports point down (import-linter, contracts in
pyproject.toml) and the front end's modules import each other without loops."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support.paths import REPO

ROOT = REPO
WEB_SRC = ROOT / "web" / "src"
RELATIVE_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^"';]*?from\s+["'](\.[^"']+)["']""", re.M)


def test_python_layer_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def ts_graph(src: Path) -> dict[Path, set[Path]]:
    graph: dict[Path, set[Path]] = {}
    for module in src.rglob("*.ts"):
        targets: set[Path] = set()
        for spec in RELATIVE_IMPORT.findall(module.read_text("utf-8")):
            base = (module.parent / spec).resolve()
            for candidate in (base.with_suffix(".ts"), base / "index.ts"):
                if candidate.is_file():
                    targets.add(candidate)
                    break
        graph[module.resolve()] = targets
    return graph


def find_cycle(graph: dict[Path, set[Path]]) -> list[Path] | None:
    done: set[Path] = set()
    for start in graph:
        path: list[Path] = []
        on_path: set[Path] = set()
        stack = [(start, iter(sorted(graph[start])))]
        if start in done:
            continue
        path.append(start)
        on_path.add(start)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                on_path.discard(node)
                done.add(node)
            elif child in on_path:
                return [*path[path.index(child) :], child]
            elif child not in done:
                stack.append((child, iter(sorted(graph.get(child, ())))))
                path.append(child)
                on_path.add(child)
    return None


def test_front_end_modules_import_each_other_without_loops() -> None:
    cycle = find_cycle(ts_graph(WEB_SRC))
    assert cycle is None, " -> ".join(str(p.relative_to(WEB_SRC)) for p in cycle or [])


def test_the_cycle_finder_finds_a_loop(tmp_path: Path) -> None:
    """A test that cannot fail is a defect: the finder sees the loop the old call UI had."""
    (tmp_path / "index.ts").write_text('import { AgentTools } from "./agent-tools";\n')
    (tmp_path / "agent-tools.ts").write_text('import type { Ack } from "./index";\n')
    (tmp_path / "view.ts").write_text("export const x = 1;\n")
    cycle = find_cycle(ts_graph(tmp_path))
    assert cycle is not None and {p.name for p in cycle} == {"index.ts", "agent-tools.ts"}
