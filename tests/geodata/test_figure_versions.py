"""The figures version (geodata.store.versions; issue 18, the 16:00 rush): a daily report, a sign-in or a failed one
changes no map figure, so the figures version stays and every figure computed for it stays valid; any other write
moves it, whichever way it writes — ORM, SQL text, or a statement that cannot be read.

And the reads pages key on the figures version read none of what such a write changes.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, event, text

from geodata.people.accounts import authenticate, create_user
from geodata.people.sessions import sign_in, sign_out
from geodata.reporting import figures
from geodata.reporting.reports import submit_report
from geodata.situation.control import set_control
from geodata.store.hierarchy import ref, unit_by_code
from geodata.store.versions import FIGURES_KEY, FIGURES_NEUTRAL_TABLES, versions
from geodata.store.writes import Actor, write
from tests.factories import TODAY, load_small_city

SYSTEM = Actor.system("test")
PASSWORD = "secret-password"


def _versions(store) -> tuple[int, int]:
    """(data version, figures version)."""
    return store.data_version(), int(store.meta(FIGURES_KEY))


def _report(store) -> None:
    write(store, SYSTEM, lambda ctx: submit_report(ctx, "C1", TODAY, zero=True,
                                                    now=dt.datetime.combine(TODAY, dt.time(9))))


def test_reports_and_sign_ins_keep_the_figures_version_other_writes_move_it(store) -> None:  # both backends
    load_small_city(store)
    write(store, SYSTEM, lambda ctx: create_user(ctx, "head", "社区书记", "community_head", "C1", PASSWORD))
    data, figs = _versions(store)
    assert figs == data  # the last write (a new account) may change what figures read: it moved it

    _report(store)
    signed = sign_in(store, "head", PASSWORD)
    assert not authenticate(store, "head", "wrong-password").ok  # a failed attempt is audited: a write
    sign_out(store, signed.token)
    now = _versions(store)
    assert now[0] >= data + 4 and now[1] == figs  # four writes, no figure changed

    write(store, SYSTEM, lambda ctx: set_control(ctx, "G11K1B1", "closed", "封闭管理", on=TODAY))
    assert _versions(store)[1] == store.data_version() > now[0]


@pytest.mark.parametrize(("sql", "moves"), [
    ("UPDATE units SET name = name", True),  # SQL text to a table figures read
    ("DELETE FROM daily_reports WHERE 1 = 0", False),  # to a neutral one
])
def test_a_write_in_sql_text_is_tracked_like_any_other(store, sql, moves) -> None:
    load_small_city(store)
    _, figs = _versions(store)
    write(store, SYSTEM, lambda ctx: ctx.session.execute(text(sql)))
    data, after = _versions(store)
    assert after == (data if moves else figs)


def test_a_statement_that_cannot_be_read_counts_as_changing_figures(store) -> None:
    load_small_city(store)
    _, figs = _versions(store)
    sql = ("WITH gone AS (DELETE FROM daily_reports WHERE 1 = 0 RETURNING id) SELECT count(*) FROM gone"
           if store.backend == "postgresql" else "REPLACE INTO meta (key, value) VALUES ('x', 'y')")
    write(store, SYSTEM, lambda ctx: ctx.session.execute(text(sql)))
    data, after = _versions(store)
    assert after == data != figs


def test_a_neutral_table_written_with_an_event_that_is_not_neutral_moves_the_figures_version(store) -> None:
    load_small_city(store)
    _, figs = _versions(store)

    def revoke_and_say_so(ctx) -> None:  # auth_sessions is neutral, a control change event is not
        ctx.session.execute(text("UPDATE auth_sessions SET revoked_at = NULL WHERE 1 = 0"))
        ctx.record("building.control", "building", "G11K1B1")
    write(store, SYSTEM, revoke_and_say_so)
    data, after = _versions(store)
    assert after == data != figs


def test_every_process_shows_the_figures_version_of_the_version_it_shows(store) -> None:
    load_small_city(store)
    first = versions(store, 15, now=1000.0)
    _report(store)
    _report(store)
    moved = versions(store, 15, now=1020.0)  # due: the version shown moves on, its figures version does not
    assert moved.shown == first.shown + 2 and moved.shown_figures == first.shown_figures
    assert moved.live_figures == first.live_figures


def _statements(run) -> list[str]:
    seen: list[str] = []

    def note(conn, cursor, statement, *_a) -> None:  # noqa: ANN001
        seen.append(statement)
    event.listen(Engine, "before_cursor_execute", note)
    try:
        run()
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    return seen


def test_the_reads_keyed_on_the_figures_version_read_no_table_a_neutral_write_changes(store) -> None:
    """Else a report would not show where they show it until some other write came. `events` is read by figures
    (control changes), but only for the actions named — never those a neutral write records."""
    from geodata.fieldwork import care, entries, events, patrols, screening, supplies
    from geodata.situation.honours import flags

    load_small_city(store)
    _report(store)

    def reads() -> None:
        with store.read() as s:
            city, street = figures.root_unit(s), ref(unit_by_code(s, "S1"))
            figures.children_with_figures(s, street, TODAY, reports=False)
            figures.units_with_figures(s, city, 4, TODAY, reports=False)
            figures.unit_with_figures(s, ref(unit_by_code(s, "C1")), TODAY, reports=False)
            figures.situations_at_level(s, city, 4, TODAY)
            figures.unit_totals(s, city, TODAY)
            grid = ref(unit_by_code(s, "G11"))
            figures.buildings_in(s, grid, TODAY)
            figures.checkpoints_in(s, grid)
            figures.outlines(s, 3, city)
            flags(s, "S1", TODAY)
            care.overdue_by_grid(s, city.path, TODAY)
            supplies.lowest_days_left(s, city.path, TODAY, limit=3)
            screening.open_round_counts(s, city.path)
            events.event_counts(s, city.path, TODAY)
            patrols.grids_not_patrolled(s, city.path, TODAY)
            entries.gate_totals(s, TODAY, city.path)

    seen = _statements(reads)
    assert len(seen) > 20
    for sql in seen:
        low = sql.lower()
        for table in FIGURES_NEUTRAL_TABLES - {"events"}:
            assert table not in low, (table, sql)
        if "from events" in low or "join events" in low:
            assert "action" in low, sql
    with_reports = _statements(lambda: _children_with_reports(store))
    assert any("daily_reports" in sql.lower() for sql in with_reports)  # the check can see a report read


def _children_with_reports(store) -> None:
    with store.read() as s:
        street = ref(unit_by_code(s, "S1"))
        kids = figures.children_with_figures(s, street, TODAY, reports=False)
        figures.with_missing_reports(s, kids, street, TODAY, now=dt.datetime.combine(TODAY, dt.time(23)))
