"""Run benchmarks: `python -m bench` (all) or `python -m bench demo map import risk`."""
from __future__ import annotations

import importlib
import sys

BENCHES = {
    "demo": "bench.bench_demo",
    "import": "bench.bench_import",
    "map": "bench.bench_map",
    "risk": "bench.bench_risk",
    "planner": "bench.bench_planner",
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHES)
    for name in names:
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
        mod.main([])
    return 0


sys.exit(main(sys.argv[1:]))
