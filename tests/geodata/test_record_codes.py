"""Records entered by hand get codes in the imported format (issue 16 point 3): the code an import of the same
record would make (person + date), so a ledger imported later updates the record instead of adding a twin."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geodata.base.codes import content_code
from geodata.base.problems import Rejected
from geodata.exchange import bulk
from geodata.exchange.bulk import upsert_layer
from geodata.situation.cases import record_case
from geodata.situation.observations import start_observation
from geodata.store.models import Case, Observation
from tests.factories import TODAY, load_small_city
from tests.risk_helpers import SYSTEM, add_persons, run


def test_the_code_is_the_one_imports_make():
    assert content_code("OBS", "P1", TODAY) == bulk.content_code("OBS", "P1", TODAY)
    assert content_code("OBS", "P1", TODAY).startswith("OBS") and len(content_code("OBS", "P1", TODAY)) == 17


def test_hand_entered_records_get_the_imported_format_and_a_later_ledger_updates_them(store):
    load_small_city(store)
    add_persons(store, [{"code": "R1", "name": "返乡甲", "building_code": "G12K2B1"}])
    start = TODAY - dt.timedelta(days=1)
    obs = run(store, SYSTEM, start_observation, "R1", "home", start=start)
    assert obs.code == content_code("OBS", "R1", start) and "-" not in obs.code
    case = run(store, SYSTEM, record_case, kind="confirmed", reported_on=TODAY, person_code="R1").case
    assert case.code == content_code("CASE", "R1", TODAY)
    with pytest.raises(Rejected) as twin:  # the same person and report day again: named, nothing written
        run(store, SYSTEM, record_case, kind="confirmed", reported_on=TODAY, person_code="R1")
    assert twin.value.errors[0].field == "reported_on"

    # the office's ledger of the same observation, without a code: it updates the one typed in
    run(store, SYSTEM, lambda ctx: upsert_layer(ctx, "observations", pd.DataFrame([
        {"person_code": "R1", "kind": "home", "start_date": start, "place": "居家"}])))
    with store.read() as s:
        rows = s.query(Observation).filter(Observation.person_id == obs.person_id).all()
        assert [(o.code, o.place) for o in rows] == [(obs.code, "居家")]
        assert s.query(Case).filter(Case.code.like("CASE-%")).count() == 0


def test_unnamed_cases_of_one_building_on_one_day_each_get_their_own_code(store):
    load_small_city(store)
    codes = [run(store, SYSTEM, record_case, kind="asymptomatic", reported_on=TODAY, building_code="G12K2B1").case.code
             for _ in range(2)]
    assert len(set(codes)) == 2 and all(c.startswith("CASE") and "-" not in c for c in codes)
