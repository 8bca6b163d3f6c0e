"""Checkpoint staffing against the norms (domain file §2.7, scenario 9).

Compound/village entrances and community checkpoints: 24 h, ≥4 people by day and ≥2 by night
(`000_7bd660b113904959.txt` §1). Police checkpoints: ≥10 people a day, highway stations ≥20
(`001_7a5a7b7568cbf5a5.txt` §十四). The numbers come from `rules_config` ("staffing"), not from here.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

ENTRANCE_KINDS = ("compound_entrance", "community_checkpoint")
POLICE_KINDS = ("police_urban", "police_border")


def staffing_status(frame: pd.DataFrame, norms: dict[str, Any]) -> pd.Series:
    """'ok' | 'under' | 'unstaffed' | 'closed' for each checkpoint row (kind, status, staff_day, staff_night)."""
    day = frame["staff_day"].fillna(0).to_numpy()
    night = frame["staff_night"].fillna(0).to_numpy()
    kind = frame["kind"].to_numpy()
    total = day + night
    is_entrance = np.isin(kind, ENTRANCE_KINDS)
    round_clock = frame.get("is_24h", pd.Series(True, index=frame.index)).fillna(True).to_numpy(dtype=bool)
    entrance_ok = (day >= norms["entrance_day"]) & (~round_clock | (night >= norms["entrance_night"]))
    police_ok = total >= norms["police_per_day"]
    highway_ok = total >= norms["highway_per_day"]
    ok = np.where(is_entrance, entrance_ok, np.where(kind == "highway", highway_ok, police_ok))
    status = np.where(total == 0, "unstaffed", np.where(ok, "ok", "under"))
    status = np.where(frame["status"].to_numpy() == "closed", "closed", status)
    return pd.Series(status, index=frame.index, name="staffing")
