"""The audit log in plain words (issue 16 point 6): action names, old → new per field with labels, local time, no
JSON and no "None"."""
from __future__ import annotations

from geodata.editing import changes
from geodata.editing.records import update_record
from geodata.people import audit
from geodata.store.writes import Actor, write
from tests.factories import load_small_city
from tests.risk_helpers import unit


def test_a_change_reads_as_fields_and_labelled_values():
    said = changes.describe("building", {"control_state": "normal", "control_reason": None, "version": 1},
                            {"control_state": "sealed", "control_reason": "出现密接", "version": 2})
    assert said == "管控状态：常态化防控 → 封锁/硬隔离；管控原因：（空） → 出现密接"
    assert "None" not in said and "{" not in said and "version" not in said
    assert changes.describe("checkpoint", {"is_24h": True, "status": "open"}, {"is_24h": False, "status": "closed"}) \
        .startswith("24小时值守：是 → 否；状态：")
    assert changes.describe("observation", None, {"kind": "home", "person_id": 3, "symptoms": ["fever", "cough"]}) \
        == "隔离方式：居家医学观察；症状：fever、cough"
    assert changes.describe("unit", {"a": 1}, {"a": 1}) == ""  # nothing changed, nothing said
    assert "leader_name" not in changes.describe("unit", {"leader_name": "甲"}, {"leader_name": "乙"})


def test_actions_have_names():
    assert changes.action_words("building.update") == "修改楼栋"
    assert changes.action_words("checkpoint.create") == "新增卡点/出入口"
    assert changes.action_words("control.change") == "变更管控状态"
    assert changes.action_words("health_check.record") == "登记健康随访"  # the authority table's name
    assert changes.action_words("building.update", lang="en") == "edit building"
    assert changes.action_filter_words("checkpoint.") == "卡点/出入口（全部操作）"
    assert changes.action_words("something.odd") == "something.odd"  # unknown: as stored, never dropped


def test_an_edit_reads_in_words_in_the_log(store):
    load_small_city(store)
    head = Actor("head", "community_head", unit(store, "C1").path)
    write(store, head, lambda ctx: update_record(ctx, "unit", "C1", {"leader_name": "新书记"}, expected_version=1))
    with store.read() as s:
        frame = changes.in_words(audit.history(s, head, "unit", "C1"))
    row = frame.iloc[-1]
    assert row["action"] == "修改单元" and row["entity"] == "单元"
    assert row["change"] == "负责人：王书记 → 新书记"
    assert "old" not in frame.columns and "new" not in frame.columns
    assert len(row["at"]) == 19 and row["at"][4] == "-"
    assert row["reason"] == ""  # none given: blank, not None
