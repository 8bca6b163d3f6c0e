"""Rule parameters as data: defaults from the domain file, overridable per city in the `settings` table.

Each default names its source in the domain file (docs: ../shared/domain/seeds-domain.md). Command-centre
staff change them through `set_setting` (audited); rules read them through the getters below.
"""
from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.models import Setting

DEFAULTS: dict[str, dict[str, Any]] = {
    # §2.5 / §3.2: home and centralised observation last 14 days
    "observation": {"days": 14, "fever_celsius": 37.3},
    # §2.2: S1 on 1 confirmed case or ≥2 in one household/worksite/stair unit; S2 on ≥2 unknown-source
    # cases within 14 days; cluster on ≥2 cases within 7 days (000 §3)
    "situation": {"cluster_window_days": 7, "cluster_min_cases": 2, "transmission_window_days": 14,
                  "transmission_min_cases": 2, "downgrade_after_days": 14},
    # §1.2 / §2.7: entrance guard 24 h, ≥4 by day and ≥2 by night; police ≥10 a day, highway ≥20
    "staffing": {"entrance_day": 4, "entrance_night": 2, "police_per_day": 10, "highway_per_day": 20},
    # §1.2: 300–1000 households per grid (the two seed norms together); one 楼栋长 per 100–150 households
    "grid_size": {"min_households": 300, "max_households": 1000},
    # §3.1: daily report; no cut-off in the seeds, 16:00 is local policy
    "daily_report": {"cutoff": "16:00"},
}


def get_setting(session: Session, key: str) -> dict[str, Any]:
    value = copy.deepcopy(DEFAULTS.get(key, {}))
    row = session.execute(select(Setting.value).where(Setting.key == key)).scalar_one_or_none()
    if row:
        value.update(row)
    return value


def observation_days(session: Session) -> int:
    return int(get_setting(session, "observation")["days"])
