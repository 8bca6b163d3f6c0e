"""/honours: the command centre confirms or dismisses a proposal to revoke a 无疫小区 flag (issue 14 point 12,
001 §七); a community head sees it read-only. AppTest on tests.factories' small city, through the page's buttons."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from geodata.situation.cases import record_case
from geodata.situation.honours import (
    attach_evidence,
    award_flag,
    county_evaluate,
    publish_notice,
    start_application,
    street_review,
    submit_self_assessment,
)
from geodata.store.models import Alert, Event
from geodata.store.reports_models import HonourApplication
from geodata.store.writes import Actor, write
from tests.factories import TODAY
from tests.geodata.test_reports_pages import city, click, page, texts  # noqa: F401 — fixtures

SYSTEM = Actor.system("test")
COMMAND = Actor("command", "command")


def flagged_with_a_case(store) -> str:
    """G11K2 holds the flag since TODAY-20 and has a confirmed case on TODAY-1."""
    d = TODAY - dt.timedelta(days=40)
    code = write(store, SYSTEM, lambda ctx: start_application(ctx, "G11K2", on=d).code)
    write(store, SYSTEM, lambda ctx: attach_evidence(ctx, code, "自评表.pdf", b"%PDF"))
    write(store, SYSTEM, lambda ctx: submit_self_assessment(ctx, code, 72, on=d))
    write(store, SYSTEM, lambda ctx: street_review(ctx, code, on=d))
    write(store, COMMAND, lambda ctx: county_evaluate(ctx, code, on=d))
    write(store, COMMAND, lambda ctx: publish_notice(ctx, code, on=d))
    write(store, COMMAND, lambda ctx: award_flag(ctx, code, on=TODAY - dt.timedelta(days=20)))
    write(store, SYSTEM, lambda ctx: record_case(ctx, kind="confirmed", reported_on=TODAY - dt.timedelta(days=1),
                                                 building_code="G11K2B1", code="HP1"))
    return code


def state(store) -> str:
    with store.read() as s:
        return s.execute(select(HonourApplication.state)).scalar_one()


def test_command_confirms_the_revocation_from_the_page_and_a_head_only_reads_it(city, page):
    store, paths = city
    flagged_with_a_case(store)
    head = page(store, "honours", Actor("head1", "community_head", paths["C1"]))
    assert "确认取消授旗" not in [b.label for b in head.button]
    assert "由指挥部确认或驳回。" in texts(head)
    at = page(store, "honours", COMMAND)
    assert any("待确认的取消授旗建议（1）" in m.value for m in at.markdown)
    assert state(store) == "awarded"
    at = click(at, "确认取消授旗")
    assert "已取消授旗" in texts(at)
    with store.read() as s:
        event = s.execute(select(Event).where(Event.action == "honour.revoke")).scalar_one()
        open_ = s.execute(select(Alert.id).where(Alert.kind == "honour_revocation",
                                                 Alert.acknowledged_by.is_(None))).all()
    assert state(store) == "revoked" and event.actor == "command" and open_ == []


def test_dismissing_without_a_reason_is_refused_on_the_page_then_kept_with_one(city, page):
    store, _ = city
    flagged_with_a_case(store)
    at = click(page(store, "honours", COMMAND), "驳回，保留旗帜")
    assert "保留旗帜须说明理由" in texts(at) and state(store) == "awarded"
    at.text_input(key=next(t.key for t in at.text_input if t.label.startswith("理由"))).input("输入病例，小区未传播")
    at = click(at, "驳回，保留旗帜")
    assert "已驳回建议，旗帜保留" in texts(at) and state(store) == "awarded"
    assert not any("待确认的取消授旗建议" in m.value for m in at.markdown)
