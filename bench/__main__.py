"""Run benchmarks: `python -m bench` (all but the rush) or `python -m bench demo map import risk`.

Options after a bench's name go to that bench: `python -m bench rush --small`. The rush (many Streamlit
sessions on 1, 2 and N processes, bench/rush.py) runs only when named: its full run takes several minutes per
process count and needs PostgreSQL.
"""
from __future__ import annotations

import importlib
import sys

BENCHES = {
    "demo": "bench.bench_demo",
    "import": "bench.bench_import",
    "map": "bench.bench_map",
    "risk": "bench.bench_risk",
    "planner": "bench.bench_planner",
    "rush": "bench.rush",
}
#: run only when named
ON_REQUEST = {"rush"}


def split(argv: list[str]) -> list[tuple[str, list[str]]]:
    """[(bench, its options)] from `name [options …] name …`: a bench's name starts the next one."""
    runs: list[tuple[str, list[str]]] = []
    for arg in argv:
        if arg in BENCHES or not runs:
            runs.append((arg, []))
        else:
            runs[-1][1].append(arg)
    return runs


def main(argv: list[str]) -> int:
    runs = split(argv) or [(name, []) for name in BENCHES if name not in ON_REQUEST]
    for name, options in runs:
        module = BENCHES.get(name)
        if module is None:
            print(f"unknown bench {name!r}; known: {', '.join(BENCHES)}")
            return 2
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            print(f"== {name}: not available ({exc})")
            continue
        print(f"== {name}")
        mod.main(options)
    return 0


sys.exit(main(sys.argv[1:]))
