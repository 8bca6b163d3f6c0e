"""Every layer exported in every format comes back through import unchanged (nothing inserted or updated).

Run on a SQLite street demo scoped to its first community (the formats, not the backend, are under test here;
the write path itself runs on both backends in tests/geodata).
"""
from __future__ import annotations

import pytest
from sqlalchemy import text

from geodata.exchange.bulk import upsert_layer
from geodata.exchange.extract import layer_frame
from geodata.store.db import open_store
from geodata.store.writes import Actor, write
from loaders.cli import main
from loaders.export import write_layer
from loaders.readers import read_layer

GEO_LAYERS = ["communities", "grids", "compounds", "buildings", "checkpoints", "roads"]
TABLE_LAYERS = ["households", "persons", "observations", "cases"]
CASES = ([(layer, fmt) for layer in GEO_LAYERS for fmt in ("geojson", "gpkg", "shp", "csv", "xlsx")]
         + [(layer, fmt) for layer in TABLE_LAYERS for fmt in ("csv", "xlsx")])
EXT = {"geojson": "geojson", "gpkg": "gpkg", "shp": "shp", "csv": "csv", "xlsx": "xlsx"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('rt') / 'street.sqlite'}"
    assert main(["demo", "--scale", "street", "--db", url]) == 0
    store = open_store(url)
    with store.engine.connect() as conn:
        community = conn.execute(text("SELECT min(code) FROM units WHERE level = 4")).scalar()
    yield store, community
    store.dispose()


@pytest.mark.parametrize("layer, fmt", CASES)
def test_export_then_import_changes_nothing(demo, tmp_path, layer, fmt):
    store, community = demo
    with store.read() as s:
        frame = layer_frame(s, layer, community)
    assert len(frame) > 0, f"the demo community has no {layer}"
    out = write_layer(frame, layer, fmt, tmp_path / f"{layer}.{EXT[fmt]}")
    result = read_layer(out, layer)
    assert result.ok, [str(p) for p in result.errors][:5]
    assert result.rows_read == len(frame)
    before = store.data_version()
    outcome = write(store, Actor.system("test"), lambda ctx: upsert_layer(ctx, layer, result.frame, source=out.name))
    assert (outcome.inserted, outcome.updated) == (0, 0), outcome
    assert outcome.unchanged == len(frame)
    assert store.data_version() == before + 1  # the write ran, and changed no row
