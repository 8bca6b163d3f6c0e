"""What `loaders.export` writes, the readers read back unchanged (codes, values, WGS-84 geometry, footprints)."""
from __future__ import annotations

import pandas as pd
import pytest

from geodata.base.layers import LAYERS
from loaders.export import write_layer
from loaders.readers import problems_table, read_layer
from tests.loaders import fixtures_files as ff

SOURCES = {
    "buildings": ff.buildings_gpkg,
    "grids": ff.gbk_shapefile_without_cpg,
    "checkpoints": ff.checkpoints_kml,
    "observations": ff.observation_ledger_xlsx,
    "persons": ff.persons_csv_gbk,
}
CASES = [(layer, fmt) for layer in SOURCES for fmt in ("csv", "xlsx", "geojson", "gpkg", "shp")
         if LAYERS[layer].geometry or fmt in ("csv", "xlsx")]


def _plain(values) -> list:
    return [None if v is None or (not hasattr(v, "geom_type") and pd.isna(v)) else v for v in values]


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning")  # shapefile name truncation
@pytest.mark.parametrize("layer, fmt", CASES)
def test_exported_files_read_back_unchanged(tmp_path, layer, fmt):
    original = read_layer(SOURCES[layer](tmp_path / "src"), layer)
    assert original.ok
    out = write_layer(original.frame.drop(columns="_row"), layer, fmt, tmp_path / "out" / f"{layer}.{fmt}")
    again = read_layer(out, layer)
    assert again.ok and again.problems == [], problems_table(again.problems)
    for col in original.frame.columns.drop("_row"):
        before, after = _plain(original.frame[col]), _plain(again.frame[col])
        if col in ("geometry", "footprint"):
            assert all(a.equals_exact(b, 1e-7) for a, b in zip(before, after, strict=True)), col
        else:
            assert before == after, col
