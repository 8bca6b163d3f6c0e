"""Import at city scale: 500,000 building points from GeoPackage and from CSV, and spatial assignment.

Takes the city demo (bench/out/city.sqlite, built once), exports its units and buildings, then imports them
into a fresh database: units from GeoPackage, then buildings (a) from GeoPackage with their codes, (b) from CSV
with lon/lat and no grid or compound code, so that every building is placed by the spatial join.

    python -m bench import [street|district|city]
"""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_map import _db
from geodata.exchange.bulk import upsert_layer
from geodata.exchange.extract import layer_frame
from geodata.store.db import open_store
from geodata.store.writes import Actor, write
from loaders.export import write_layer
from loaders.readers import read_layer

UNIT_LAYERS = ["city", "districts", "streets", "communities", "grids", "compounds"]


def _timed(label: str, fn):
    t0 = time.perf_counter()
    out = fn()
    print(f"  {label:<58} {time.perf_counter() - t0:7.1f} s")
    return out


def main(argv: list[str]) -> int:
    scale = next((a for a in argv if a in ("street", "district", "city")), "city")
    source = open_store(_db(scale))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with source.read() as s:
            units = {layer: layer_frame(s, layer) for layer in UNIT_LAYERS}
            buildings = _timed(f"read {scale} buildings from the database", lambda: layer_frame(s, "buildings"))
        n = len(buildings)
        print(f"  {n:,} buildings")
        for layer, frame in units.items():
            write_layer(frame, layer, "gpkg", tmp / f"{layer}.gpkg")
        _timed("export buildings → GeoPackage", lambda: write_layer(buildings, "buildings", "gpkg", tmp / "b.gpkg"))
        bare = buildings.drop(columns=["compound_code", "grid_code"])
        _timed("export buildings → CSV (lon/lat, no grid/compound code)",
               lambda: write_layer(bare, "buildings", "csv", tmp / "b.csv"))
        print(f"  file sizes: GeoPackage {(tmp / 'b.gpkg').stat().st_size / 2**20:,.0f} MB, "
              f"CSV {(tmp / 'b.csv').stat().st_size / 2**20:,.0f} MB")

        for label, path in (("GeoPackage, with codes", tmp / "b.gpkg"), ("CSV, placed by spatial join", tmp / "b.csv")):
            target = open_store(f"sqlite:///{tmp / ('t-' + path.suffix[1:] + '.sqlite')}")

            def load_units(target=target) -> None:
                def fill(ctx):
                    for layer in UNIT_LAYERS:
                        upsert_layer(ctx, layer, read_layer(tmp / f"{layer}.gpkg", layer).frame, recompute=False)
                write(target, Actor.system("bench"), fill)

            _timed(f"[{label}] units from GeoPackage", load_units)
            result = _timed(f"[{label}] read {n:,} buildings", lambda p=path: read_layer(p, "buildings"))
            assert result.ok, result.errors[:3]
            t0 = time.perf_counter()
            outcome = write(target, Actor.system("bench"),
                            lambda ctx, f=result.frame: upsert_layer(ctx, "buildings", f, source=path.name))
            print(f"  {'[' + label + '] validate + assign + write, one transaction':<58} "
                  f"{time.perf_counter() - t0:7.1f} s  (inserted {outcome.inserted:,})")
            target.dispose()
        print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")

        # the spatial join alone, as the importer runs it
        import numpy as np
        import shapely

        from geodata.exchange.bulk import _contained_in

        grids = units["grids"]
        pts = np.asarray(buildings.geometry.values, dtype=object)
        t0 = time.perf_counter()
        hit = _contained_in(pts, np.asarray(grids.geometry.values, dtype=object))
        print(f"  spatial assignment alone: {n:,} points → {len(grids):,} grids in "
              f"{time.perf_counter() - t0:.2f} s ({(hit < 0).sum()} unassigned)")
        del shapely
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
