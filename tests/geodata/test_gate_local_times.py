"""A revoked pass says when it was revoked in the server's local time (issue 16 leftovers): `revoked_at` is stored in
UTC like every write's time, and the refusal at the gate and on a second revoke printed it raw — eight hours early
in Shanghai — beside the gate's own times, which are local."""
from __future__ import annotations

import datetime as dt

import pytest

from geodata.base.problems import Rejected
from geodata.fieldwork import passes
from geodata.store.writes import write
from tests.dashboard.test_phone_leftovers import shanghai  # noqa: F401 — a fixture: the process on UTC+8
from tests.geodata.test_gate import _entry, _issue, _number, city  # noqa: F401 — `city` is a fixture


def _minutes(before: dt.datetime, after: dt.datetime) -> set[str]:
    return {f"{before:%Y-%m-%d %H:%M}", f"{after:%Y-%m-%d %H:%M}"}


def test_a_revoked_pass_is_refused_with_its_local_revoke_time(store, city, shanghai):  # noqa: F811
    _issue(store, city["head"])
    number = _number(store, "H1")
    before = dt.datetime.now()
    write(store, city["head"], lambda ctx: passes.revoke_pass(ctx, number, "遗失"))
    after = dt.datetime.now()
    with pytest.raises(Rejected) as again:
        write(store, city["head"], lambda ctx: passes.revoke_pass(ctx, number, "遗失"))
    with pytest.raises(Rejected) as gate:
        _entry(store, city["grid"], direction="out", pass_no=number)
    for exc in (again, gate):
        problem = exc.value.problems[0]
        assert any(m in problem.message_zh for m in _minutes(before, after)), problem.message_zh
        assert any(m in problem.message_en for m in _minutes(before, after)), problem.message_en
