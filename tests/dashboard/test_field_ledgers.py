"""Issue 15's field ledgers on the pages, on the two-street test city (SQLite and PostgreSQL): downloads are the
CLI's workbooks with Chinese headers and are logged; uploads go through the CLI's reader and geodata's import,
refused by row with nothing written; who sees which button is the action table's answer; the audit words every
field-work action; the shared open-events layer; the wall's field cards link to their pages (not for the wall
account)."""
from __future__ import annotations

import io
import re
from pathlib import Path

import folium
import pandas as pd
import pytest
import streamlit as st
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dashboard.components import field_layers, field_ledgers
from dashboard.mapview.events import entries, event_layer
from geodata.base.problems import Refusal
from geodata.editing import changes
from geodata.fieldwork import events, passes
from geodata.people import audit, sessions
from geodata.store.hierarchy import UnitRef, ref, unit_by_code
from geodata.store.writes import write
from tests.geodata.test_scope_city import PASSWORD, actor, city  # noqa: F401 — `city` is a fixture
from tests.dashboard.apptest_pages import switch_to

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboard" / "app.py"


def _unit(store, code: str) -> UnitRef:
    with store.read() as s:
        return ref(unit_by_code(s, code))


def test_downloads_are_the_cli_workbooks_with_chinese_headers_and_are_logged(city):
    head = actor(city, "head1")
    write(city, head, lambda ctx: events.log_event(ctx, "G11", "楼道堆物 =HYPERLINK(\"x\")", kind="hazard"))
    data = field_ledgers.export_bytes(city, head, "events", "C1")
    wb = load_workbook(io.BytesIO(data))
    sheet = wb["事件台账"]
    headers = [c.value for c in sheet[1]]
    assert set(events.LEDGER_HEADERS.values()) <= set(headers)
    texts = [c.value for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert any("楼道堆物" in v for v in texts) and not any(v.startswith("=") for v in texts)  # cells.py neutralised
    with city.read() as s:
        log = audit.events(s, actor(city, "command"), action="persons.view", limit=50)
    mine = log[(log["entity"] == "export:events") & (log["actor"] == "head1")]
    assert len(mine) == 1 and mine.iloc[0]["new"]["rows"] >= 1
    assert changes.entity_words("export:events") == "导出事件台账和巡查日志"

    places = load_workbook(io.BytesIO(field_ledgers.export_bytes(city, head, "places", "C1")))
    assert [c.value for c in places["场所清单"][1]][:3] == ["场所编码", "场所名称", "场所类型"]


def test_who_gets_which_button_is_the_action_tables_answer(city):
    wall, grid, health, sup = (actor(city, u) for u in ("wall", "grid11", "health1", "sup1"))
    assert not field_ledgers.may_export(wall, "events", None)  # the wall account reads counts, never ledgers
    assert field_ledgers.may_export(health, "events", health.scope_path)
    assert not field_ledgers.may_import(health, "events")  # health staff read events, they do not log them
    assert field_ledgers.may_import(grid, "events") and field_ledgers.may_import(grid, "gate_passes")
    assert not field_ledgers.may_import(grid, "unowned")  # the 无主小区 ledger is the community's and up
    assert field_ledgers.may_import(sup, "places") and field_ledgers.may_import(sup, "unowned")
    assert not field_ledgers.may_export(sup, "care_list", sup.scope_path)  # person-level: only with the grant


def test_an_uploaded_pass_register_is_refused_by_row_and_nothing_is_written(city):
    head = actor(city, "head1")
    bad = "通行证号,户编码,发放日期\nT-0001,H1,2026-01-05\nT-0002,NOPE,2026-01-05\n".encode("gbk")
    with pytest.raises(Refusal) as refused:
        field_ledgers.import_upload(city, head, "gate_passes", "../../etc/登记.csv", bad)
    rows = {p.row for p in refused.value.problems}
    assert 3 in rows and refused.value.message_zh  # the second data row, as the office sees it in the file
    with city.read() as s:
        assert passes.passes_in(s, head, head.scope_path).empty  # all or nothing: the good row was not kept
    good = "通行证号,户编码,发放日期\nT-0001,H1,2026-01-05\n".encode()
    field_ledgers.import_upload(city, head, "gate_passes", "register.csv", good)
    with city.read() as s:
        assert passes.passes_in(s, head, head.scope_path)["number"].tolist() == ["T-0001"]


def _recorded_actions() -> set[tuple[str, str]]:
    """Every (action, record kind) geodata.fieldwork and the symptom follow-up record, read from the source."""
    found = set()
    sources = [*sorted((REPO / "geodata" / "fieldwork").glob("*.py")), REPO / "geodata/situation/symptoms.py"]
    pattern = re.compile(r'ctx\.record\(\s*(f?"[^"]+"(?:\s+if[^,]+else\s+"[^"]+")?)\s*,\s*"([^"]+)"')
    fills = {"care.{kind}": ["care.visit", "care.delivery"], "supplies.{direction}": ["supplies.receipt",
                                                                                     "supplies.issue"]}
    for path in sources:
        for expr, entity in pattern.findall(path.read_text(encoding="utf-8")):
            for name in re.findall(r'"([^"]+)"', expr):
                for action in fills.get(name, [name]):
                    found.add((action, entity))
    place = (REPO / "geodata/fieldwork/places.py").read_text(encoding="utf-8")
    found |= {(a, "place") for a in re.findall(r'"(place\.\w+)"', place)}
    return found


def test_audit_words_every_field_work_action_and_record_in_chinese():
    recorded = _recorded_actions()
    assert len(recorded) >= 25 and ("event.import", "event") in recorded  # the scan found them
    ascii_word = re.compile(r"[A-Za-z_]{3,}")
    unworded = {(a, e) for a, e in recorded
                if ascii_word.search(changes.action_words(a, e, "zh")) or ascii_word.search(changes.entity_words(e))}
    assert unworded == set()


def test_the_open_events_layer_colours_by_overdue_and_urgency_and_names_no_reporter():
    frame = pd.DataFrame([
        {"code": "EV1", "kind": "hazard", "urgency": "normal", "handler_level": "grid", "overdue": True,
         "due_at": pd.Timestamp("2026-01-01 08:00"), "lon": 114.3, "lat": 30.6, "reporter_name": "张三"},
        {"code": "EV2", "kind": "request", "urgency": "urgent", "handler_level": "street", "overdue": False,
         "due_at": pd.Timestamp("2026-01-02 08:00"), "lon": 114.31, "lat": 30.61, "reporter_name": "李四"},
        {"code": "EV3", "kind": "request", "urgency": "normal", "handler_level": "community", "overdue": False,
         "due_at": None, "lon": None, "lat": None, "reporter_name": "王五"},  # no place: not drawn
    ])
    fg = event_layer(frame, {"hazard": "安全隐患", "request": "居民求助"}, {"grid": "网格", "street": "街道"},
                     lang="zh")
    m = folium.Map()
    fg.add_to(m)
    page = m.get_root().render()
    assert "EV1" in page and "EV2" in page and "EV3" not in page
    assert "张三" not in page and "李四" not in page
    assert [(e.label, e.count) for e in entries(frame, "zh")] == [("超期", 1), ("紧急", 1), ("一般", 1)]
    assert [e.count for e in entries(frame[frame["lon"].notna()], "zh")] == [1, 1, 0]  # what the map's legend counts


def test_the_map_layers_read_the_unit_in_view_and_leave_out_what_the_reader_may_not_see(city):
    head = actor(city, "head1")
    write(city, head, lambda ctx: events.log_event(ctx, "G11", "路灯坏了", building_code="G11K1B1"))
    c1, c2 = _unit(city, "C1"), _unit(city, "C2")
    groups, legends = field_layers.overlays(city, head, c1, ["events"], "zh")
    assert len(groups) == 1 and ">1<" in legends[0]
    other, _ = field_layers.overlays(city, actor(city, "head2"), c2, ["events"], "zh")
    assert other and ">0<" in _[0]  # the next community's map holds none of C1's events
    assert field_layers.overlays(city, actor(city, "wall"), c1, ["events"], "zh") == ([], [])


def _open(store, monkeypatch, username: str, page: str, **params: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", store.url)
    st.cache_data.clear()
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["gw_token"] = sessions.sign_in(store, username, PASSWORD).token
    switch_to(at, page)  # no first run of the default page (apptest_pages)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def test_pages_offer_downloads_and_uploads_by_role_and_the_wall_links_its_field_cards(city, monkeypatch):
    head = _open(city, monkeypatch, "head1", "views/events.py")
    assert not head.exception
    assert any("事件台账和巡查日志" in b.proto.label for b in head.get("download_button"))
    assert any("从 Excel 导入事件台账" in e.proto.label for e in head.get("expander"))
    health = _open(city, monkeypatch, "health1", "views/events.py")
    assert not health.exception and health.get("download_button")
    assert not any("导入" in e.proto.label for e in health.get("expander"))  # reads events, does not log them
    places = _open(city, monkeypatch, "head1", "views/places.py", section="unowned")
    assert not places.exception
    assert any("无主小区台账" in e.proto.label for e in places.get("expander"))
    command = _open(city, monkeypatch, "command", "views/wall.py")
    assert not command.exception
    pages = {p.proto.page for p in command.get("page_link")}
    assert {"events", "patrol", "gate"} <= pages
    wall = _open(city, monkeypatch, "wall", "views/wall.py")
    assert not wall.exception
    assert not {p.proto.page for p in wall.get("page_link")} & {"events", "patrol", "gate", "care", "screening"}
    st.cache_data.clear()
