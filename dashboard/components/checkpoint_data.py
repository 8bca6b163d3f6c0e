"""Cached reads and commands for the checkpoint planner page: thin wrappers over `geodata.checkpoints.coverage`,
`geodata.checkpoints.whatif`, `.optimise`, `.plans` and `geodata.checkpoints.rosters`, keyed on (database URL, data version, area code, day, …) so that a write
anywhere shows on the next run and nothing heavy is computed twice in between.

No SQL and no rules here: the page asks geodata and draws what it gets. Plan items travel as JSON text (hashable
cache keys; `st.session_state` keeps the same text).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
import shapely
import streamlit as st

from dashboard.components import report_reads
from dashboard.components.edit_text import plain
from dashboard.components.refusals import show_refusal
from dashboard.state import store_for
from geodata.base.vocab import Level
from geodata.base.problems import Refusal
from geodata.checkpoints import optimise, rosters, whatif
from geodata.checkpoints import plans as saved_plans  # `plans` is this module's cached list
from geodata.checkpoints.coverage import METHOD_ROAD, Area, distance_method, load_area, road_network, units_in
from geodata.checkpoints.whatif import PlanItem
from geodata.checkpoints.roads import margin_for
from geodata.store.writes import Actor, write

TTL_S = 15 * 60


def items_json(items: list[PlanItem]) -> str:
    return json.dumps([i.as_dict() for i in items], ensure_ascii=False, sort_keys=True)


def items_from(text: str) -> list[PlanItem]:
    return [PlanItem(**d) for d in json.loads(text or "[]")]


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def areas(url: str, version: int, scope_path: str | None) -> pd.DataFrame:
    """Districts and streets a person may plan: code, name, level, label ('武昌区 / 明山街道')."""
    with store_for(url).read() as s:
        d = units_in(s, scope_path, int(Level.DISTRICT)).assign(level=int(Level.DISTRICT))
        st_ = units_in(s, scope_path, int(Level.STREET)).assign(level=int(Level.STREET))
    names = dict(zip(d["id"], d["name"]))
    st_["label"] = [f"{names.get(int(p.strip('/').split('/')[1]), '')} / {n}".strip(" /")
                    for p, n in zip(st_["path"], st_["name"])]
    d["label"] = d["name"]
    return pd.concat([st_, d], ignore_index=True)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=16)
def area(url: str, version: int, code: str, on: dt.date, radius: float | None = None) -> Area:
    """The area with roads read for walks of `radius` (see geodata.checkpoints.roads.margin_for: radii up to 600 m share one
    entry) and its walking network already built: the cache hands out copies, and a network built after this
    would be built again for every copy."""
    if radius is not None and margin_for(radius) == margin_for(None):
        radius = None  # one cache entry for every radius the default margin serves
    with store_for(url).read() as s:
        a = load_area(s, code, on, radius_m=radius)
    if distance_method(a) == METHOD_ROAD:
        road_network(a)
    return a


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=16)
def roads_geojson(url: str, version: int, code: str, on: dt.date, lang: str) -> str:
    """The area's roads for the map, as GeoJSON text (built once per data version)."""
    from dashboard.components.checkpoint_map import roads_geojson as to_geojson

    return to_geojson(area(url, version, code, on).roads, lang=lang)


def zone_of(zone_wkt: str | None) -> shapely.Geometry | None:
    return shapely.from_wkt(zone_wkt) if zone_wkt else None


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=32)
def evaluation(url: str, version: int, code: str, on: dt.date, radius: float, items: str,
               zone_wkt: str | None, zone_rank: int) -> whatif.Evaluation:
    a = area(url, version, code, on, radius).with_zone(zone_of(zone_wkt), zone_rank)
    return whatif.evaluate(a, items_from(items), radius_m=radius)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=16)
def suggestion(url: str, version: int, code: str, on: dt.date, radius: float, zone_wkt: str | None,
               zone_rank: int, params: str) -> optimise.Suggestion:
    """The optimiser's answer; `params` is the JSON of `optimise.suggest`'s keyword arguments (zone: a code,
    'drawn' for the drawn polygon, or None)."""
    a = area(url, version, code, on, radius).with_zone(zone_of(zone_wkt), zone_rank)
    kw: dict[str, Any] = json.loads(params)
    if kw.get("zone") == "drawn":
        kw["zone"] = zone_of(zone_wkt)
    kw["extra_points"] = [tuple(p) for p in kw.get("extra_points", [])]
    return optimise.suggest(a, radius_m=radius, **kw)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=16)
