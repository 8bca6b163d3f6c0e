"""Rule parameters as data: defaults from the domain file, overridable per city in the `settings` table.

Each default names its source in the domain file (docs: ../shared/domain/seeds-domain.md). Command-centre
staff change them through `geodata.situation.settings.set_setting` (audited: one event with old → new; the command
sits above geodata.people so that it asks the action table, "settings.set"); rules read them through the getters
below.
"""
from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.store.models import Setting

# Okabe-Ito (Color Universal Design): distinguishable with the common colour-vision deficiencies; the map
# themes in dashboard/mapview use the same palette.
_GREEN, _ORANGE, _VERMILLION, _SKY = "#009E73", "#E69F00", "#D55E00", "#56B4E9"


def _levels(*rows: tuple[str, str, str, str]) -> dict[str, dict[str, str]]:
    return {str(rank): {"code": c, "zh": zh, "en": en, "colour": col} for rank, (c, zh, en, col) in enumerate(rows)}


DEFAULTS: dict[str, dict[str, Any]] = {
    # §2.5 / §3.2: home and centralised observation last 14 days; >37.3 ℃ is a fever (§2.4).
    # 留观 lasts "until screened" (§2.5): one day unless a planned end is given [DERIVED].
    "observation": {"days": 14, "fever_celsius": 37.3, "temporary_days": 1},
    # §2.2: S1 on 1 confirmed case or ≥2 in one household/worksite/stair unit; S2 on ≥2 unknown-source
    # cases within 14 days; cluster on ≥2 cases within 7 days (000 §3). Windows count the report day as day 1.
    # case_kinds: the kinds that count as cases (确诊 + 无症状感染者, both start the emergency plan, §2.4).
    # downgrade_after_days: a community's ladder level lasts while a case is this recent (14-day incubation).
    # S2's second trigger, "暴发疫情起数较多且规模较大，呈持续传播态势" (004 (三)), read by spread_reading:
    # "outbreaks" (the seed's words, the default): ≥ spread_min_places buildings/villages each with
    # ≥ outbreak_min_cases cases within the transmission window; "places": cases in ≥ spread_min_places
    # buildings/villages, whatever their source (a looser local reading). [DERIVED numbers: the seeds give none.]
    "situation": {"cluster_window_days": 7, "cluster_min_cases": 2, "transmission_window_days": 14,
                  "transmission_min_cases": 2, "downgrade_after_days": 14, "same_place_min_cases": 2,
                  "spread_min_places": 3, "spread_reading": "outbreaks", "outbreak_min_cases": 3,
                  "case_kinds": ["confirmed", "asymptomatic"]},
    # Map vocabularies (§2.2, §8): the seeds' ladder is the default; the national 封控区/管控区/防范区 and
    # 高/中/低风险 schemes are offered because many cities use them (their criteria are not in the seeds, so
    # they reuse the ladder's rules unless `rules` overrides thresholds of "situation").
    "schemes": {
        "active": "seeds",
        "available": {
            "seeds": {"zh": "社区疫情分级（S0/S1/S2）", "en": "Community situation ladder (S0/S1/S2)",
                      "source": "004_2a51f4f7b2873512.txt",
                      "levels": _levels(("S0", "未发现病例", "No case", _GREEN),
                                        ("S1", "出现病例", "Cases", _ORANGE),
                                        ("S2", "社区传播", "Community transmission", _VERMILLION)),
                      "rules": {}},
            "zones": {"zh": "封控区/管控区/防范区", "en": "Sealed / controlled / prevention areas",
                      "source": "national 2022 vocabulary [ABSENT from the seeds]",
                      "levels": _levels(("prevention", "防范区", "Prevention area", _SKY),
                                        ("controlled", "管控区", "Controlled area", _ORANGE),
                                        ("sealed", "封控区", "Sealed area", _VERMILLION)),
                      "rules": {}},
            "risk": {"zh": "高/中/低风险", "en": "High / medium / low risk",
                     "source": "national vocabulary [ABSENT from the seeds]",
                     "levels": _levels(("low", "低风险", "Low risk", _GREEN),
                                       ("medium", "中风险", "Medium risk", _ORANGE),
                                       ("high", "高风险", "High risk", _VERMILLION)),
                     "rules": {}},
        },
    },
    # §3.2 / §2.3: "≥2 per day of public areas in a sealed village" (000 §1(三)4); "一日一消毒" in every natural
    # village under 封闭式管理 (000 §1(一)5); buildings: no number in the seeds (0 = not checked).
    "disinfection": {"sealed_village_per_day": 2, "closed_village_per_day": 1, "sealed_building_per_day": 0},
    # §1.2 / §2.7: entrance guard 24 h, ≥4 by day and ≥2 by night; police ≥10 a day, highway ≥20
    "staffing": {"entrance_day": 4, "entrance_night": 2, "police_per_day": 10, "highway_per_day": 20},
    # §1.2: 300–1000 households per grid (the two seed norms together); one 楼栋长 per 100–150 households
    "grid_size": {"min_households": 300, "max_households": 1000,
                  "leader_min_households": 100, "leader_max_households": 150},
    # 000 §1(四)5 / §1(三)2: the vulnerable are known and looked after; the seeds give no interval [DERIVED]: a visit
    # a week, every day in a sealed building (its people cannot go out for what they need)
    "care": {"visit_days": 7, "sealed_visit_days": 1},
    # §4.2 supplies: days left = stock ÷ the average daily issue of the last `use_window_days` [DERIVED window]
    "supplies": {"use_window_days": 7, "low_days": 3},
    # issue 15, events routed to done (003 §一 5 / §八 六): hours to close by the level that handles an event — the
    # seeds give none [DERIVED]; an urgent one (紧急性工作, "立即上报") gets `urgent_hours` whatever its level
    "events": {"grid_hours": 24, "community_hours": 72, "street_hours": 72, "district_hours": 240,
               "urgent_hours": 4},
    # 003 §八 七.1 每天至少到网格巡查一次; 001 §十 每个社区 3 到 5 名专职巡防队员
    "patrol": {"per_day": 1, "team_min": 3, "team_max": 5},
    # §3.1: daily report; no cut-off in the seeds, 16:00 is local policy
    "daily_report": {"cutoff": "16:00"},
    # §2.9 (001 §七): pass mark ≥60; a quarterly round with ≥1 application per street; form plus evidence.
    # Not in the seeds [DERIVED]: 5 days of public notice, 14 case-free days before an award (one incubation
    # period, §3.2), 5 MB per evidence file.
    "honours": {"pass_mark": 60, "max_score": 100, "notice_days": 5, "clean_days": 14,
                "revoke_case_kinds": ["confirmed"], "quota_per_street": 1, "apply_days": 10, "accept_days": 10,
                "evidence_required": True, "max_attachment_bytes": 5 * 1024 * 1024},
    # §2.7: checkpoints cover entrances; the seeds give no distance — 150 m is local policy. distance: "road"
    # walks along the roads wherever an area has road data (straight lines where it has none); "straight"
    # forces straight lines (a city whose road layer is incomplete) [DERIVED]
    "checkpoint_planning": {"radius_m": 150, "roster_days": 7, "time_limit_s": 10, "distance": "road"},
    # gate (issue 15): a temperature at or above fever_celsius is flagged at a checkpoint (the issue's ≥37.3 ℃;
    # the seeds' meeting rule says "高于37.3℃" (000 §5) and some cities screen at 37.5 ℃: set it here). One person
    # per household goes out every two days on the household's pass (000 §1(五) 每2天每户可指派1名): the window in
    # hours between two exits of one household.
    "gate": {"fever_celsius": 37.3, "pass_window_hours": 48},
}

#: settings whose value is one of a few words: (key, parameter) → the words allowed
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {("checkpoint_planning", "distance"): ("road", "straight"),
                                                   ("situation", "spread_reading"): ("outbreaks", "places")}

def get_setting(session: Session, key: str) -> dict[str, Any]:
    value = copy.deepcopy(DEFAULTS.get(key, {}))
    row = session.execute(select(Setting.value).where(Setting.key == key)).scalar_one_or_none()
    if row:
        value.update(row)
    return value


def observation_days(session: Session) -> int:
    return int(get_setting(session, "observation")["days"])
