"""无疫小区 lifecycle (domain file §2.9, scenario 20): the pass mark, each step's role, the notice period, the
revocation proposed on a confirmed case (in the case's transaction, and by sync after a bulk import) and confirmed
or dismissed by the command centre (issue 14 point 12), the flag layer and
the quarterly round.

Day 1 is 2026-09-01 (tests.risk_helpers), in round 2026Q3. The compound is G11K2 of tests.factories' small city.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

import geodata.store.reports_models  # noqa: F401 — the honour tables join Base.metadata
from geodata.base.problems import PermissionDenied, Rejected
from geodata.exchange.bulk import upsert_layer
from geodata.situation.alerts import acknowledge_alert
from geodata.situation.cases import record_case
from geodata.situation.honours import (
    applications,
    attach_evidence,
    attachment_content,
    attachments,
    award_flag,
    confirm_revocation,
    county_evaluate,
    dismiss_revocation,
    flags,
    publish_notice,
    quarter_bounds,
    quarter_of,
    reject_application,
    revocation_proposals,
    revoke_flag,
    round_status,
    round_window,
    start_application,
    steps,
    steps_for,
    street_review,
    submit_self_assessment,
    sync_proposals,
)
from geodata.store.db import MIGRATIONS
from geodata.store.hierarchy import unit_by_code
from geodata.store.models import Base, Event
from geodata.store.reports_models import HonourApplication
from geodata.situation.settings import set_setting
from geodata.store.writes import Actor, write
from tests.factories import load_small_city
from tests.risk_helpers import day

SYSTEM = Actor.system("test")
COMMAND = Actor("command", "command")
VIEWER = Actor("wall", "viewer")
APP = "WY-2026Q3-G11K2"
EVIDENCE = "自评表.pdf".encode() + b"%PDF-1.4 evidence"


@pytest.fixture
def city(store):
    load_small_city(store)
    with store.read() as s:
        paths = {code: unit_by_code(s, code).path for code in ("S1", "C1", "C2", "G11", "G21", "G11K2")}
    actors = {
        "head": Actor("head", "community_head", paths["C1"]),
        "grid": Actor("grid", "grid_leader", paths["G11"]),
        "other_head": Actor("head2", "community_head", paths["C2"]),
        "other_grid": Actor("grid21", "grid_leader", paths["G21"]),
        "supervisor": Actor("supervisor", "supervisor", paths["S1"]),
        "other_supervisor": Actor("sup-elsewhere", "supervisor", "/1/2/999/"),
        "command": COMMAND,
    }
    return store, actors


def run(store, actor, fn, *args, **kw):
    return write(store, actor, lambda ctx: fn(ctx, *args, **kw))


def applied(store, a, score=72):
    run(store, a["head"], start_application, "G11K2", on=day(1))
    run(store, a["head"], attach_evidence, APP, "自评表.pdf", EVIDENCE, content_type="application/pdf")
    return run(store, a["head"], submit_self_assessment, APP, score, on=day(1))


def awarded(store, a):
    applied(store, a)
    run(store, a["supervisor"], street_review, APP, on=day(2))
    run(store, a["command"], county_evaluate, APP, on=day(3))
    run(store, a["command"], publish_notice, APP, on=day(3))
    return run(store, a["command"], award_flag, APP, on=day(8))


def state(store, code=APP) -> str:
    with store.read() as s:
        return s.execute(select(HonourApplication.state).where(HonourApplication.code == code)).scalar_one()


def messages(exc) -> str:
    return " | ".join(f"{p.message_zh} / {p.message_en}" for p in exc.value.problems)


# --- scenario 20 ------------------------------------------------------------------------------------------------


def test_58_points_cannot_be_sent_on(city):
    store, a = city
    with pytest.raises(Rejected) as exc:
        applied(store, a, score=58)
    assert "自评58分，低于及格线60分，不能报送" in messages(exc) and "below the pass mark 60" in messages(exc)
    assert state(store) == "draft"


def test_72_points_go_through_street_review_county_evaluation_notice_and_the_flag(city):
    store, a = city
    applied(store, a, score=72)
    assert state(store) == "self_assessed"
    run(store, a["supervisor"], street_review, APP, on=day(2), note="资料齐全")
    assert state(store) == "street_reviewed"
    run(store, a["command"], county_evaluate, APP, on=day(3), inspections=("明查", "暗访"))
    assert state(store) == "county_evaluated"
    run(store, a["command"], publish_notice, APP, on=day(3))
    assert state(store) == "public_notice"
    with pytest.raises(Rejected) as exc:  # five days of notice: from day 3, the flag on day 8
        run(store, a["command"], award_flag, APP, on=day(7))
    assert "公示期未满" in messages(exc)
    run(store, a["command"], award_flag, APP, on=day(8))
    assert state(store) == "awarded"
    with store.read() as s:
        history = steps(s, APP)
        events = s.execute(select(Event.action, Event.actor).where(Event.entity == "honour").order_by(Event.id)).all()
        layer = flags(s, "S1", on=day(8))
    assert list(history["step"]) == ["apply", "self_assess", "street_review", "county_evaluate", "publish_notice",
                                     "award"]
    assert list(history["actor"]) == ["head", "head", "supervisor", "command", "command", "command"]
    assert [e.action for e in events] == ["honour.apply", "honour.attach", "honour.self_assess",
                                          "honour.street_review", "honour.county_evaluate", "honour.publish_notice",
                                          "honour.award"]
    assert list(layer["compound_code"]) == ["G11K2"] and list(layer["flag"]) == ["awarded"]


def test_the_pass_mark_is_a_setting(city):
    store, a = city
    run(store, a["command"], set_setting, "honours", {"pass_mark": 75})
    with pytest.raises(Rejected) as exc:
        applied(store, a, score=72)
    assert "及格线75分" in messages(exc)


def test_self_assessment_needs_evidence(city):
    store, a = city
    run(store, a["head"], start_application, "G11K2", on=day(1))
    with pytest.raises(Rejected) as exc:
        run(store, a["head"], submit_self_assessment, APP, 80, on=day(1))
    assert "佐证资料" in messages(exc)


# --- each step's permission -----------------------------------------------------------------------------------


def test_only_the_compounds_community_staff_apply_and_self_assess(city):
    store, a = city
    for who in ("other_head", "other_grid", "supervisor", "command"):
        with pytest.raises(PermissionDenied):
            run(store, a[who], start_application, "G11K2", on=day(1))
    run(store, a["grid"], start_application, "G11K2", on=day(1))
    for who in ("other_head", "supervisor", "command"):
        with pytest.raises(PermissionDenied):
            run(store, a[who], attach_evidence, APP, "x.pdf", b"x")
    run(store, a["grid"], attach_evidence, APP, "x.pdf", b"x")
    for who in ("other_head", "supervisor", "command"):
        with pytest.raises(PermissionDenied):
            run(store, a[who], submit_self_assessment, APP, 80, on=day(1))
    run(store, a["head"], submit_self_assessment, APP, 80, on=day(1))


def test_only_the_streets_supervisor_reviews(city):
    store, a = city
    applied(store, a)
    for who in ("head", "other_supervisor", "command"):
        with pytest.raises(PermissionDenied):
            run(store, a[who], street_review, APP, on=day(2))
    with store.read() as s:
        app = s.execute(select(HonourApplication)).scalar_one()
        assert steps_for(a["supervisor"], app) == ["street_review"]
        assert steps_for(a["head"], app) == ["attach"]
        assert steps_for(VIEWER, app) == []
    run(store, a["supervisor"], street_review, APP, on=day(2))


def test_only_the_command_centre_evaluates_publishes_awards_and_revokes(city):
    store, a = city
    applied(store, a)
    run(store, a["supervisor"], street_review, APP, on=day(2))
    steps_ = [(county_evaluate, {}), (publish_notice, {}), (award_flag, {}), (revoke_flag, {"reason": "复查不合格"})]
    for fn, kw in steps_:
        for who in ("head", "supervisor"):
            with pytest.raises(PermissionDenied):
                run(store, a[who], fn, APP, on=day(8), **kw)
        with pytest.raises(PermissionDenied):
            run(store, VIEWER, fn, APP, on=day(8), **kw)
        run(store, a["command"], fn, APP, on=day(3) if fn in (county_evaluate, publish_notice) else day(8), **kw)
    assert state(store) == "revoked"


def test_steps_out_of_order_are_refused(city):
    store, a = city
    applied(store, a)
    with pytest.raises(Rejected) as exc:
        run(store, a["command"], award_flag, APP, on=day(8))
    assert "不能授旗" in messages(exc)
    with pytest.raises(Rejected):
        run(store, a["command"], county_evaluate, APP, on=day(3))


def test_a_returned_application_can_be_assessed_again(city):
    store, a = city
    applied(store, a)
    with pytest.raises(Rejected):
        run(store, a["supervisor"], street_review, APP, approve=False, on=day(2))  # no reason
    run(store, a["supervisor"], street_review, APP, approve=False, note="缺少消毒台账", on=day(2))
    assert state(store) == "returned"
    run(store, a["head"], submit_self_assessment, APP, 81, on=day(4))
    assert state(store) == "self_assessed"


def test_an_objection_during_the_notice_rejects_the_application(city):
    store, a = city
    applied(store, a)
    run(store, a["supervisor"], street_review, APP, on=day(2))
    run(store, a["command"], county_evaluate, APP, on=day(3))
    run(store, a["command"], publish_notice, APP, on=day(3))
    run(store, a["command"], reject_application, APP, "公示期间收到实名举报，经核实", on=day(5))
    assert state(store) == "rejected"


# --- revocation ---------------------------------------------------------------------------------------------------


def proposals(store, unit=None):
    with store.read() as s:
        return revocation_proposals(s, unit)


def test_a_confirmed_case_in_the_flagged_compound_proposes_revocation_and_the_command_confirms(city):
    """Issue 14 point 12 (001 §七): the case raises a proposal for the county command centre; the flag is revoked
    only when the command centre confirms, and the revocation is logged under that person, not the recorder."""
    store, a = city
    awarded(store, a)
    result = run(store, a["head"], record_case, kind="confirmed", reported_on=day(10), building_code="G11K2B1",
                 code="A1")
    assert [p.subject_code for p in result.honour_proposals] == [APP]
    assert state(store) == "awarded"  # nothing revoked by the case itself
    pending = proposals(store, "S1")
    assert (list(pending["application"]), list(pending["cases"]), list(pending["raised_by"])) == (
        [APP], ["A1"], ["head"])
    alert_id = int(pending.iloc[0]["id"])
    # the wall's acknowledgement cannot clear it, and only the command centre confirms
    with pytest.raises(Rejected) as exc:
        run(store, a["command"], acknowledge_alert, alert_id)
    assert "不能直接确认" in messages(exc)
    with pytest.raises(PermissionDenied):
        run(store, a["supervisor"], confirm_revocation, alert_id, on=day(11))
    assert state(store) == "awarded"
    run(store, a["command"], confirm_revocation, alert_id, on=day(11))
    with store.read() as s:
        app = s.execute(select(HonourApplication)).scalar_one()
        layer = flags(s, "S1")
        before = flags(s, "S1", on=day(10))
        event = s.execute(select(Event).where(Event.action == "honour.revoke")).scalar_one()
    assert (app.state, app.revoked_on) == ("revoked", day(11))
    assert "A1" in app.revoked_reason and "经指挥部确认" in app.revoked_reason
    assert list(layer["flag"]) == ["revoked"] and list(before["flag"]) == ["awarded"]
    assert event.new["automatic"] is False and event.new["cases"] == ["A1"] and event.actor == "command"
    assert proposals(store).empty
    with pytest.raises(Rejected) as exc:  # dealt with: a second confirmation is refused
        run(store, a["command"], confirm_revocation, alert_id, on=day(11))
    assert "已由 command 处理" in messages(exc)


def test_the_command_dismisses_a_proposal_with_a_reason_and_the_flag_stays(city):
    store, a = city
    awarded(store, a)
    run(store, a["head"], record_case, kind="confirmed", reported_on=day(10), building_code="G11K2B1", code="A1")
    alert_id = int(proposals(store).iloc[0]["id"])
    with pytest.raises(Rejected) as exc:
        run(store, a["command"], dismiss_revocation, alert_id, "  ", on=day(11))
    assert "说明理由" in messages(exc)
    with pytest.raises(PermissionDenied):
        run(store, a["head"], dismiss_revocation, alert_id, "病例系外地输入，小区未发生传播", on=day(11))
    with pytest.raises(Rejected) as exc:  # no date after today
        run(store, a["command"], dismiss_revocation, alert_id, "输入病例", on=dt.date.today() + dt.timedelta(days=1))
    assert "晚于今天" in messages(exc)
    run(store, a["command"], dismiss_revocation, alert_id, "病例系外地输入，小区未发生传播", on=day(11))
    assert state(store) == "awarded" and proposals(store).empty
    with store.read() as s:
        history = steps(s, APP)
        event = s.execute(select(Event).where(Event.action == "honour.dismiss_revocation")).scalar_one()
    assert list(history["step"])[-1] == "dismiss_revocation" and list(history["note"])[-1].startswith("病例系外地")
    assert (event.actor, event.new["cases"]) == ("command", ["A1"])
    # the dismissed case is not proposed again; a later case is
    assert write(store, SYSTEM, lambda ctx: sync_proposals(ctx, day(20))) == []
    run(store, a["head"], record_case, kind="confirmed", reported_on=day(12), building_code="G11K2B2", code="A2")
    assert list(proposals(store)["cases"]) == ["A2"]


def test_cases_that_do_not_propose(city):
    store, a = city
    awarded(store, a)

    def cases(ctx):
        out = []
        for code, kind, building in (("B1", "close_contact", "G11K2B1"), ("B2", "suspected", "G11K2B2"),
                                     ("B3", "confirmed", "G11K1B1")):  # another compound
            r = record_case(ctx, kind=kind, reported_on=day(10), building_code=building, code=code)
            out += r.honour_proposals
        return out

    assert write(store, a["head"], cases) == []
    assert state(store) == "awarded" and proposals(store).empty


def test_a_second_case_joins_the_open_proposal(city):
    store, a = city
    awarded(store, a)
    run(store, a["head"], record_case, kind="confirmed", reported_on=day(8), building_code="G11K2B1", code="A1")
    run(store, a["head"], record_case, kind="confirmed", reported_on=day(9), building_code="G11K2B2", code="A2")
    pending = proposals(store)
    assert (len(pending), pending.iloc[0]["cases"], pending.iloc[0]["case_days"]) == (
        1, "A1、A2", f"{day(8)}、{day(9)}")


def test_a_case_before_the_award_blocks_it(city):
    store, a = city
    applied(store, a)
    run(store, a["supervisor"], street_review, APP, on=day(2))
    run(store, a["command"], county_evaluate, APP, on=day(3))
    run(store, a["command"], publish_notice, APP, on=day(3))
    run(store, a["head"], record_case, kind="confirmed", reported_on=day(6), building_code="G11K2B1", code="A0")
    with pytest.raises(Rejected) as exc:
        run(store, a["command"], award_flag, APP, on=day(8))
    assert "A0" in messages(exc) and "不能授旗" in messages(exc)
    run(store, a["command"], award_flag, APP, on=day(6 + 14))  # 14 case-free days later


def test_sync_proposes_after_a_bulk_case_import_and_is_idempotent(city):
    store, a = city
    awarded(store, a)
    write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "cases", pd.DataFrame([
        {"code": "IMP1", "kind": "confirmed", "reported_on": day(12), "building_code": "G11K2B2"},
        {"code": "IMP0", "kind": "confirmed", "reported_on": day(5), "building_code": "G11K2B1"},  # before award
    ])))
    assert proposals(store).empty
    with pytest.raises(PermissionDenied):
        write(store, a["head"], lambda ctx: sync_proposals(ctx, day(20)))
    first = write(store, SYSTEM, lambda ctx: [x.subject_code for x in sync_proposals(ctx, day(20))])
    second = write(store, SYSTEM, lambda ctx: [x.subject_code for x in sync_proposals(ctx, day(20))])
    assert (first, second) == ([APP], [])
    assert state(store) == "awarded" and list(proposals(store)["cases"]) == ["IMP1"]


def test_sync_before_the_case_day_proposes_nothing(city):
    store, a = city
    awarded(store, a)
    write(store, SYSTEM, lambda ctx: upsert_layer(ctx, "cases", pd.DataFrame([
        {"code": "IMP1", "kind": "confirmed", "reported_on": day(12), "building_code": "G11K2B2"}])))
    assert write(store, SYSTEM, lambda ctx: sync_proposals(ctx, day(11))) == []


# --- evidence ------------------------------------------------------------------------------------------------------


def test_evidence_is_stored_with_its_hash_and_a_size_limit(city):
    store, a = city
    run(store, a["head"], start_application, "G11K2", on=day(1))
    att = run(store, a["head"], attach_evidence, APP, "C:\\资料\\台账.xlsx", b"0123456789")
    run(store, a["command"], set_setting, "honours", {"max_attachment_bytes": 10})
    with pytest.raises(Rejected) as exc:
        run(store, a["head"], attach_evidence, APP, "big.pdf", b"0123456789A")
    assert "文件过大" in messages(exc)
    with pytest.raises(Rejected):
        run(store, a["head"], attach_evidence, APP, "empty.pdf", b"")
    with store.read() as s:
        listed = attachments(s, APP)
        name, _, content = attachment_content(s, att.id)
    assert list(listed["file_name"]) == ["台账.xlsx"]
    assert listed.iloc[0]["sha256"] == "84d89877f0d4041efb6bf91a16f0248f2fd573e6af05c19f96bedb9f882f7882"
    assert (name, content) == ("台账.xlsx", b"0123456789")


def test_a_compound_applies_once_per_round_and_not_while_flagged(city):
    store, a = city
    awarded(store, a)
    with pytest.raises(Rejected) as exc:
        run(store, a["head"], start_application, "G11K2", on=day(40))
    assert "已获授旗" in messages(exc)
    run(store, a["head"], start_application, "G11K1", on=day(1))
    with pytest.raises(Rejected) as exc:
        run(store, a["head"], start_application, "G11K1", on=day(2))
    assert "已有申报" in messages(exc)


# --- quarterly rounds ------------------------------------------------------------------------------------------


def test_quarters_and_the_round_window():
    assert quarter_of(dt.date(2026, 9, 30)) == "2026Q3" and quarter_of(dt.date(2026, 10, 1)) == "2026Q4"
    assert quarter_bounds("2026Q4") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    with pytest.raises(Rejected):
        quarter_bounds("2026-4")


def test_round_status_per_street(city):
    store, a = city
    awarded(store, a)
    run(store, a["head"], record_case, kind="confirmed", reported_on=day(10), building_code="G11K2B1", code="A1")
    run(store, a["command"], confirm_revocation, int(proposals(store).iloc[0]["id"]), on=day(10))
    run(store, a["head"], start_application, "G12K1", on=day(2))  # a draft is not "applied"
    with store.read() as s:
        q3 = round_status(s, "D1", "2026Q3").iloc[0]
        q4 = round_status(s, "S1", "2026Q4").iloc[0]
        from_community = round_status(s, "C1", "2026Q3")
        window = round_window(s, "2026Q3")
        listed = applications(s, "S1", quarter="2026Q3")
    assert (q3["street_code"], q3["compounds"], q3["applied"], q3["awarded"], q3["revoked"], q3["due"]) == (
        "S1", 8, 1, 1, 1, 0)
    assert (q4["applied"], q4["due"], q4["flags_held"]) == (0, 1, 0)
    assert list(from_community["street_code"]) == ["S1"]
    assert (window["apply_from"], window["accept_until"]) == (dt.date(2026, 9, 21), dt.date(2026, 10, 10))
    assert set(listed["state"]) == {"revoked", "draft"} and set(listed["street_name"]) == {"大智街道"}


# --- schema ------------------------------------------------------------------------------------------------------

HONOUR_TABLES = {"honour_applications", "honour_steps", "honour_attachments"}


def _cfg(conn) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def test_migration_creates_the_honour_tables_as_the_models_define_them_and_goes_back(store):
    with store.engine.connect() as conn:
        assert HONOUR_TABLES <= set(inspect(conn).get_table_names())
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if any(f"'{t}'" in repr(d) or f"<{t}>" in repr(d) for t in HONOUR_TABLES)] == []
    with store.engine.begin() as conn:
        command.downgrade(_cfg(conn), "0004@-1")
    with store.engine.connect() as conn:
        assert not HONOUR_TABLES & set(inspect(conn).get_table_names())
    store.migrate()
    with store.engine.connect() as conn:
        assert HONOUR_TABLES <= set(inspect(conn).get_table_names())


def test_candidates_leave_out_flagged_compounds_and_those_already_applying(city):
    from geodata.situation.honours import candidates

    store, a = city
    awarded(store, a)  # G11K2, round 2026Q3
    run(store, a["head"], start_application, "G11K1", quarter="2026Q4", on=day(40))
    with store.read() as s:
        q4 = list(candidates(s, "C1", "2026Q4")["code"])
        q3 = list(candidates(s, "G11", "2026Q3")["code"])
    assert "G11K2" not in q4 and "G11K1" not in q4 and "G12K1" in q4
    assert q3 == ["G11K1"]


def test_a_suspected_case_confirmed_later_proposes_revocation(city):
    from geodata.situation.cases import reclassify_case

    store, a = city
    awarded(store, a)
    run(store, a["head"], record_case, kind="suspected", reported_on=day(10), building_code="G11K2B1", code="S9")
    assert proposals(store).empty
    write(store, a["head"], lambda ctx: reclassify_case(ctx, "S9", "confirmed"))
    assert state(store) == "awarded" and list(proposals(store)["cases"]) == ["S9"]


def test_an_imported_case_file_proposes_revocation_through_the_import_command(city):
    from geodata.exchange.imports import import_frame

    store, a = city
    awarded(store, a)
    import_frame(store, a["head"], "cases", pd.DataFrame([
        {"code": "IMP9", "kind": "confirmed", "reported_on": day(12), "building_code": "G11K2B2"}]))
    assert state(store) == "awarded" and list(proposals(store)["cases"]) == ["IMP9"]
