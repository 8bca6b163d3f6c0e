"""Disinfection records and the ≥2-a-day rule for a sealed natural village (domain file §3.2/§3.5, scenario 22)."""
from __future__ import annotations

import datetime as dt

import pytest

from geodata.base.problems import PermissionDenied, Rejected
from geodata.situation.cases import record_case
from geodata.situation.control import set_control
from geodata.situation.disinfection import disinfection_compliance, record_disinfection
from geodata.situation.history import explain
from geodata.situation.settings import set_setting
from tests.factories import load_small_city
from tests.risk_helpers import COMMAND, GRID, HEAD, VIEWER, day, load_rural_county, run


def compliance(store, on):
    with store.read() as s:
        return disinfection_compliance(s, on).set_index("code")


def test_sealed_natural_village_with_one_public_area_disinfection_today_is_flagged(store):
    load_rural_county(store)
    run(store, HEAD, record_case, kind="confirmed", reported_on=day(1), compound_code="RN1", code="R1")
    run(store, GRID, record_disinfection, "RN1", "public_area", on=day(2), area="村口、公厕")

    today = compliance(store, day(2))
    assert list(today.index) == ["RN1"]  # RN2 and RN3 are not sealed
    assert today.loc["RN1", ["done_today", "required", "short"]].tolist() == [1, 2, True]

    run(store, GRID, record_disinfection, "RN1", "公共区域消毒", on=day(2), area="晒谷场")
    assert not compliance(store, day(2)).loc["RN1", "short"]
    assert compliance(store, day(3)).loc["RN1", "done_today"] == 0  # a new day starts at zero
    assert compliance(store, day(3)).loc["RN1", "short"]
    with store.read() as s:
        log = explain(s, "RN1")
    assert list(log["action"]).count("disinfection.record") == 2


def test_the_daily_number_is_a_setting_and_buildings_are_unchecked_by_default(store):
    load_small_city(store)
    run(store, HEAD, set_control, "G11K1B1", "sealed", "封锁", on=day(1))
    assert not compliance(store, day(1)).loc["G11K1B1", "short"]  # the seeds give no number for buildings
    run(store, COMMAND, set_setting, "disinfection", {"sealed_building_per_day": 3})
    run(store, HEAD, record_disinfection, "G11K1B1", "public_area", on=day(1))
    row = compliance(store, day(1)).loc["G11K1B1"]
    assert row[["done_today", "required", "short", "terminal_done"]].tolist() == [1, 3, True, False]


def test_disinfection_needs_a_known_kind_a_past_date_and_a_role_that_may_record_it(store):
    load_rural_county(store)
    with pytest.raises(Rejected):
        run(store, GRID, record_disinfection, "RN1", "熏蒸", on=day(1))
    with pytest.raises(Rejected):
        run(store, GRID, record_disinfection, "RN1", "routine", on=dt.date.today() + dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        run(store, VIEWER, record_disinfection, "RN1", "routine", on=day(1))
    with pytest.raises(Rejected):
        run(store, GRID, record_disinfection, "NOPE", "routine", on=day(1))


def test_a_back_dated_sealing_shows_one_wall_line_per_village_and_acknowledging_it_clears_every_day(store):
    """Issue 14 point 8: a sealing back-dated 5 days raises one alert a day; the wall shows one line per village."""
    import datetime as dt

    from geodata.reporting.figures import alerts_on
    from geodata.situation.alerts import acknowledge_alerts, open_alerts
    from geodata.store.hierarchy import unit_by_code

    load_rural_county(store)
    today = dt.date.today()
    run(store, HEAD, record_case, kind="confirmed", reported_on=today - dt.timedelta(days=5), compound_code="RN1",
        code="R1")
    with store.read() as s:
        raw = open_alerts(s, kinds=("disinfection",))
        root = unit_by_code(s, "RN1").path.split("/")[1]
        wall = alerts_on(s, f"/{root}/", today)
    assert len(raw) == 5  # the five completed days since the sealing, one alert each
    lines = wall[wall["kind"] == "disinfection"]
    assert len(lines) == 1
    line = lines.iloc[0]
    first = today - dt.timedelta(days=5)
    assert f"5 天消毒未达标（自 {first} 起）" in line["title_zh"] and f"5 days short since {first}" in line["title_en"]
    assert sorted(line["grouped_ids"]) == sorted(raw["id"].tolist())
    write_ack = lambda ctx: acknowledge_alerts(ctx, line["grouped_ids"], int(line["id"]),  # noqa: E731
                                               expected_version=int(line["version"]))
    run(store, COMMAND, lambda ctx: write_ack(ctx))
    with store.read() as s:
        assert open_alerts(s, kinds=("disinfection",)).empty
