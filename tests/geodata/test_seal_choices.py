"""封锁 and 硬隔离 are two states to whoever chooses them (issue 14 "Words", 000 §3(一)4 and §1(三)/§3(二)): /my-grid's
control form offers them apart and saves a choice as the state `sealed` with its basis, through the write path the
page uses (geodata.editing.records.update_record); a sealed building given the other basis is an audited change."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from geodata.base.problems import Rejected
from geodata.base.vocab import CONTROL_CHOICES, control_choice, control_label
from geodata.editing import changes
from geodata.editing.records import Conflict, update_record
from geodata.reporting.briefing import build_briefing
from geodata.situation.control import choice_fields, control_choices, lift_check, set_control
from geodata.store.models import Event
from tests.factories import load_small_city
from tests.risk_helpers import GRID, HEAD, building, day, run


def _choose(store, actor, code, choice, reason, *, version=None):
    """What the form's save sends: the choice as state + basis, the reason, against the version read."""
    version = building(store, code).version if version is None else version
    return run(store, actor, update_record, "building", code, choice_fields(choice) | {"control_reason": reason},
               expected_version=version, reason=reason)


def _control_events(store, code):
    with store.read() as s:
        return s.execute(select(Event).where(Event.action == "control.change", Event.entity_code == code)
                         .order_by(Event.id)).scalars().all()


def test_the_form_offers_lockdown_and_hard_isolation_as_two_choices():
    offered = control_choices("normal")
    assert offered == ["normal", "closed", "lockdown", "hard_isolation", "epidemic_spot"]
    assert [CONTROL_CHOICES[c].label() for c in offered] == ["常态化防控", "封闭管理", "封锁", "硬隔离", "疫点"]
    assert [CONTROL_CHOICES[c].label("en") for c in offered][2:4] == ["Lockdown", "Hard isolation"]
    assert "封锁/硬隔离" not in [CONTROL_CHOICES[c].label() for c in offered]
    # 已解除 and a sealing without a recorded basis are only ever the current value, never a new choice
    assert control_choices("lifted")[-1] == "lifted" and "sealed" not in control_choices("lifted")
    assert "sealed" in control_choices(control_choice("sealed", None))
    assert (control_choice("sealed", "hard_isolation"), control_choice("closed", None)) == ("hard_isolation", "closed")


def test_choosing_lockdown_or_hard_isolation_seals_with_that_basis(store):
    load_small_city(store)
    _choose(store, HEAD, "G11K1B1", "lockdown", "卫健委建议：楼栋封锁")
    _choose(store, GRID, "G11K2B1", "hard_isolation", "邻楼聚集性疫情")
    first, second = building(store, "G11K1B1"), building(store, "G11K2B1")
    assert (first.control_state, first.control_basis) == ("sealed", "lockdown")
    assert (second.control_state, second.control_basis) == ("sealed", "hard_isolation")
    assert control_label(second.control_state, second.control_basis) == "硬隔离"
    assert _control_events(store, "G11K2B1")[-1].new["basis"] == "hard_isolation"


def test_a_sealed_building_changes_from_lockdown_to_hard_isolation_audited(store):
    load_small_city(store)
    _choose(store, HEAD, "G11K1B1", "lockdown", "卫健委建议：楼栋封锁")
    sealed = building(store, "G11K1B1")
    change = _choose(store, HEAD, "G11K1B1", "hard_isolation", "同楼出现聚集性疫情，改为硬隔离")
    b = building(store, "G11K1B1")
    assert (b.control_state, b.control_basis) == ("sealed", "hard_isolation")
    assert b.control_since == sealed.control_since  # the same sealing goes on: the lift guard counts from its start
    assert b.control_reason == "同楼出现聚集性疫情，改为硬隔离"
    assert b.version > sealed.version and change.new == {"control_basis": "hard_isolation"}
    ev = _control_events(store, "G11K1B1")[-1]
    assert (ev.old["basis"], ev.new["basis"], ev.new["state"]) == ("lockdown", "hard_isolation", "sealed")
    assert ev.actor == "head" and ev.reason == "同楼出现聚集性疫情，改为硬隔离"
    assert "封锁依据：封锁 → 硬隔离" in changes.describe("building", ev.old, ev.new)
    with store.read() as s:
        assert control_label(lift_check(s, "G11K1B1").state, lift_check(s, "G11K1B1").basis) == "硬隔离"
    # the same choice again is nothing to save: no event
    assert _choose(store, HEAD, "G11K1B1", "hard_isolation", "再次确认").new == {}
    assert len(_control_events(store, "G11K1B1")) == 2


def test_the_command_changes_a_basis_and_a_bare_resealing_keeps_it(store):
    load_small_city(store)
    run(store, HEAD, set_control, "G11K1B1", "硬隔离", "聚集性疫情", on=day(1))
    # "sealed" names no basis: the sealing stays as recorded, nothing is written
    assert run(store, HEAD, set_control, "G11K1B1", "sealed", "再次确认", on=day(2)) is None
    assert building(store, "G11K1B1").control_basis == "hard_isolation"
    changed = run(store, HEAD, set_control, "G11K1B1", "封锁", "卫健委建议改为封锁", on=day(2))
    assert (changed.old, changed.new) == ("sealed", "sealed")
    assert building(store, "G11K1B1").control_basis == "lockdown"
    assert _control_events(store, "G11K1B1")[-1].new["on"] == day(2).isoformat()


def test_a_basis_change_is_refused_against_a_stale_version_and_without_a_reason(store):
    load_small_city(store)
    _choose(store, HEAD, "G11K1B1", "lockdown", "卫健委建议：楼栋封锁")
    read = building(store, "G11K1B1").version
    _choose(store, GRID, "G11K1B1", "hard_isolation", "聚集性疫情")
    with pytest.raises(Conflict):
        _choose(store, HEAD, "G11K1B1", "lockdown", "改回封锁", version=read)
    with pytest.raises(Rejected) as err:
        _choose(store, HEAD, "G11K1B1", "lockdown", "")
    assert [p.field for p in err.value.errors] == ["reason"]
    # a basis alone, without the state, is refused naming the basis
    with pytest.raises(Rejected) as err:
        run(store, HEAD, update_record, "building", "G11K1B1", {"control_basis": "lockdown"},
            expected_version=building(store, "G11K1B1").version)
    assert [p.field for p in err.value.errors] == ["control_basis"]
    assert building(store, "G11K1B1").control_basis == "hard_isolation"


def test_the_briefing_lists_a_basis_change_of_the_day_by_both_words(store):
    load_small_city(store)
    today = dt.date.today()
    run(store, HEAD, set_control, "G11K1B1", "封锁", "卫健委建议：楼栋封锁", on=today - dt.timedelta(days=1))
    _choose(store, HEAD, "G11K1B1", "hard_isolation", "同楼出现聚集性疫情，改为硬隔离")
    with store.read() as s:
        lines = list(build_briefing(s, "D1", today, dt.datetime.now()).changes["text_zh"])
        before = list(build_briefing(s, "D1", today - dt.timedelta(days=1), dt.datetime.now()).changes["text_zh"])
    assert [t for t in lines if "1栋" in t] == ["幸福1小区1栋：封锁→硬隔离"]
    assert [t for t in before if "1栋" in t] == ["幸福1小区1栋：常态化防控→封锁"]
