"""Time and peak memory of generating, storing and checking the demo city at each scale.

Each scale runs in its own process so that peak RSS (ru_maxrss) is that scale's alone. Databases go to a
temporary directory (SQLite) and, when 127.0.0.1:5432 answers, to a fresh PostgreSQL database.

    python -m bench demo                 # street, district, city on SQLite (+ PostgreSQL when reachable)
    python -m bench.bench_demo street district
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCALES = ("street", "district", "city")
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _child(scale: str, url: str) -> None:
    """Runs in the child process: generate, store, check; prints one JSON line of timings."""
    from geodata.exchange.integrity import check
    from geodata.store.db import open_store
    from loaders.demo import generate
    from loaders.demo_store import counts, store_demo

    out: dict[str, object] = {"scale": scale}
    t0 = time.perf_counter()
    city = generate(scale, seed=0)
    out["generate_s"] = time.perf_counter() - t0
    out["rows"] = counts(city)
    out["rss_after_generate_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    store = open_store(url)
    t0 = time.perf_counter()
    store_demo(store, city, scale=scale, seed=0, log=lambda _m: None)
    out["store_s"] = time.perf_counter() - t0
    del city
    t0 = time.perf_counter()
    with store.read() as s:
        report = check(s)
    out["check_s"] = time.perf_counter() - t0
    out["check_ok"] = report.ok
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out))


def _pg_url(name: str) -> str | None:
    try:
        from sqlalchemy import create_engine, text

        eng = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
        eng.dispose()
        return PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    except Exception as exc:  # noqa: BLE001
        print(f"  PostgreSQL skipped: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        return None


def run(scale: str, url: str, label: str) -> dict | None:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bench.bench_demo", "--child", scale, url],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        print(f"  {scale:<9} {label:<10} FAILED\n{proc.stderr[-2000:]}")
        return None
    r = json.loads(line[7:])
    rows = r["rows"]
    print(f"  {scale:<9} {label:<10} generate {r['generate_s']:6.1f} s  store {r['store_s']:6.1f} s  "
          f"check {r['check_s']:5.1f} s ({'ok' if r['check_ok'] else 'FAILED'})  total {wall:6.1f} s  "
          f"peak RSS {r['peak_rss_mb']:,.0f} MB  buildings {rows['buildings']:,}  persons {rows['persons']:,}")
    return r


def main(argv: list[str]) -> int:
    scales = [a for a in argv if a in SCALES] or list(SCALES)
    print("demo city: generate → store (one transaction) → integrity check, each scale in its own process")
    with tempfile.TemporaryDirectory() as tmp:
        for scale in scales:
            run(scale, f"sqlite:///{Path(tmp) / (scale + '.sqlite')}", "sqlite")
            url = _pg_url(f"gw_bench_{scale}")
            if url:
                run(scale, url, "postgresql")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main(sys.argv[1:]))
