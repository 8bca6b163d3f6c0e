"""A file's control-state column may say 封锁, 硬隔离 or 封控 (issue 14 "Words": 封锁 and 硬隔离 are two states): the
import records the basis the word names, and for a word that names none (封控) keeps a sealed record's basis or
records a new sealing as a person's, 封锁 — never NULL, which would read "封锁/硬隔离"."""
from __future__ import annotations

import pandas as pd

from geodata.base.vocab import control_label
from geodata.exchange.imports import import_frame
from geodata.situation.control import set_control
from geodata.store.writes import Actor
from loaders.readers import read_layer
from tests.factories import building_frame, load_small_city, unit_frames
from tests.risk_helpers import HEAD, building, day, run, unit

WORDS = {"G11K1B1": "封锁", "G11K1B2": "硬隔离", "G12K1B1": "封控", "G11K2B1": "封控", "G12K1B2": "常态化防控",
         "G21K1B1": "楼栋封锁"}


def _file(tmp_path) -> str:
    """A small buildings sheet as an office writes it: Chinese headers, the state as a word, lon/lat columns."""
    frame = building_frame().set_index("code").loc[list(WORDS)].reset_index()
    sheet = pd.DataFrame({"楼栋编码": frame["code"], "楼栋名称": frame["name"], "小区编码": frame["compound_code"],
                          "管控状态": [WORDS[c] for c in frame["code"]], "经度": frame.geometry.x,
                          "纬度": frame.geometry.y})
    path = tmp_path / "楼栋管控.csv"
    sheet.to_csv(path, index=False, encoding="utf-8")
    return str(path)


def test_a_file_saying_lockdown_or_hard_isolation_records_that_basis(store, tmp_path):
    load_small_city(store)
    run(store, HEAD, set_control, "G11K2B1", "硬隔离", "聚集性疫情", on=day(1))  # sealed before the file
    read = read_layer(_file(tmp_path), "buildings", crs="EPSG:4326")
    assert not [p for p in read.problems if p.severity == "error"]
    import_frame(store, Actor.system("test"), "buildings", read.frame, source="楼栋管控.csv")
    shown = {c: control_label(building(store, c).control_state, building(store, c).control_basis) for c in WORDS}
    assert shown == {"G11K1B1": "封锁", "G11K1B2": "硬隔离", "G12K1B1": "封锁", "G11K2B1": "硬隔离",
                     "G12K1B2": "常态化防控", "G21K1B1": "封锁"}
    assert building(store, "G12K1B2").control_basis is None


def test_a_compound_layer_saying_hard_isolation_records_it(store):
    load_small_city(store)
    frame = unit_frames()["compounds"].iloc[:2].copy()
    frame["control_state"] = ["硬隔离", "封锁"]
    import_frame(store, Actor.system("test"), "compounds", frame)
    first, second = (unit(store, c) for c in frame["code"])
    assert (first.control_state, first.control_basis) == ("sealed", "hard_isolation")
    assert (second.control_state, second.control_basis) == ("sealed", "lockdown")
