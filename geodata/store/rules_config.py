"""Rule parameters as data: defaults from the domain file, overridable per city in the `settings` table.

Each default names its source in the domain file (docs: ../shared/domain/seeds-domain.md). Command-centre
staff change them through `set_setting` (audited: one event with old → new); rules read them through the
getters below.
"""
from __future__ import annotations

import copy
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.base.problems import PermissionDenied, Problem, Rejected
from geodata.store.models import Setting
from geodata.store.writes import WriteContext

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
    # spread_min_places: "continuing transmission" read as cases in this many buildings/villages within the
    # transmission window [DERIVED: the seeds give no number].
    "situation": {"cluster_window_days": 7, "cluster_min_cases": 2, "transmission_window_days": 14,
                  "transmission_min_cases": 2, "downgrade_after_days": 14, "same_place_min_cases": 2,
                  "spread_min_places": 3, "case_kinds": ["confirmed", "asymptomatic"]},
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
    # §3.2 / §2.3: "≥2 per day of public areas in a sealed village"; buildings: no number in the seeds (0 = not
    # checked).
    "disinfection": {"sealed_village_per_day": 2, "sealed_building_per_day": 0},
    # §1.2 / §2.7: entrance guard 24 h, ≥4 by day and ≥2 by night; police ≥10 a day, highway ≥20
    "staffing": {"entrance_day": 4, "entrance_night": 2, "police_per_day": 10, "highway_per_day": 20},
    # §1.2: 300–1000 households per grid (the two seed norms together); one 楼栋长 per 100–150 households
    "grid_size": {"min_households": 300, "max_households": 1000},
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
}

#: settings whose value is one of a few words: (key, parameter) → the words allowed
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {("checkpoint_planning", "distance"): ("road", "straight")}

#: who may change configuration (§5.3: the command centre sets levels and their thresholds)
SETTING_ROLES = frozenset({"command"})


def get_setting(session: Session, key: str) -> dict[str, Any]:
    value = copy.deepcopy(DEFAULTS.get(key, {}))
    row = session.execute(select(Setting.value).where(Setting.key == key)).scalar_one_or_none()
    if row:
        value.update(row)
    return value


def observation_days(session: Session) -> int:
    return int(get_setting(session, "observation")["days"])


_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def _bad(zh: str, en: str, fld: str) -> Problem:
    return Problem(zh, en, field=fld)


def _check_schemes(value: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    available = value.get("available", {})
    if not isinstance(available, dict) or not available:
        return [_bad("方案列表为空", "no schemes available", "schemes.available")]
    if value.get("active") not in available:
        problems.append(_bad(f"启用的方案不存在: {value.get('active')}", f"active scheme not defined: "
                             f"{value.get('active')!r}", "schemes.active"))
    for name, scheme in available.items():
        levels = scheme.get("levels") if isinstance(scheme, dict) else None
        if not isinstance(levels, dict) or sorted(levels) != ["0", "1", "2"]:
            problems.append(_bad(f"方案 {name} 须为三个等级 0/1/2 各给出编码、名称、颜色",
                                 f"scheme {name!r} must define levels 0, 1 and 2", f"schemes.{name}.levels"))
            continue
        for rank, lv in levels.items():
            missing = [k for k in ("code", "zh", "en", "colour") if not str(lv.get(k, "")).strip()]
            if missing:
                problems.append(_bad(f"方案 {name} 等级 {rank} 缺少 {', '.join(missing)}",
                                     f"scheme {name!r} level {rank} lacks {', '.join(missing)}",
                                     f"schemes.{name}.levels.{rank}"))
            elif not _COLOUR.match(lv["colour"]):
                problems.append(_bad(f"颜色格式应为 #RRGGBB: {lv['colour']}", f"colour must be #RRGGBB: "
                                     f"{lv['colour']!r}", f"schemes.{name}.levels.{rank}.colour"))
        rules = scheme.get("rules", {}) if isinstance(scheme, dict) else {}
        problems += _check_against(rules, DEFAULTS["situation"], f"schemes.{name}.rules")
    return problems


def _check_against(value: dict[str, Any], default: dict[str, Any], where: str) -> list[Problem]:
    """Same keys as the default and values of the same type; whole numbers must be ≥ 1."""
    problems: list[Problem] = []
    if not isinstance(value, dict):
        return [_bad("应为键值表", "must be a mapping", where)]
    for k, v in value.items():
        if k not in default:
            problems.append(_bad(f"未知参数 {k}", f"unknown parameter {k!r}", f"{where}.{k}"))
            continue
        ref = default[k]
        if isinstance(ref, bool) or isinstance(ref, (str, list, dict)):
            ok = isinstance(v, type(ref))
        elif isinstance(ref, int):
            ok = isinstance(v, int) and not isinstance(v, bool) and v >= 1
        elif isinstance(ref, float):
            ok = isinstance(v, (int, float)) and not isinstance(v, bool)
        else:
            ok = True
        if not ok:
            problems.append(_bad(f"参数 {k} 的取值无效: {v!r}", f"invalid value for {k}: {v!r}", f"{where}.{k}"))
    return problems


def set_setting(ctx: WriteContext, key: str, value: dict[str, Any], *, expected_version: int | None = None
                ) -> dict[str, Any]:
    """Change one configuration entry (command centre only); logs old → new. Returns the new effective value.

    `value` holds the parameters to change; the others keep their current values.
    """
    if ctx.actor.role not in SETTING_ROLES:
        raise PermissionDenied("只有指挥部可以修改规则参数和分级方案",
                               "only the command centre may change rule parameters and schemes")
    if key not in DEFAULTS:
        raise Rejected([_bad(f"未知配置项 {key}", f"unknown setting {key!r}", "key")])
    old = get_setting(ctx.session, key)
    new = {**old, **value}
    problems = _check_schemes(new) if key == "schemes" else _check_against(value, DEFAULTS[key], key)
    for (k, param), allowed in CHOICES.items():
        if k == key and param in value and value[param] not in allowed:
            problems.append(_bad(f"参数 {param} 只能取 {'、'.join(allowed)}: {value[param]!r}",
                                 f"{param} must be one of {', '.join(allowed)}: {value[param]!r}", f"{key}.{param}"))
    if problems:
        raise Rejected(problems)
    row = ctx.session.get(Setting, key)
    if expected_version is not None and (row.version if row else 0) != expected_version:
        raise Rejected([_bad("配置已被他人修改，请刷新后重试", "changed by someone else since you read it: reload",
                             "version")])
    if new == old:
        return new
    if row is None:
        ctx.session.add(Setting(key=key, value=new, updated_at=ctx.now, updated_by=ctx.actor.username))
    else:
        row.value = new
        row.updated_at = ctx.now
        row.updated_by = ctx.actor.username
    ctx.session.flush()
    changed = {k for k in new if new.get(k) != old.get(k)}
    ctx.record("setting.change", "setting", key, old={k: old.get(k) for k in changed},
               new={k: new[k] for k in changed}, reason=f"配置修改 setting changed: {key}")
    return new
