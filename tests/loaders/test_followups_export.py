"""The symptom follow-up ledger goes out as XLSX with Chinese headers, cells through loaders/cells.py."""
from __future__ import annotations

from openpyxl import load_workbook

from geodata.situation.alerts import open_alerts
from geodata.situation.observations import record_health_check
from geodata.situation.symptoms import record_followup
from loaders.cli import main
from tests.geodata.test_risk_observations import returnee
from tests.risk_helpers import MEDIC, day, run


def test_the_follow_up_ledger_exports_open_alerts_and_follow_ups_with_chinese_headers(store, tmp_path, capsys):
    returnee(store)
    run(store, MEDIC, record_health_check, "OH1", on=day(3), temperature=38.2)
    run(store, MEDIC, record_health_check, "OH1", on=day(4), symptoms=["咳嗽"])
    with store.read() as s:
        first = int(open_alerts(s, kinds=("symptom",)).iloc[-1]["id"])
    run(store, MEDIC, record_followup, first, "上门收治", on=day(3), note="=HYPERLINK(\"x\")")
    out = tmp_path / "随访.xlsx"
    assert main(["followups", str(out), "--db", store.engine.url.render_as_string(hide_password=False),
                 "--scope", "S1"]) == 0
    wb = load_workbook(out)
    open_, done = wb["待处置症状预警"], wb["随访处置记录"]
    assert [c.value for c in open_[1]][:3] == ["预警编号", "预警日期", "社区"]
    assert open_.max_row == 2 and open_.cell(2, 4).value == "OH1" and open_.cell(2, 7).value == "是"
    assert [c.value for c in done[2]][3:] == ["上门收治", day(3).isoformat(), "medic", "'=HYPERLINK(\"x\")"]
