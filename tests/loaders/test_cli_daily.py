"""`python -m loaders daily [--date]` runs the day's transitions and disinfection check, once (issue 14 point 7)."""
from __future__ import annotations

import datetime as dt

import pytest

from geodata.situation.cases import record_case
from geodata.situation.history import events
from loaders.cli import main
from tests.risk_helpers import HEAD, day, load_rural_county, run


def test_daily_logs_the_downgrade_once_and_refuses_a_future_date(store, capsys):
    load_rural_county(store)
    run(store, HEAD, record_case, kind="confirmed", reported_on=day(1), compound_code="RN1", code="R1")
    url = store.engine.url.render_as_string(hide_password=False)

    def downgrades() -> int:
        with store.read() as s:
            ev = events(s, ("situation.change",))
        return int((ev["actor"] == "system:daily").sum())

    assert main(["daily", "--db", url, "--date", day(20).isoformat()]) == 0
    assert "1 situation change(s) logged" in capsys.readouterr().out
    assert downgrades() == 1  # S1 → S0 once the 14 days have passed, logged by the daily run
    assert main(["daily", "--db", url, "--date", day(20).isoformat()]) == 0
    assert "0 situation change(s) logged; 消毒未达标预警 0 条 / 0 disinfection" in capsys.readouterr().out
    assert downgrades() == 1
    with pytest.raises(SystemExit):
        main(["daily", "--db", url, "--date", (dt.date.today() + dt.timedelta(days=1)).isoformat()])