def roster_tables(url: str, version: int, code: str, on: dt.date, days: int) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                                       dict[int, str]]:
    a = area(url, version, code, on)
    with store_for(url).read() as s:
        names = rosters.street_names(s, a)
    return rosters.roster(a, days=days), rosters.staffing_totals(a, names, days=days), names


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=8)
def roster_workbook(url: str, version: int, code: str, on: dt.date, days: int, who: str | None) -> bytes:
    a = area(url, version, code, on)
    ros, tot, names = roster_tables(url, version, code, on, days)
    return report_reads.roster_file(ros, tot, title=a.name, street_names=names, generated_by=who)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=32)
def plans(url: str, version: int, code: str) -> pd.DataFrame:
    with store_for(url).read() as s:
        return saved_plans.list_plans(s, unit_code=code)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=16)
def comparison(url: str, version: int, code: str, on: dt.date, codes: tuple[str, ...]) -> pd.DataFrame:
    a = area(url, version, code, on)
    with store_for(url).read() as s:
        return saved_plans.compare_plans(s, a, list(codes))


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=32)
def plan_detail(url: str, version: int, plan_code: str) -> tuple[dict[str, Any], str]:
    """A saved plan's header (code, name, status, radius, zone WKT, zone rank, version) and its items as JSON."""
    with store_for(url).read() as s:
        plan, items = saved_plans.plan_items(s, plan_code)
        head = {"code": plan.code, "name": plan.name, "status": plan.status, "radius_m": plan.radius_m,
                "zone_wkt": plan.zone_geom.wkt if plan.zone_geom is not None else None,
                "zone_rank": plan.zone_rank or 1, "version": plan.version, "note": plan.note}
    return head, items_json(items)


# --- commands (never cached) -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """A planner command's result: done (`value`, and what to say in Chinese and English) or the `refusal`."""

    done_zh: str = ""
    done_en: str = ""
    value: Any = None
    refusal: Refusal | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None

    def text(self, lang: str) -> str:
        return self.done_en if lang == "en" else self.done_zh

    def show(self, lang: str) -> None:
        """What was done, or the refusal as every page shows one (`show_refusal`)."""
        if self.refusal is not None:
            show_refusal(self.refusal, lang)
        else:
            st.success(plain(self.text(lang)))


def _run(url: str, actor: Actor, fn) -> Outcome:
    """Run a planner write; any refusal (permission, problems, a checkpoint changed since the plan: Conflict)
    becomes the outcome, shown by `Outcome.show`."""
    try:
        value = write(store_for(url), actor, fn)
    except Refusal as exc:
        return Outcome(refusal=exc)
    return Outcome("已保存", "saved", value)


def save_plan(url: str, actor: Actor, *, code: str, name: str, items: str, radius: float, zone_wkt: str | None,
              zone_rank: int, note: str | None, figures: dict[str, Any]) -> Outcome:
    out = _run(url, actor, lambda ctx: saved_plans.save_plan(
        ctx, unit_code=code, name=name, items=items_from(items), radius_m=radius, zone_geom=zone_of(zone_wkt),
        zone_rank=zone_rank if zone_wkt else None, note=note, figures=figures).code)
    return Outcome(f"已保存方案 {out.value}", f"plan {out.value} saved", out.value) if out.ok else out


def apply_plan(url: str, actor: Actor, plan_code: str, version: int) -> Outcome:
    out = _run(url, actor, lambda ctx: saved_plans.apply_plan(ctx, plan_code, expected_version=version))
    if not out.ok:
        return out
    a = out.value
    return Outcome(f"方案 {a.plan} 已实施：新设 {len(a.created)} 个，调整 {len(a.changed)} 个，排班 {a.shifts_written} 班",
                   f"plan {a.plan} applied: {len(a.created)} created, {len(a.changed)} changed, "
                   f"{a.shifts_written} shifts", a)


def discard_plan(url: str, actor: Actor, plan_code: str) -> Outcome:
    out = _run(url, actor, lambda ctx: saved_plans.discard_plan(ctx, plan_code).code)
    return Outcome("方案已作废", "plan discarded", out.value) if out.ok else out
