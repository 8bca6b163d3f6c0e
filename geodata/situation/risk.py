"""Situation level (社区疫情分级) and cluster flag (聚集性病例) of every unit, derived from the cases table.

Nobody types a level: `situation(session, …, on=date)` evaluates the rules below on the cases reported in the
windows ending on `on`, so any past day comes for free (the map's time control) and the colours always follow
the rules. The rules (domain file ../shared/domain/seeds-domain.md):

- §2.2, `004_2a51f4f7b2873512.txt`: S0 未发现病例; S1 on one case among residents, or on ≥2 cases in one
  household, one worksite (工地) or one stair unit of a building; S2 社区传播 on ≥2 cases of unknown source within
  14 days (感染来源不清楚的散发病例), or "暴发疫情起数较多且规模较大，呈持续传播态势". The second is read, by the
  "spread_reading" setting, as "outbreaks" (the default, the seed's words: ≥3 buildings/villages each with ≥3
  cases within 14 days [DERIVED numbers: the seeds give none]) or "places" (cases in ≥3 buildings/villages,
  whatever their number and source — a looser local reading). Known-source cases scattered over buildings are
  S1 (with the cluster flag when the 7-day rule says so), not 社区传播 (issue 14 point 7).
- §2.2 / §3.1, `000_7bd660b113904959.txt` §3: cluster (聚集性病例) on ≥2 cases within one week → report to the
  city at once and hard-isolate (硬隔离) the buildings/courtyards involved (done by `geodata.situation.cases`).
- §3.2: windows count the report day as day 1: two cases on day 1 and day 7 are "within 7 days", day 1 and day 8
  are not. A level lasts while a case is within the last `downgrade_after_days` (14) days, so it steps down on
  its own when the window passes; `run_daily_transitions` writes those steps into the event log.

The numbers (windows, counts, which case kinds count) are the "situation" setting; how a level is named and
coloured is the active map scheme (S0/S1/S2, 防范区/管控区/封控区 or 低/中/高风险), see `geodata.store.rules_config`.
Internally a level is a rank 0/1/2; the scheme maps ranks to codes, labels and colours.

Units above the community (street, district, city) take the worst rank of the communities below, with counts per
rank; grids and compounds are evaluated with the same rules on their own cases.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geodata.base.vocab import Level
from geodata.situation.alerts import raise_alert
from geodata.situation.history import SITUATION_ACTION, announced_situation, rows_frame
from geodata.store.db import Store
from geodata.store.hierarchy import path_ids, path_upper_bound, unit_by_code
from geodata.store.models import Alert, Unit
from geodata.store.rules_config import DEFAULTS, get_setting
from geodata.store.writes import Actor, WriteContext, write

#: what each rank asks of a community (§2.2, 004: the measures are cumulative)
STRATEGY: dict[int, tuple[str, str]] = {
    0: ("外防输入", "prevent import"),
    1: ("内防扩散、外防输出", "prevent spread inside and export"),
    2: ("内防蔓延、外防输出", "stop transmission inside and export"),
}
#: rank from which gatherings are restricted (markets, cinemas, internet cafés; §2.2 measure 8, 004)
RESTRICT_GATHERINGS_FROM = 2

#: rule → (rank, reason zh, reason en); {k} = count threshold, {n} = cases, {days} = window (§2.2, 004)
RULES: dict[str, tuple[int, str, str]] = {
    "none": (0, "未发现病例", "no case"),
    "one_case": (1, "{days}天内出现病例{n}例", "{n} case(s) within {days} days"),
    "same_worksite": (1, "同一工地≥{k}例", "≥{k} cases at one worksite"),
    "same_unit": (1, "同一单元≥{k}例", "≥{k} cases in one stair unit"),
    "same_household": (1, "同一家庭≥{k}例", "≥{k} cases in one household"),
    "spread": (2, "{days}天内≥{k}处楼栋/自然村暴发疫情（每处≥{m}例，持续传播）",
               "outbreaks in ≥{k} buildings/villages within {days} days (≥{m} cases each: continuing transmission)"),
    "unknown_source": (2, "{days}天内≥{k}例不明来源病例", "≥{k} unknown-source cases within {days} days"),
}
#: the reason shown is the strongest rule that holds, in this order
#: (a household is more precise than its stair unit, so it names the reason when both hold)
PRECEDENCE = ("unknown_source", "spread", "same_household", "same_unit", "same_worksite", "one_case")
CLUSTER_TEXT = ("聚集性病例（{days}天内≥{k}例）", "cluster (≥{k} cases within {days} days)")

#: the scheme-neutral codes written into the event log (the seeds' ladder)
LOG_CODES = {int(r): lv["code"] for r, lv in DEFAULTS["schemes"]["available"]["seeds"]["levels"].items()}


@dataclass(frozen=True)
class Thresholds:
    """The numbers of the rules, from the "situation" setting (overridden by the scheme's own `rules`)."""

    case_kinds: tuple[str, ...]
    active_days: int
    cluster_window_days: int
    cluster_min_cases: int
    transmission_window_days: int
    transmission_min_cases: int
    same_place_min_cases: int
    spread_min_places: int
    #: how "暴发疫情起数较多且规模较大" is read: "outbreaks" (≥ spread_min_places places with ≥ outbreak_min_cases
    #: cases each) or "places" (cases in ≥ spread_min_places places)
    spread_reading: str = "outbreaks"
    outbreak_min_cases: int = 3

    @property
    def max_window(self) -> int:
        return max(self.active_days, self.cluster_window_days, self.transmission_window_days)


def map_scheme(session: Session, name: str | None = None) -> dict[str, Any]:
    """The named map scheme (default: the active one) with its `name`, `levels` and `rules`."""
    cfg = get_setting(session, "schemes")
    name = name or cfg["active"]
    if name not in cfg["available"]:
        raise KeyError(f"未知分级方案 unknown scheme: {name!r}; known: {sorted(cfg['available'])}")
    return {"name": name, **cfg["available"][name]}


def scheme_legend(session: Session, name: str | None = None, lang: str = "zh") -> list[tuple[str, str, str]]:
    """(code, label, colour) per rank, lowest first: what the map legend lists."""
    levels = map_scheme(session, name)["levels"]
    return [(levels[r]["code"], levels[r][lang if lang in ("zh", "en") else "zh"], levels[r]["colour"])
            for r in ("0", "1", "2")]


def thresholds(session: Session, scheme: str | None = None) -> Thresholds:
    cfg = {**get_setting(session, "situation"), **map_scheme(session, scheme).get("rules", {})}
    return Thresholds(
        case_kinds=tuple(cfg["case_kinds"]),
        active_days=int(cfg["downgrade_after_days"]),
        cluster_window_days=int(cfg["cluster_window_days"]),
        cluster_min_cases=int(cfg["cluster_min_cases"]),
        transmission_window_days=int(cfg["transmission_window_days"]),
        transmission_min_cases=int(cfg["transmission_min_cases"]),
        same_place_min_cases=int(cfg["same_place_min_cases"]),
        spread_min_places=int(cfg["spread_min_places"]),
        spread_reading=str(cfg.get("spread_reading", "outbreaks")),
        outbreak_min_cases=int(cfg.get("outbreak_min_cases", 3)),
    )


# --- the rules on a frame of cases ---------------------------------------------------------------------------

CASE_COLUMNS = ["id", "code", "kind", "reported_on", "path", "building_id", "compound_id", "grid_id",
                "household_id", "stair_unit", "worksite", "source_known"]


def load_cases(session: Session, on: dt.date, th: Thresholds, path: str | None = None) -> pd.DataFrame:
    """Cases of the counted kinds reported in the longest window ending on `on` (optionally under `path`)."""
    kinds = {f"k{i}": k for i, k in enumerate(th.case_kinds)}
    params: dict[str, Any] = {"lo_d": on - dt.timedelta(days=th.max_window - 1), "on": on, **kinds}
    where = ""
    if path is not None:
        where = " AND path >= :lo AND path < :hi"
        params.update(lo=path, hi=path_upper_bound(path))
    sql = (f"SELECT {', '.join(CASE_COLUMNS)} FROM cases WHERE kind IN ({', '.join(':' + k for k in kinds)}) "
           f"AND reported_on >= :lo_d AND reported_on <= :on{where}")
    frame = rows_frame(session, text(sql), CASE_COLUMNS, params)
    frame["reported_on"] = pd.to_datetime(frame["reported_on"]).dt.date
    frame["source_known"] = frame["source_known"].astype(bool)
    frame["worksite"] = frame["worksite"].where(frame["worksite"].fillna("").astype(str).str.strip() != "", None)
    return frame


def _codes_per_key(frame: pd.DataFrame, key: str) -> pd.Series:
    """Per key: the sorted case codes (sort once and split: no Python call per group)."""
    if frame.empty:
        return pd.Series(dtype=object)
    f = frame[[key, "code"]].sort_values([key, "code"])
    keys = f[key].astype("int64").to_numpy()
    uniq, first = np.unique(keys, return_index=True)
    parts = np.split(f["code"].to_numpy(dtype=object), first[1:])
    return pd.Series([list(p) for p in parts], index=pd.Index(uniq, name=key), dtype=object)


def _same_place(active: pd.DataFrame, key: str, cols: list[str], k: int) -> pd.Series:
    """Per key: codes of the cases in places (household, stair unit, worksite) holding ≥ k cases."""
    sub = active.dropna(subset=cols)
    if sub.empty:
        return pd.Series(dtype=object)
    size = sub.groupby([key, *cols])["code"].transform("size")
    return _codes_per_key(sub[size.to_numpy() >= k], key)


def _spread(within_t: pd.DataFrame, key: str, th: Thresholds) -> pd.Series:
    """Per key: the codes behind "暴发疫情起数较多且规模较大" (004 (三)) as the setting reads it — "outbreaks":
    ≥ spread_min_places buildings/villages with ≥ outbreak_min_cases cases each (the cases of those outbreaks);
    "places": cases in ≥ spread_min_places buildings/villages (all the window's cases)."""
    if within_t.empty:
        return pd.Series(dtype=object)
    if th.spread_reading == "places":
        places = within_t.groupby(key)["_place"].nunique()
        return _codes_per_key(within_t, key).reindex(places.index[places.to_numpy() >= th.spread_min_places])
    size = within_t.groupby([key, "_place"])["code"].transform("size")
    big = within_t[size.to_numpy() >= th.outbreak_min_cases]
    outbreaks = big.groupby(key)["_place"].nunique()
    return _codes_per_key(big, key).reindex(outbreaks.index[outbreaks.to_numpy() >= th.spread_min_places])


def evaluate(cases: pd.DataFrame, key: str, on: dt.date, th: Thresholds) -> pd.DataFrame:
    """The ladder and the cluster flag per value of `key`, vectorised: one row per key that has a counted case
    in a window ending on `on` (keys absent are S0). Columns: rank, rule, n_cases, case_codes, cluster,
    cluster_codes."""
    cols = ["rank", "rule", "n_cases", "case_codes", "cluster", "cluster_codes"]
    if cases.empty:
        return pd.DataFrame(columns=cols)
    age = np.array([(on - d).days for d in cases["reported_on"]], dtype=np.int64)
    c = cases.assign(_age=age)
    c = c[(c["_age"] >= 0) & c[key].notna()]
    active = c[c["_age"] < th.active_days]
    within_t = c[c["_age"] < th.transmission_window_days]
    within_c = c[c["_age"] < th.cluster_window_days]

    hits: dict[str, pd.Series] = {"one_case": _codes_per_key(active, key)}
    k = th.same_place_min_cases
    hits["same_unit"] = _same_place(active, key, ["building_id", "stair_unit"], k)
    hits["same_household"] = _same_place(active, key, ["household_id"], k)
    hits["same_worksite"] = _same_place(active, key, ["worksite"], k)
    unknown = _codes_per_key(within_t[~within_t["source_known"]], key)
    hits["unknown_source"] = unknown[unknown.map(len) >= th.transmission_min_cases]
    place = np.where(within_t["building_id"].notna(), "b" + within_t["building_id"].astype(str),
                     "c" + within_t["compound_id"].astype(str) + "g" + within_t["grid_id"].astype(str))
    hits["spread"] = _spread(within_t.assign(_place=place), key, th)
    clusters = _codes_per_key(within_c, key)
    clusters = clusters[clusters.map(len) >= th.cluster_min_cases]

    index = pd.Index(sorted(set().union(*(set(s.index) for s in hits.values()))), name=key)
    out = pd.DataFrame(index=index, columns=cols, dtype=object)
    out["n_cases"] = active.groupby(key).size().reindex(index, fill_value=0).astype("int64")
    for rule in reversed(PRECEDENCE):  # weakest first, so the strongest that holds is written last
        s = hits[rule]
        if s.empty:
            continue
        out.loc[s.index, "rule"] = rule
        out.loc[s.index, "rank"] = RULES[rule][0]
        out.loc[s.index, "case_codes"] = pd.Series(list(s.to_numpy()), index=s.index, dtype=object)
    out["cluster"] = index.isin(clusters.index)
    out["cluster_codes"] = pd.Series([list(v) if isinstance(v, list) else [] for v in clusters.reindex(index)],
                                     index=index, dtype=object)
    out["rank"] = out["rank"].astype("int64")
    return out


def reason(rule: str, th: Thresholds, n: int = 0) -> tuple[str, str]:
    """The reason shown with a level, in Chinese and English (e.g. "同一单元≥2例")."""
    _, zh, en = RULES[rule]
    k = {"unknown_source": th.transmission_min_cases, "spread": th.spread_min_places}.get(rule,
                                                                                          th.same_place_min_cases)
    days = th.transmission_window_days if rule in ("unknown_source", "spread") else th.active_days
    if rule == "spread" and th.spread_reading == "places":
        zh, en = "{days}天内病例分布于≥{k}处楼栋/自然村（持续传播）", \
            "cases in ≥{k} buildings/villages within {days} days (continuing transmission)"
    m = th.outbreak_min_cases
    return zh.format(k=k, n=n, days=days, m=m), en.format(k=k, n=n, days=days, m=m)


# --- situation of units ----------------------------------------------------------------------------------------


def select_units(session: Session, unit_ids: list[int] | None = None, *, level: int | None = None,
                 parent: Any = None) -> pd.DataFrame:
    """Units by id, or by level (optionally under `parent`: a Unit, a unit code or anything with `.path`);
    default: every community. Columns id, code, name, level, path."""
    q = select(Unit.id, Unit.code, Unit.name, Unit.level, Unit.path)
    if unit_ids is not None:
        q = q.where(Unit.id.in_([int(i) for i in unit_ids]))
    else:
        q = q.where(Unit.level == int(level if level is not None else Level.COMMUNITY))
    if parent is not None:
        ppath = unit_by_code(session, parent).path if isinstance(parent, str) else parent.path
        q = q.where(Unit.path >= ppath, Unit.path < path_upper_bound(ppath))
    return rows_frame(session, q.order_by(Unit.code), ["id", "code", "name", "level", "path"])


def ancestor_at(paths: pd.Series, level: int) -> pd.Series:
    """The id of the ancestor at `level` of each path (the unit itself when it is at that level), else NA."""
    if paths.empty:
        return pd.Series([], index=paths.index, dtype="Int64")
    parts = paths.astype(str).str.split("/", expand=True)  # "/1/7/93/" → "", "1", "7", "93", ""
    if level >= parts.shape[1]:
        return pd.Series(pd.NA, index=paths.index, dtype="Int64")
    return pd.to_numeric(parts[level].replace("", None), errors="coerce").astype("Int64")


def common_path(paths: pd.Series) -> str | None:
    """The deepest unit path every path lies under (None: the whole city), to narrow the case query."""
    if paths.empty:
        return None
    prefix = str(paths.iloc[0])
    for p in paths:
        while not str(p).startswith(prefix):
            prefix = prefix[: prefix.rstrip("/").rfind("/") + 1]
    return prefix if prefix.count("/") > 1 else None


def _own(units: pd.DataFrame, cases: pd.DataFrame, level: int, on: dt.date, th: Thresholds) -> pd.DataFrame:
    keyed = cases.assign(_key=ancestor_at(cases["path"], level)) if len(cases) else cases.assign(_key=[])
    ev = evaluate(keyed, "_key", on, th)
    out = units.merge(ev, left_on="id", right_index=True, how="left")
    none = out["rank"].isna()
    out["rank"] = out["rank"].fillna(0).astype("int64")
    out.loc[none, "rule"] = "none"
    out["n_cases"] = out["n_cases"].fillna(0).astype("int64")
    out["cluster"] = out["cluster"].astype("boolean").fillna(False).astype(bool)
    for col in ("case_codes", "cluster_codes"):
        out[col] = out[col].map(lambda v: v if isinstance(v, list) else [])
    for r in (0, 1, 2):  # the unit itself, one-hot: sums up to the counts of the level above
        out[f"n_rank{r}"] = (out["rank"] == r).astype("int64")
    out["n_clusters"] = out["cluster"].astype("int64")
    out["worst_units"] = [[c] if r > 0 else [] for c, r in zip(out["code"], out["rank"], strict=True)]
    return out


def _rollup(session: Session, units: pd.DataFrame, level: int, on: dt.date, th: Thresholds,
            cases: pd.DataFrame) -> pd.DataFrame:
    scope = common_path(units["path"])
    comms = select_units(session, level=Level.COMMUNITY)
    if scope is not None:
        comms = comms[comms["path"].str.startswith(scope)]
    per = _own(comms, cases, int(Level.COMMUNITY), on, th)
    per["_key"] = ancestor_at(per["path"], level)
    per = per[per["_key"].isin(units["id"])]
    g = per.groupby("_key")
    agg = pd.DataFrame({
        "rank": g["rank"].max(),
        "n_cases": g["n_cases"].sum(),
        "n_rank0": g["n_rank0"].sum(), "n_rank1": g["n_rank1"].sum(), "n_rank2": g["n_rank2"].sum(),
        "n_clusters": g["n_clusters"].sum(),
    })
    worst = per[per["rank"] == per["_key"].map(agg["rank"]).astype("int64")]
    agg["worst_units"] = worst[worst["rank"] > 0].groupby("_key")["code"].agg(sorted)
    out = units.merge(agg, left_on="id", right_index=True, how="left")
    for col in ("rank", "n_cases", "n_rank0", "n_rank1", "n_rank2", "n_clusters"):
        out[col] = out[col].fillna(0).astype("int64")
    out["worst_units"] = out["worst_units"].map(lambda v: v if isinstance(v, list) else [])
    out["rule"] = "rollup"
    out["cluster"] = out["n_clusters"] > 0
    out["case_codes"] = [[] for _ in range(len(out))]
    out["cluster_codes"] = [[] for _ in range(len(out))]
    return out


OUTPUT_COLUMNS = ["unit_id", "code", "name", "unit_level", "rank", "level_code", "label_zh", "label_en", "colour",
                  "rule", "reason_zh", "reason_en", "cluster", "cluster_reason_zh", "cluster_reason_en",
                  "case_codes", "cluster_codes", "n_cases", "strategy_zh", "strategy_en", "restrict_gatherings",
                  "n_rank0", "n_rank1", "n_rank2", "n_clusters", "worst_units"]


def situation(session: Session, unit_ids: list[int] | None = None, *, level: int | None = None,
              parent: Any = None, on: dt.date | None = None, scheme: str | None = None) -> pd.DataFrame:
    """Situation level and cluster flag of units on `on` (default today), named and coloured by the scheme.

    Select units by `unit_ids`, or by `level` (default: communities) optionally under `parent`. One row per
    unit: unit_id, code, rank (0/1/2), level_code / label_zh / label_en / colour (from the scheme), rule and
    reason_zh / reason_en ("同一单元≥2例"), cluster flag with its reason, the triggering case codes, strategy,
    restrict_gatherings, and n_rank0..2 / n_clusters (the communities below for street/district/city; the
    unit itself for community, grid, compound — so a parent's counts are the sum of its children's).
    """
    on = on or dt.date.today()
    sch = map_scheme(session, scheme)
    th = thresholds(session, scheme)
    units = select_units(session, unit_ids, level=level, parent=parent)
    if units.empty:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    cases = load_cases(session, on, th, common_path(units["path"]))
    parts = []
    for lvl, group in units.groupby("level"):
        if lvl >= Level.COMMUNITY:
            parts.append(_own(group, cases, int(lvl), on, th))
        else:
            parts.append(_rollup(session, group, int(lvl), on, th, cases))
    out = pd.concat(parts, ignore_index=True).rename(columns={"id": "unit_id", "level": "unit_level"})
    return _decorate(out, sch, th)


def _decorate(out: pd.DataFrame, sch: dict[str, Any], th: Thresholds) -> pd.DataFrame:
    levels = sch["levels"]
    ranks = out["rank"].astype(str)
    out["level_code"] = ranks.map(lambda r: levels[r]["code"])
    out["label_zh"] = ranks.map(lambda r: levels[r]["zh"])
    out["label_en"] = ranks.map(lambda r: levels[r]["en"])
    out["colour"] = ranks.map(lambda r: levels[r]["colour"])
    reasons = []
    memo: dict[tuple[str, int], tuple[str, str]] = {}
    for rule, n, r0, r1, r2 in zip(out["rule"], out["n_cases"], out["n_rank0"], out["n_rank1"], out["n_rank2"],
                                   strict=True):
        if rule == "rollup":
            counts = [(levels[str(r)]["code"], c) for r, c in ((2, r2), (1, r1), (0, r0)) if c]
            reasons.append(("下辖社区 " + "、".join(f"{code}×{c}" for code, c in counts),
                            "communities below: " + ", ".join(f"{code}×{c}" for code, c in counts)))
        else:
            key = (rule, int(n))
            if key not in memo:
                memo[key] = reason(rule, th, int(n))
            reasons.append(memo[key])
    out["reason_zh"] = [r[0] for r in reasons]
    out["reason_en"] = [r[1] for r in reasons]
    czh = CLUSTER_TEXT[0].format(days=th.cluster_window_days, k=th.cluster_min_cases)
    cen = CLUSTER_TEXT[1].format(days=th.cluster_window_days, k=th.cluster_min_cases)
    out["cluster_reason_zh"] = np.where(out["cluster"], czh, "")
    out["cluster_reason_en"] = np.where(out["cluster"], cen, "")
    out["strategy_zh"] = out["rank"].map(lambda r: STRATEGY[int(r)][0])
    out["strategy_en"] = out["rank"].map(lambda r: STRATEGY[int(r)][1])
    out["restrict_gatherings"] = out["rank"] >= RESTRICT_GATHERINGS_FROM
    return out[OUTPUT_COLUMNS].reset_index(drop=True)


def map_columns(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The columns the map's situation theme reads (dashboard/mapview): id, situation_code/label/color."""
    return pd.DataFrame({"id": frame["unit_id"], "situation_code": frame["level_code"],
                         "situation_label": frame["label_en" if lang == "en" else "label_zh"],
                         "situation_color": frame["colour"]})


# --- the write side: one unit now, change events, daily downgrades -------------------------------------------


@dataclass(frozen=True)
class UnitSituation:
    rank: int
    rule: str
    cluster: bool
    case_codes: tuple[str, ...]
    cluster_codes: tuple[str, ...]
    n_cases: int

    @property
    def key(self) -> tuple[int, bool]:
        return self.rank, self.cluster


S0 = UnitSituation(0, "none", False, (), (), 0)


def unit_situation(session: Session, unit: Unit, on: dt.date, th: Thresholds | None = None) -> UnitSituation:
    """One unit's own rank and cluster flag on `on` (the write path's cheap check: one small query)."""
    th = th or thresholds(session)
    cases = load_cases(session, on, th, unit.path)
    if cases.empty:
        return S0
    ev = evaluate(cases.assign(_key=unit.id), "_key", on, th)
    if ev.empty:
        return S0
    row = ev.iloc[0]
    return UnitSituation(int(row["rank"]), str(row["rule"]), bool(row["cluster"]), tuple(row["case_codes"]),
                         tuple(row["cluster_codes"]), int(row["n_cases"]))


def last_announced(session: Session, community: Unit, on: dt.date) -> tuple[int, bool]:
    """(rank, cluster) of the last `situation.change` logged for the community up to `on` (none: S0)."""
    ann = announced_situation(session, on, code=community.code)
    if ann.empty:
        return 0, False
    return int(ann.iloc[0]["rank"]), bool(ann.iloc[0]["cluster"])


def _transition_reason(old: tuple[int, bool], new: UnitSituation, th: Thresholds) -> tuple[str, str, str]:
    """(rule, zh, en) explaining a change from `old` to `new`."""
    if new.rank > old[0] or (new.rank == old[0] and new.cluster and not old[1]):
        zh, en = reason(new.rule, th, new.n_cases)
        if new.cluster and not old[1]:
            zh += "；" + CLUSTER_TEXT[0].format(days=th.cluster_window_days, k=th.cluster_min_cases)
            en += "; " + CLUSTER_TEXT[1].format(days=th.cluster_window_days, k=th.cluster_min_cases)
        return new.rule, zh, en
    parts_zh, parts_en = [], []
    if new.rank < old[0]:
        if old[0] == 2 and new.rank >= 1:
            parts_zh.append(f"{th.transmission_window_days}天内不明来源病例已不足{th.transmission_min_cases}例")
            parts_en.append(f"fewer than {th.transmission_min_cases} unknown-source cases within "
                            f"{th.transmission_window_days} days")
        else:
            parts_zh.append(f"{th.active_days}天无新增病例")
            parts_en.append(f"no new case for {th.active_days} days")
        parts_zh[-1] += f"，自动降为{LOG_CODES[new.rank]}"
        parts_en[-1] += f": down to {LOG_CODES[new.rank]} automatically"
    if old[1] and not new.cluster:
        parts_zh.append(f"{th.cluster_window_days}天内病例已不足{th.cluster_min_cases}例，聚集性标记解除")
        parts_en.append(f"fewer than {th.cluster_min_cases} cases within {th.cluster_window_days} days: "
                        f"cluster flag cleared")
    if not parts_zh:  # same rank and flag, nothing to explain
        zh, en = reason(new.rule, th, new.n_cases)
        return new.rule, zh, en
    return "downgrade", "；".join(parts_zh), "; ".join(parts_en)


def log_situation_change(ctx: WriteContext, community: Unit, on: dt.date, old: tuple[int, bool],
                         new: UnitSituation, th: Thresholds, trigger: str | None = None) -> None:
    """Append a `situation.change` event: old → new rank (with the seeds' codes), cluster, rule, case codes,
    trigger case; the actor is whoever made the write (or `system:daily` for downgrades)."""
    rule, zh, en = _transition_reason(old, new, th)
    ctx.record(
        SITUATION_ACTION, "community", community.code, path=community.path,
        old={"rank": old[0], "level": LOG_CODES[old[0]], "cluster": old[1]},
        new={"rank": new.rank, "level": LOG_CODES[new.rank], "cluster": new.cluster, "rule": rule,
             "cases": list(new.case_codes), "cluster_cases": list(new.cluster_codes), "on": on,
             "trigger": trigger},
        reason=f"{zh} / {en}",
    )


def community_of(session: Session, path: str) -> Unit:
    return session.get(Unit, path_ids(path)[int(Level.COMMUNITY) - 1])


def pending_transitions(session: Session, on: dt.date) -> pd.DataFrame:
    """Communities whose level or cluster flag on `on` differs from the last one logged up to `on`."""
    cur = situation(session, level=Level.COMMUNITY, on=on, scheme="seeds")
    ann = announced_situation(session, on)
    merged = cur.merge(ann.rename(columns={"rank": "old_rank", "cluster": "old_cluster"}), on="code", how="left")
    merged["old_rank"] = merged["old_rank"].fillna(0).astype("int64")
    merged["old_cluster"] = merged["old_cluster"].astype("boolean").fillna(False).astype(bool)
    changed = (merged["old_rank"] != merged["rank"]) | (merged["old_cluster"] != merged["cluster"])
    return merged[changed].reset_index(drop=True)


def run_daily_transitions(store: Store, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Log every community whose level changed without a write — above all the automatic downgrades when a
    window passes (§2.2, §3.2) — as `situation.change` events by `system:daily`. Idempotent: a second run on
    the same date finds nothing to log and writes nothing. Returns the transitions logged."""
    on = on or dt.date.today()
    with store.read() as s:
        if pending_transitions(s, on).empty:
            return []
    return write(store, Actor.system("daily"), lambda ctx: apply_transitions(ctx, on))


def apply_transitions(ctx: WriteContext, on: dt.date) -> list[dict[str, Any]]:
    """In the caller's transaction: log each community whose level or cluster flag on `on` differs from the
    last one logged, and raise its alerts (the daily run; a file of cases imported in bulk)."""
    th = thresholds(ctx.session, "seeds")
    done = []
    for row in pending_transitions(ctx.session, on).itertuples(index=False):
        community = ctx.session.get(Unit, int(row.unit_id))
        new = UnitSituation(int(row.rank), str(row.rule), bool(row.cluster), tuple(row.case_codes),
                            tuple(row.cluster_codes), int(row.n_cases))
        old = (int(row.old_rank), bool(row.old_cluster))
        log_situation_change(ctx, community, on, old, new, th)
        raise_situation_alerts(ctx, community, on, old, new, th)
        done.append({"code": community.code, "on": on, "old": LOG_CODES[old[0]], "new": LOG_CODES[new.rank],
                     "old_cluster": old[1], "cluster": new.cluster})
    return done


def raise_situation_alerts(ctx: WriteContext, community: Unit, on: dt.date, old: tuple[int, bool],
                           new: UnitSituation, th: Thresholds) -> list[Alert]:
    """A cases alert when a community reaches S1 from S0, a cluster alert when the flag comes on, a transmission
    alert when it reaches S2. A community going straight from S0 to S2 gets the S2 alert only."""
    out = []
    if new.rank == 1 and old[0] == 0:
        why_zh, why_en = reason(new.rule, th, new.n_cases)
        out.append(raise_alert(
            ctx, "cases", community, on,
            f"{community.name}：出现病例（S1，{why_zh}），落实病例所在楼栋管控、密接排查",
            f"{community.name}: cases (S1, {why_en}) — control the buildings involved, trace close contacts",
            {"cases": list(new.case_codes), "rule": new.rule}))
    if new.cluster and not old[1]:
        out.append(raise_alert(
            ctx, "cluster", community, on,
            f"{community.name}：聚集性病例（{th.cluster_window_days}天内{len(new.cluster_codes)}例），"
            f"立即报告市卫健委/市疫情防控指挥部，涉及楼栋实施硬隔离",
            f"{community.name}: cluster ({len(new.cluster_codes)} cases within {th.cluster_window_days} days) — "
            f"report to city health / HQ now; buildings involved hard-isolated",
            {"cases": list(new.cluster_codes)}))
    if new.rank >= 2 > old[0]:
        out.append(raise_alert(
            ctx, "transmission", community, on,
            # 004 (三)8 names 集市、集会 and 影院、网吧; 农贸市场 stay open under 提升一级管理 (000 §1(六)2)
            f"{community.name}：社区传播（S2），停止集市、集会，关闭影院、网吧等人员聚集场所",
            f"{community.name}: community transmission (S2) — stop fairs and gatherings, close cinemas, "
            f"internet cafés and other crowded places",
            {"cases": list(new.case_codes), "rule": new.rule}))
    return out
