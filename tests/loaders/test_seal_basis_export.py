"""An export says which sealing a sealed record is (issue 14 "Words": 封锁 and 硬隔离 are two states): buildings and
compounds carry a `control_basis` column (封锁依据 in CSV/XLSX) beside the state, whose codes stay as they were, so
a re-import of the export gives back the same state and basis in every format, on SQLite and PostgreSQL.

The file is exported, the bases are changed in the database (封锁 ↔ 硬隔离, through set_control), and the file is
imported again: the export's choices come back. Before the column existed, the re-import kept the changed bases.
"""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from geodata.exchange.imports import import_frame
from geodata.situation.control import set_control
from loaders.export import export_list, write_layer
from loaders.readers import read_layer
from tests.factories import TODAY, load_small_city, unit_frames
from tests.risk_helpers import HEAD, SYSTEM, building, run, unit

FORMATS = ("csv", "xlsx", "geojson", "gpkg", "shp")
#: target → the basis it is sealed by when the file is written, and the one it is changed to afterwards
SEALED = {"buildings": {"G11K1B1": ("hard_isolation", "lockdown"), "G11K1B2": ("lockdown", "hard_isolation")},
          "compounds": {"G12K1": ("hard_isolation", "lockdown"), "G12K2": ("lockdown", "hard_isolation")}}


def _seal(store, layer: str, which: int) -> None:
    for code, bases in SEALED[layer].items():
        run(store, HEAD, set_control, code, "sealed", f"聚集性疫情（{bases[which]}）", on=TODAY, basis=bases[which])


def _stored(store, layer: str) -> dict[str, tuple[str, str | None]]:
    get = building if layer == "buildings" else unit
    return {c: (get(store, c).control_state, get(store, c).control_basis) for c in SEALED[layer]}


def _table(path) -> pd.DataFrame:
    """The sheet as a person opens it: Chinese headers, cells as text."""
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    values = list(openpyxl.load_workbook(path).worksheets[0].values)
    return pd.DataFrame(values[1:], columns=values[0]).astype(str)


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning")  # shapefile name truncation
@pytest.mark.parametrize("layer", ["buildings", "compounds"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_sealed_records_export_reimports_as_the_same_state_and_basis(store, tmp_path, layer, fmt):
    load_small_city(store)
    _seal(store, layer, 0)
    exported = _stored(store, layer)
    assert exported == {c: ("sealed", bases[0]) for c, bases in SEALED[layer].items()}
    frame = export_list(store, SYSTEM, layer, scope_code=None, fmt=fmt, on=TODAY)
    out = write_layer(frame, layer, fmt, tmp_path / f"{layer}.{fmt}")
    if fmt in ("csv", "xlsx"):  # the state keeps its code; the basis has its own column, 封锁依据
        rows = _table(out).set_index(_table(out).columns[0])
        for code, (basis, _) in SEALED[layer].items():
            assert (rows.at[code, "管控状态"], rows.at[code, "封锁依据"]) == ("sealed", basis)

    _seal(store, layer, 1)  # 封锁 ↔ 硬隔离 after the file was written
    assert _stored(store, layer) != exported
    read = read_layer(out, layer)
    assert [p for p in read.problems if p.severity == "error"] == []
    import_frame(store, SYSTEM, layer, read.frame, source=out.name)
    assert _stored(store, layer) == exported


def test_an_unsealed_record_exports_no_basis(store):
    load_small_city(store)
    frame = export_list(store, SYSTEM, "buildings", scope_code=None, fmt="csv", on=TODAY).set_index("code")
    assert frame.at["G11K1B1", "control_state"] == "normal" and frame["control_basis"].isna().all()


def test_a_basis_without_a_state_column_changes_nothing(store):
    """封锁依据 alone (a sheet that left out 管控状态) records no basis on an unsealed village: a basis is set with
    its state (geodata.situation.control)."""
    load_small_city(store)
    frame = unit_frames()["compounds"].iloc[:1].copy()
    frame["control_basis"] = ["硬隔离"]
    import_frame(store, SYSTEM, "compounds", frame.drop(columns="control_state", errors="ignore"))
    village = unit(store, frame["code"].iloc[0])
    assert (village.control_state, village.control_basis) == ("normal", None)
