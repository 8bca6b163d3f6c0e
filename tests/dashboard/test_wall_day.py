"""Issue 16, "Traps and mixed-up figures": `/wall?on=DATE` shows that day everywhere (KPIs, the communities'
figures behind the legend, alerts), and the symptom picker cannot record every symptom with one tap.

Runs on the two-street test city (SQLite and PostgreSQL) through tests/dashboard/test_page_security.py's `app` (the real entry script).
The city's data is dated around tests.factories.TODAY; "today" below is the machine's day, as on the wall.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from geodata.reporting import figures
from geodata.situation.symptoms import record_followup
from geodata.situation.control import set_control
from geodata.situation.observations import record_health_check
from geodata.store.hierarchy import breadcrumb
from geodata.store.models import Alert
from geodata.store.writes import Actor, write
from tests.dashboard.test_auth_pages import assert_ran
from tests.dashboard.test_page_security import app  # noqa: F401 — a fixture: the real entry script
from tests.dashboard.test_pages import htmls, kpi_values, number
from tests.factories import TODAY
from tests.geodata.test_scope_city import actor, city  # noqa: F401 — `city` is a fixture

#: a day when O2 (central, since TODAY-14) was under observation and O1 (home, since TODAY-3) not yet
PAST = TODAY - dt.timedelta(days=5)
FEVER_TITLE = "出现异常"


def _today_differs(city) -> dt.date:
    """Seal a building and raise a symptom alert today, so that today's picture and PAST's differ."""
    today = dt.date.today()
    write(city, actor(city, "head1"), lambda ctx: set_control(ctx, "G11K1B1", "sealed", "密接所在楼栋", on=today))
    write(city, actor(city, "health1"), lambda ctx: record_health_check(ctx, "O1", on=today, temperature=38.6))
    return today


def test_figures_of_a_past_day_are_that_days_not_todays(city):
    today = _today_differs(city)
    with city.read() as s:
        root = figures.root_unit(s)
        now, then = figures.unit_totals(s, root, today), figures.unit_totals(s, root, PAST)
        street = breadcrumb(s, "S1")[-1]
        kids_now = figures.children_with_figures(s, street, today).set_index("code")
        kids_then = figures.children_with_figures(s, street, PAST).set_index("code")
        comms_then = figures.units_with_figures(s, root, 4, PAST).set_index("code")
        alerts_now, alerts_then = figures.alerts_on(s, root.path, today), figures.alerts_on(s, root.path, PAST)
    assert (now["obs_home"], now["obs_central"], now["sealed_buildings"]) == (1, 1, 1)
    assert (then["obs_home"], then["obs_central"], then["sealed_buildings"]) == (0, 1, 0)
    # the communities' figures (what the map colours and the legend counts) follow the day too
    assert (kids_now.at["C1", "obs_total"], kids_now.at["C1", "sealed_buildings"]) == (1, 1)
    assert (kids_then.at["C1", "obs_total"], kids_then.at["C1", "sealed_buildings"]) == (0, 0)
    assert comms_then.at["C1", "obs_total"] == 0 and comms_then.at["C2", "obs_central"] == 1
    assert alerts_now["title_zh"].str.contains(FEVER_TITLE).any()
    assert not alerts_then["title_zh"].str.contains(FEVER_TITLE).any()


def test_an_alert_acknowledged_after_a_day_still_shows_on_that_day(city):
    write(city, Actor.system("test"), lambda ctx: record_health_check(ctx, "O2", on=PAST, temperature=38.2))
    with city.read() as s:
        alert_id = s.execute(select(Alert.id).where(Alert.subject_code == "O2")).scalar_one()
    # a symptom alert clears by its follow-up (issue 14 point 3), recorded today
    write(city, actor(city, "command"), lambda ctx: record_followup(ctx, alert_id, "排除"))
    with city.read() as s:
        path = figures.root_unit(s).path
        shown = {day: list(figures.alerts_on(s, path, day)["id"]) for day in
                 (PAST - dt.timedelta(days=1), PAST, dt.date.today())}
    assert shown == {PAST - dt.timedelta(days=1): [], PAST: [alert_id], dt.date.today(): []}


def test_wall_on_a_past_day_shows_that_day_in_kpis_and_alerts(app, city):
    _today_differs(city)
    now = app("command", "wall")
    assert_ran(now)
    then = app("command", "wall", on=PAST.isoformat())
    assert_ran(then)
    shown_now, shown_then = kpi_values(now), kpi_values(then)
    assert (number(shown_now["observations"]), number(shown_now["locked_down"])) == (2, 1)
    assert (number(shown_then["observations"]), number(shown_then["locked_down"])) == (1, 0)
    assert any(FEVER_TITLE in b for b in htmls(now))
    assert not any(FEVER_TITLE in b for b in htmls(then))


# --- the symptom picker ----------------------------------------------------------------------------------------


def test_the_symptom_picker_offers_no_select_all_and_no_symptom_raises_no_alert(app, city):
    at = app("health1", "my_grid", code="C1", section="observations")
    assert_ran(at)
    picker = next(m for m in at.multiselect if m.label == "症状")
    assert picker.proto.select_all == 0, "no 'Select all' on symptoms"
    assert picker.proto.placeholder and "Choose" not in picker.proto.placeholder
    assert picker.value == []
    at.number_input[0].set_value(36.6)
    next(b for b in at.button if b.label == "提交" and b.form_id == "gw-check-form").click()
    at.run()
    assert_ran(at)
    with city.read() as s:
        alerts = s.execute(select(Alert.title_zh)).scalars().all()
    assert not [a for a in alerts if FEVER_TITLE in a]
