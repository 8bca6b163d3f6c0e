"""/checkpoints: plan where checkpoints (卡点) stand, how many people guard them, and what nobody covers (issue 6).

The street or district comes from the signed-in supervisor's scope (`st.session_state["actor"]`), else a picker;
`?code=` opens one directly, `?radius=` sets the coverage radius and `?checkpoint=` selects a checkpoint (the
/explore card's link). The page only asks geodata (through
dashboard.components.checkpoint_data) and draws: the rules, coverage, the optimiser, rosters and plans all live in
geodata/. What-if changes (a checkpoint added by clicking the map, a move, a drawn zone, staffing) stay in this
session until saved as a plan; applying a plan writes through the audited checkpoint commands.
"""
from __future__ import annotations

import html
import json
import math
from typing import Any

import pandas as pd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from dashboard import auth, run_gate, state
from dashboard.components import checkpoint_data as data
from dashboard.components import checkpoint_map as cmap
from dashboard.components import gate_card
from dashboard.components.edit_text import plain
from dashboard.components.maps import PlaceLabelsWhenStyled, fit_group
from dashboard.i18n import extend, t
from dashboard.mapview import base_map
from geodata.base.vocab import CHECKPOINT_KINDS, Level, label
from geodata.checkpoints.coverage import (
    METHOD_ROAD,
    ZoneWords,
    compound_zones,
    distance_method,
    method_label,
    roads_inside,
)
from geodata.checkpoints.rules import RULES, norm_staffing
from geodata.checkpoints.whatif import PlanItem
from geodata.store.hierarchy import path_ids
from geodata.store.writes import Actor

extend({
    "cp.title": ("卡点布设与值守", "Checkpoint planning and staffing"),
    "cp.area": ("街道/区", "Street / district"),
    "cp.no_area": ("您的管辖范围内没有街道或区。", "There is no street or district in your scope."),
    "cp.radius": ("覆盖半径（米）", "Coverage radius (m)"),
    "cp.distance.road": ("距离按沿道路步行计算（{n} 段道路）",
                         "Distances are walking distances along roads ({n} road pieces)"),
    "cp.distance.no_roads": ("距离按直线计算（本区域没有道路数据）",
                             "Distances are straight lines (no road data for this area)"),
    "cp.distance.setting": ("距离按直线计算（按本市配置，未用道路数据）",
                            "Distances are straight lines (city setting: road data not used)"),
    "cp.whatif_note": ("当前显示方案草稿的效果（{n} 项改动，未保存）；箭头旁为相对现状的变化。",
                       "Showing the what-if draft ({n} changes, not saved); deltas are against the current state."),
    "cp.kpi.entrances": ("开放出入口", "Open entrances"),
    "cp.kpi.uncovered": ("未覆盖出入口", "Uncovered entrances"),
    "cp.kpi.zone_uncovered": ("{z}未覆盖", "Uncovered in {z}"),  # {z}: the active scheme's two upper levels
    "cp.kpi.posts": ("在岗卡点", "Staffed checkpoints"),
    "cp.kpi.people": ("值守人数/日", "People on duty a day"),
    "cp.kpi.norm": ("标准 {n}", "norm {n}"),
    "cp.kpi.households": ("覆盖户数", "Households covered"),
    "cp.kpi.violations": ("违规", "Violations"),
    "cp.mode": ("地图点击", "Map click"),
    "cp.mode.view": ("查看卡点", "Inspect"),
    "cp.mode.add": ("添加卡点", "Add checkpoint"),
    "cp.mode.candidate": ("添加候选点", "Add candidate point"),
    "cp.mode.move": ("移动卡点", "Move checkpoint"),
    "cp.mode.zone": ("画区域边界", "Draw zone boundary"),
    "cp.mode.hint.view": ("点击卡点查看其覆盖范围与值守。", "Click a checkpoint to see what it covers."),
    "cp.mode.hint.add": ("点击地图放置一个新卡点（按标准配 4 白 / 2 夜），覆盖与人力即时重算。",
                         "Click the map to place a new checkpoint (staffed to the norm); coverage and staffing "
                         "update at once."),
    "cp.mode.hint.candidate": ("点击地图添加候选位置，供“优化建议”选用。",
                               "Click the map to add candidate places for the optimiser."),
    "cp.mode.hint.move": ("先点击要移动的卡点，再点击新位置。", "Click the checkpoint, then its new place."),
    "cp.mode.hint.zone": ("依次点击边界顶点，完成后点“闭合区域”。", "Click the corners, then “Close zone”."),
    "cp.zone.close": ("闭合区域", "Close zone"),
    "cp.zone.clear": ("清除区域", "Clear zone"),
    "cp.zone.rank": ("区域类别", "Zone kind"),
    "cp.zone.drawn": ("已画区域：{n} 个顶点", "Drawn zone: {n} corners"),
    "cp.selected": ("已选卡点：{name}（{code}）", "Selected: {name} ({code})"),
    "cp.selected.covers": ("覆盖出入口 {e} 个、楼栋 {b} 栋、{h} 户", "covers {e} entrances, {b} buildings, {h} households"),
    "cp.selected.move_hint": ("现在点击地图上的新位置。", "Now click its new place on the map."),
    "cp.act.staff": ("按标准配齐", "Staff to the norm"),
    "cp.act.close": ("关闭", "Close"),
    "cp.act.open": ("开放", "Open"),
    "cp.act.release": ("撤岗（0 人）", "Release guards (0)"),
    "cp.tab.violations": ("违规（{n}）", "Violations ({n})"),
    "cp.tab.coverage": ("覆盖", "Coverage"),
    "cp.tab.optimise": ("优化建议", "Suggest placement"),
    "cp.tab.roster": ("排班表", "Rosters"),
    "cp.tab.plans": ("方案", "Plans"),
    "cp.rules_filter": ("规则", "Rules"),
    "cp.no_violations": ("没有违规。", "No violations."),
    "cp.col.rule": ("规则", "Rule"), "cp.col.code": ("编码", "Code"), "cp.col.name": ("名称", "Name"),
    "cp.col.detail": ("说明", "Detail"), "cp.col.source": ("依据", "Source"), "cp.col.kind": ("类型", "Kind"),
    "cp.col.entrances": ("覆盖出入口", "Entrances"), "cp.col.buildings": ("覆盖楼栋", "Buildings"),
    "cp.col.households": ("覆盖户数", "Households"), "cp.col.population": ("覆盖人数", "People"),
    "cp.col.nearest": ("最近卡点", "Nearest post"), "cp.col.distance": ("距离（米）", "Distance (m)"),
    "cp.col.zone": ("分区", "Zone"), "cp.col.date": ("日期", "Date"), "cp.col.day": ("白班", "Day"),
    "cp.col.night": ("夜班", "Night"), "cp.col.staffing": ("是否达标", "Meets norm"),
    "cp.col.action": ("操作", "Action"), "cp.col.people": ("人/日", "People/day"), "cp.col.source_kind": ("来源", "From"),
    "cp.per_post": ("每个在岗卡点的覆盖", "What each staffed checkpoint covers"),
    "cp.uncovered_list": ("未覆盖的出入口", "Entrances nobody covers"),
    "cp.opt.zone": ("规划范围", "Plan for"),
    "cp.opt.zone.all": ("整个街道/区", "The whole area"),
    "cp.opt.zone.controlled": ("仅{z}", "{z} only"),
    "cp.opt.zone.drawn": ("地图上画的区域", "The zone drawn on the map"),
    "cp.opt.mode": ("目标", "Goal"),
    "cp.opt.mode.cover": ("最少卡点覆盖全部出入口", "Fewest checkpoints covering every entrance"),
    "cp.opt.mode.people": ("最少人力覆盖全部出入口", "Fewest people covering every entrance"),
    "cp.opt.mode.k": ("给定卡点数，覆盖最多", "Best placement of k checkpoints"),
    "cp.opt.mode.budget": ("给定每日人力，覆盖最多", "Best placement within a people-a-day budget"),
    "cp.opt.k": ("卡点数 k", "Checkpoints k"),
    "cp.opt.budget": ("每日人力预算（人）", "Budget (people a day)"),
    "cp.opt.keep": ("保留现有在岗卡点，只补不足", "Keep staffed posts, plan only what they leave"),
    "cp.opt.close_surplus": ("封闭管理小区只留一个出入口", "Closed compounds keep one entrance"),
    "cp.opt.release": ("撤下不再需要的出入口岗", "Release entrance guards no longer needed"),
    "cp.opt.candidates": ("候选点：{n} 个（在地图上用“添加候选点”增加）",
                          "Candidate points: {n} (add them with “Add candidate point”)"),
    "cp.opt.time": ("求解时限（秒）", "Time limit (s)"),
    "cp.opt.run": ("计算建议", "Suggest"),
    "cp.opt.result": ("建议：{n} 个卡点，每日 {p} 人，覆盖 {c}/{t} 个出入口",
                      "Suggestion: {n} checkpoints, {p} people a day, {c}/{t} entrances covered"),
    "cp.opt.method.milp": ("整数规划精确求解", "exact integer program"),
    "cp.opt.method.greedy": ("贪心近似（规模过大）", "greedy (too large for the exact solver)"),
    "cp.opt.method.mixed": ("整数规划 + 部分贪心", "integer program, some parts greedy"),
    "cp.opt.quality": ("{method}，{parts} 个独立部分，用时 {s} 秒；{gap}",
                       "{method}, {parts} independent parts, {s} s; {gap}"),
    "cp.opt.optimal": ("已证明最优", "proven optimal"),
    "cp.opt.gap": ("与最优解差距不超过 {g}（下界 {b}）", "within {g} of the optimum (bound {b})"),
    "cp.opt.use": ("采用为方案草稿", "Use as the what-if draft"),
    "cp.opt.left": ("注意：草稿还保留 {m} 个现有在岗卡点（建议不需要），采用后共 {n} 个；勾选“撤下不再需要的出入口岗”"
                    "后重新计算，草稿即为 {k} 个。",
                    "Note: the draft also keeps {m} staffed posts the suggestion does not need — {n} in all; tick "
                    "“Release entrance guards no longer needed” and suggest again for exactly {k}."),
    "cp.opt.no_changes": ("现有卡点已满足：无需改动。", "The current posts already do it: nothing to change."),
    "cp.roster.days": ("{start} 起 7 天", "7 days from {start}"),
    "cp.roster.only_short": ("只看不达标的班", "Only shifts below the norm"),
    "cp.roster.totals": ("各街道值守人力（日期列为当天排班人数）", "Staffing per street (date columns: people rostered)"),
    "cp.tot.street": ("街道/乡镇", "Street"), "cp.tot.checkpoints": ("开放卡点", "Open checkpoints"),
    "cp.tot.guarded": ("有人值守", "Guarded"), "cp.tot.people_per_day": ("现有人数/日", "People a day"),
    "cp.tot.norm_per_day": ("标准人数/日", "Norm a day"), "cp.tot.shortfall": ("缺口", "Shortfall"),
    "cp.roster.download": ("下载排班表（XLSX，可打印）", "Download rosters (XLSX, printable)"),
    "cp.plan.draft": ("方案草稿（未保存）", "What-if draft (not saved)"),
    "cp.plan.empty": ("草稿为空：在地图上添加/移动卡点、画区域，或采用优化建议。",
                      "The draft is empty: add or move checkpoints on the map, draw a zone, or use a suggestion."),
    "cp.plan.clear": ("清空草稿", "Clear the draft"),
    "cp.plan.remove": ("删除所选改动", "Remove the selected changes"),
    "cp.plan.name": ("方案名称", "Plan name"),
    "cp.plan.note": ("说明", "Note"),
    "cp.plan.save": ("保存为方案", "Save as a plan"),
    "cp.plan.saved": ("已保存的方案", "Saved plans"),
    "cp.plan.none": ("还没有保存的方案。", "No saved plans yet."),
    "cp.plan.compare": ("对比方案", "Compare plans"),
    "cp.plan.load": ("载入为草稿", "Load into the draft"),
    "cp.plan.apply": ("实施方案", "Apply the plan"),
    "cp.plan.apply_confirm": ("我确认按此方案调整卡点（留痕，不可撤销）",
                              "I confirm: change the checkpoints as planned (audited, cannot be undone)"),
    "cp.plan.discard": ("作废方案", "Discard the plan"),
    "cp.plan.pick": ("选择方案", "Plan"),
    "cp.plan.sign_in": ("登录为街道督导或指挥部后可保存和实施方案。",
                        "Sign in as a supervisor or the command centre to save and apply plans."),
    "cp.action.add": ("新设", "add"), "cp.action.move": ("移动", "move"), "cp.action.open": ("开放", "open"),
    "cp.action.close": ("关闭", "close"), "cp.action.staff": ("值守调整", "staffing"),
    "cp.status.draft": ("草稿", "draft"), "cp.status.applied": ("已实施", "applied"),
    "cp.status.discarded": ("已作废", "discarded"),
    "cp.fig.posts_staffed": ("在岗卡点", "Staffed checkpoints"),
    "cp.fig.people_per_day": ("值守人数/日", "People a day"),
    "cp.fig.norm_people_per_day": ("标准人数/日", "Norm people a day"),
    "cp.fig.entrances_open": ("开放出入口", "Open entrances"),
    "cp.fig.entrances_covered": ("已覆盖出入口", "Entrances covered"),
    "cp.fig.entrances_uncovered": ("未覆盖出入口", "Entrances uncovered"),
    "cp.fig.zone_entrances_uncovered": ("{z}未覆盖", "Uncovered in {z}"),
    "cp.fig.buildings_covered": ("覆盖楼栋", "Buildings covered"),
    "cp.fig.households_covered": ("覆盖户数", "Households covered"),
    "cp.fig.violations": ("违规", "Violations"),
    "cp.current": ("现状", "Current"),
    "cp.pl.status": ("状态", "Status"), "cp.pl.items": ("改动数", "Changes"), "cp.pl.by": ("制定人", "By"),
    "cp.pl.at": ("保存时间", "Saved"), "cp.pl.applied": ("实施人", "Applied by"),
    "cp.current_note": ("显示现状（已保存的数据）。", "Showing the current state (as stored)."),
})

MAP_HEIGHT = 620
MODES = ("view", "add", "candidate", "move", "zone")


# --- who and where ------------------------------------------------------------------------------------------


def signed_in() -> Actor | None:
    actor = st.session_state.get("actor")
    if isinstance(actor, dict):
        actor = Actor(**actor)
    return actor if isinstance(actor, Actor) else None


def pick_area(v: state.View, actor: Actor | None, lang: str) -> str | None:
    """The street/district in view: ?code=, else the actor's own street/district, else the first one."""
    scope = actor.scope_path if actor else None
    options = data.areas(v.url, v.version, scope)
    if options.empty and scope and len(path_ids(scope)) > int(Level.STREET):
        # a community head or grid leader: their street, read-only for plans
        options = data.areas(v.url, v.version, "/" + "/".join(str(i) for i in path_ids(scope)[:Level.STREET]) + "/")
    if options.empty:
        return None
    codes = options["code"].tolist()
    wanted = state.param("code")
    if wanted not in codes:
        own = options[options["path"] == scope]["code"].tolist() if scope else []
        wanted = own[0] if own else codes[0]
    if len(codes) == 1:
        return codes[0]
    labels = dict(zip(options["code"], options["label"]))
    chosen = st.selectbox(t("cp.area", lang), codes, index=codes.index(wanted), format_func=lambda c: labels[c],
                          key="cp-area")
    if chosen != st.query_params.get("code"):
        st.query_params["code"] = chosen
    return chosen


# --- the what-if draft in this session ---------------------------------------------------------------------


def _key(kind: str, code: str) -> str:
    return f"cp-{kind}::{code}"


def draft(code: str) -> list[PlanItem]:
    return data.items_from(st.session_state.get(_key("items", code), "[]"))


def set_draft(code: str, items: list[PlanItem]) -> None:
    st.session_state[_key("items", code)] = data.items_json(items)


def zone_state(code: str) -> dict[str, Any]:
    return st.session_state.setdefault(_key("zone", code), {"vertices": [], "closed": False, "rank": 1})


def zone_wkt(code: str) -> str | None:
    z = zone_state(code)
    if z["closed"] and len(z["vertices"]) >= 3:
        poly = shapely.Polygon(z["vertices"])
        return poly.wkt if poly.is_valid else shapely.make_valid(poly).convex_hull.wkt
    return None


def candidates(code: str) -> list[tuple[float, float]]:
    return st.session_state.setdefault(_key("cands", code), [])


# --- KPI strip ----------------------------------------------------------------------------------------------


def kpis(now: dict[str, Any], shown: dict[str, Any], lang: str, changed: bool, zones: str = "") -> None:
    cols = st.columns(6)
    spec = [
        ("cp.kpi.entrances", "entrances_open", "off"),
        ("cp.kpi.uncovered", "entrances_uncovered", "inverse"),
        ("cp.kpi.zone_uncovered", "zone_entrances_uncovered", "inverse"),
        ("cp.kpi.posts", "posts_staffed", "off"),
        ("cp.kpi.people", "people_per_day", "off"),
        ("cp.kpi.violations", "violations", "inverse"),
    ]
    for col, (key, fig, colour) in zip(cols, spec):
        delta = shown[fig] - now[fig] if changed else None
        with col:
            st.metric(t(key, lang, z=zones), f"{shown[fig]:,}", delta=None if not delta else f"{delta:+,}",
                      delta_color=colour, help=t("cp.kpi.norm", lang, n=f"{shown['norm_people_per_day']:,}")
                      if fig == "people_per_day" else None)


def distance_note(method: str, n_roads: int, lang: str) -> str:
    """Which distance the coverage uses, and why."""
    if method == METHOD_ROAD:
        return t("cp.distance.road", lang, n=f"{n_roads:,}")
    return t("cp.distance.setting" if n_roads else "cp.distance.no_roads", lang)


# --- the map ------------------------------------------------------------------------------------------------


def _base(area, v: state.View) -> Any:
    bounds = area.communities.total_bounds if len(area.communities) else shapely.bounds(area.geom)
    outline = area.communities[["code", "name", "level", "geometry"]]
    m = base_map(bounds, tile_url=v.settings.tile_url, tile_attr=v.settings.tile_attribution,
                 dark=not v.settings.tile_url, outline=outline, max_zoom=v.settings.tile_max_zoom)
    PlaceLabelsWhenStyled().add_to(m)
    return m


@st.fragment
@run_gate.gated
def map_panel(v: state.View, code: str, radius: float, ev, lang: str) -> None:
    area = data.area(v.url, v.version, code, v.on)
    mode = st.radio(t("cp.mode", lang), MODES, horizontal=True, key="cp-mode",
                    format_func=lambda m: t(f"cp.mode.{m}", lang))
    st.caption(t(f"cp.mode.hint.{mode}", lang))
    zs = zone_state(code)
    # mode-specific controls live in a container that is always there: an element appearing above the map would
    # shift it in the page tree and make Streamlit mount a new map (losing the zoom people chose)
    controls = st.container()
    if mode == "zone":
        with controls:
            c1, c2, c3, c4 = st.columns([2, 1, 1, 3])
            with c1:
                zs["rank"] = st.radio(t("cp.zone.rank", lang), (2, 1), horizontal=True,
                                      index=0 if zs["rank"] == 2 else 1, key="cp-zone-rank",
                                      format_func=lambda r: area.words.label(r, lang))
            with c2:
                if st.button(t("cp.zone.close", lang), disabled=len(zs["vertices"]) < 3, key="cp-zone-close"):
                    zs["closed"] = True
                    st.rerun()
            with c3:
                if st.button(t("cp.zone.clear", lang), key="cp-zone-clear"):
                    zs.update(vertices=[], closed=False)
                    st.rerun()
            with c4:
                st.caption(t("cp.zone.drawn", lang, n=len(zs["vertices"])))

    dark = not v.settings.tile_url
    a = area.with_zone(data.zone_of(zone_wkt(code)), zs["rank"])
    sel_code = st.session_state.get(_key("sel", code))
    cps = ev.checkpoints
    selected = cps[cps["code"] == sel_code] if sel_code else None
    groups = [
        cmap.zones_group(a.compounds, compound_zones(a), a.words, lang=lang, dark=dark),
        # above the zone fills (a road's name shows on hover), below every marker
        cmap.roads_group(data.roads_geojson(v.url, v.version, code, v.on, lang), lang=lang),
        cmap.uncovered_group(ev.coverage.entrances, ev.coverage.buildings, lang=lang, dark=dark),
        cmap.violations_group(ev.violations, lang=lang, dark=dark),
        cmap.checkpoints_group(cps.assign(staffing=_staffing(cps, area.norms)), lang=lang, dark=dark),
    ]
    sug = current_suggestion(v, code, radius)
    if sug is not None:
        groups.append(cmap.picks_group(sug.candidates, radius, lang=lang, dark=dark))
    stored = area.checkpoints.set_index("code")
    moves = [(float(stored.at[i.code, "lon"]), float(stored.at[i.code, "lat"]), float(i.lon), float(i.lat))
             for i in draft(code) if i.action == "move" and i.code in stored.index]
    groups.append(cmap.sketch_group(candidates=candidates(code), moves=moves, zone_vertices=zs["vertices"],
                                    zone_closed=zs["closed"], selected=selected, radius_m=radius, lang=lang))
    if selected is not None and len(selected) and sel_code == st.session_state.get(_key("sel-url", code)):
        groups.append(fit_group(around(selected.iloc[0], radius)))  # opened from its card: show it up close
    out = st_folium(_base(area, v), key=f"cpmap-{code}", height=MAP_HEIGHT, use_container_width=True,
                    returned_objects=["last_clicked", "last_active_drawing"], feature_group_to_add=groups)
    handle_click(out or {}, code, mode, area, lang)
    if selected is not None and len(selected):
        selected_panel(selected.iloc[0], ev, area.norms, code, lang, mode)


def _staffing(cps: pd.DataFrame, norms: dict[str, Any]) -> list[str]:
    from geodata.checkpoints.rules import staffing_status

    return staffing_status(cps, norms).tolist() if len(cps) else []


def handle_click(out: dict[str, Any], code: str, mode: str, area, lang: str) -> None:
    """Turn a new click into a change of the draft, once (st_folium repeats its last value on every run)."""
    click = out.get("last_clicked")
    drawing = out.get("last_active_drawing") or {}
    feature = (drawing.get("properties") or {}).get("code")
    seen = st.session_state.get(_key("seen", code), {})
    click_key = json.dumps(click, sort_keys=True) if click else None
    new_feature = feature and json.dumps(drawing, sort_keys=True) != seen.get("drawing")
    new_click = click_key and click_key != seen.get("click")
    if not (new_feature or new_click):
        return
    st.session_state[_key("seen", code)] = {"drawing": json.dumps(drawing, sort_keys=True), "click": click_key}
    known = set(area.checkpoints["code"])
    if new_feature and feature in known and mode in ("view", "move"):
        st.session_state[_key("sel", code)] = feature
        st.rerun()
    if not new_click:
        return
    lon, lat = float(click["lng"]), float(click["lat"])
    if mode == "add":
        items = draft(code)
        n = sum(1 for i in items if i.action == "add") + 1
        items.append(PlanItem("add", name=t("cp.mode.add", lang) + f" {n}", kind="community_checkpoint",
                              lon=lon, lat=lat, is_24h=True))
        set_draft(code, items)
    elif mode == "candidate":
        candidates(code).append((lon, lat))
    elif mode == "move":
        sel = st.session_state.get(_key("sel", code))
        if not sel or sel not in known or new_feature:
            return
        items = [i for i in draft(code) if not (i.action == "move" and i.code == sel)]
        base = area.checkpoints.set_index("code").loc[sel]
        items.append(PlanItem("move", sel, name=str(base["name"]), lon=lon, lat=lat, base_version=int(base["version"])))
        set_draft(code, items)
    elif mode == "zone":
        zs = zone_state(code)
        if zs["closed"]:
            zs.update(vertices=[], closed=False)
        zs["vertices"].append((lon, lat))
    else:
        return
    st.rerun()


def selected_panel(row: pd.Series, ev, norms: dict[str, Any], code: str, lang: str, mode: str) -> None:
    cov = ev.coverage.covered_by(row["code"])
    per = ev.coverage.per_post.set_index("code")
    h = int(per.at[row["code"], "households"]) if row["code"] in per.index else 0
    st.markdown(f"**{t('cp.selected', lang, name=plain(row['name']), code=plain(row['code']))}** · "
                f"{label(CHECKPOINT_KINDS, row['kind'], lang)} · {int(row['staff_day'])}/{int(row['staff_night'])} · "
                + t("cp.selected.covers", lang, e=len(cov["entrances"]), b=len(cov["buildings"]), h=f"{h:,}"))
    if not str(row["code"]).startswith("NEW-"):
        gate_card.today_line(row, lang)  # today's entries and fevers at it, as its card on /explore (issue 15)
    if mode == "move":
        st.caption(t("cp.selected.move_hint", lang))
        return
    version = None if pd.isna(row.get("version")) else int(row["version"])
    if str(row["code"]).startswith("NEW-"):
        return
    day, night = norm_staffing(row["kind"], norms)
    actions = {
        "staff": PlanItem("staff", row["code"], name=row["name"], staff_day=day, staff_night=night, is_24h=True,
                          base_version=version),
        "release": PlanItem("staff", row["code"], name=row["name"], staff_day=0, staff_night=0, is_24h=False,
                            base_version=version),
        "close" if row["status"] == "open" else "open": PlanItem(
            "close" if row["status"] == "open" else "open", row["code"], name=row["name"], base_version=version),
    }
    cols = st.columns(len(actions) + 3)
    for col, (name, item) in zip(cols, actions.items()):
        with col:
            if st.button(t(f"cp.act.{name}", lang), key=f"cp-act-{name}-{row['code']}"):
                items = [i for i in draft(code) if not (i.code == row["code"] and i.action == item.action)]
                set_draft(code, [*items, item])
                st.rerun(scope="app")


# --- tabs ---------------------------------------------------------------------------------------------------


def violations_tab(ev, lang: str) -> None:
    vio = ev.violations
    if vio.empty:
        st.success(t("cp.no_violations", lang))
        return
    counts = vio["rule"].value_counts()
    rules = [r for r in RULES if r in counts.index]
    picked = st.multiselect(t("cp.rules_filter", lang), rules, default=rules, key="cp-rules",
                            placeholder=t("choose_many", lang),
                            format_func=lambda r: f"{RULES[r][1 if lang == 'en' else 0]}（{counts[r]}）")
    rows = vio[vio["rule"].isin(picked)]
    en = lang == "en"
    st.dataframe(pd.DataFrame({
        t("cp.col.rule", lang): rows["rule_en" if en else "rule_zh"], t("cp.col.code", lang): rows["code"],
        t("cp.col.name", lang): rows["name"], t("cp.col.detail", lang): rows["detail_en" if en else "detail_zh"],
        t("cp.col.source", lang): rows["source"]}), hide_index=True, width="stretch", height=360)


def coverage_tab(ev, n_roads: int, words: ZoneWords, lang: str) -> None:
    cov = ev.coverage
    st.caption(distance_note(cov.method, n_roads, lang))
    f = cov.figures
    c = st.columns(4)
    c[0].metric(t("cp.fig.entrances_covered", lang), f"{f['entrances_covered']:,}/{f['entrances_open']:,}")
    c[1].metric(t("cp.fig.buildings_covered", lang), f"{f['buildings_covered']:,}/{f['buildings']:,}")
    c[2].metric(t("cp.kpi.households", lang), f"{f['households_covered']:,}/{f['households']:,}")
    c[3].metric(t("cp.col.population", lang), f"{f['population_covered']:,}/{f['population']:,}")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('cp.per_post', lang)}**")
        per = cov.per_post.sort_values("households", ascending=False)
        heads = {c: t(f"cp.col.{c}", lang) for c in ("code", "name", "entrances", "buildings", "households",
                                                      "population")}
        st.dataframe(per.rename(columns=heads), hide_index=True, width="stretch", height=320)
    with right:
        st.markdown(f"**{t('cp.uncovered_list', lang)}**")
        un = cov.entrances[~cov.entrances["covered"]]
        st.dataframe(pd.DataFrame({
            t("cp.col.code", lang): un["code"], t("cp.col.name", lang): un["name"],
            t("cp.col.zone", lang): [words.label(z, lang) for z in un["zone_rank"]],
            t("cp.col.nearest", lang): un["nearest_code"], t("cp.col.distance", lang): un["nearest_m"]}),
            hide_index=True, width="stretch", height=320)


def current_suggestion(v: state.View, code: str, radius: float):
    params = st.session_state.get(_key("suggest", code))
    if not params:
        return None
    zs = zone_state(code)
    try:
        return data.suggestion(v.url, v.version, code, v.on, radius, zone_wkt(code), zs["rank"], params)
    except Exception as exc:  # noqa: BLE001 — a refused zone (e.g. cleared) must not break the page
        st.session_state.pop(_key("suggest", code), None)
        st.warning(plain(str(exc)))
        return None


def optimise_tab(v: state.View, code: str, radius: float, lang: str) -> None:
    area = data.area(v.url, v.version, code, v.on)
    zone_choices = ["all", "controlled"] + (["drawn"] if zone_wkt(code) else []) + area.communities["code"].tolist()
    names = dict(zip(area.communities["code"], area.communities["name"]))
    with st.form(f"cp-opt-{code}"):
        c1, c2 = st.columns(2)
        with c1:
            zone = st.selectbox(t("cp.opt.zone", lang), zone_choices,
                                format_func=lambda z: t(f"cp.opt.zone.{z}", lang, z=area.words.raised(lang))
                                if z in ("all", "controlled", "drawn") else names[z])
            mode = st.radio(t("cp.opt.mode", lang), ("cover", "people", "k", "budget"),
                            format_func=lambda m: t(f"cp.opt.mode.{m}", lang))
            k = st.number_input(t("cp.opt.k", lang), min_value=1, value=10, step=1)
            budget = st.number_input(t("cp.opt.budget", lang), min_value=6, value=120, step=6)
        with c2:
            keep = st.checkbox(t("cp.opt.keep", lang), value=False)
            close_surplus = st.checkbox(t("cp.opt.close_surplus", lang), value=True)
            # ticked by default: then the draft holds exactly the suggested posts (issue 16 point 4)
            release = st.checkbox(t("cp.opt.release", lang), value=True)
            limit = st.number_input(t("cp.opt.time", lang), min_value=1, max_value=120,
                                    value=int(area.planning.get("time_limit_s", 10)))
            st.caption(t("cp.opt.candidates", lang, n=len(candidates(code))))
        run = st.form_submit_button(t("cp.opt.run", lang), type="primary")
    if run:
        params = {"mode": "cover" if mode == "people" else mode, "objective": "people" if mode == "people" else "count",
                  "zone": None if zone in ("all", "controlled") else zone, "controlled_only": zone == "controlled",
                  "keep_existing": keep, "close_surplus": close_surplus, "release_unchosen": release,
                  "time_limit": float(limit), "extra_points": [list(p) for p in candidates(code)]}
        if mode == "k":
            params["k"] = int(k)
        if mode == "budget":
            params["budget"] = float(budget)
        st.session_state[_key("suggest", code)] = json.dumps(params, sort_keys=True)
        st.rerun()
    sug = current_suggestion(v, code, radius)
    if sug is None:
        return
    f = sug.figures
    st.markdown("**" + t("cp.opt.result", lang, n=f["checkpoints"], p=f"{f['people_per_day']:,}", c=f["covered"],
                        t=f["targets"]) + "**")
    if f.get("left_staffed"):  # the draft keeps staffed posts the answer does not need: say so, with the total
        st.warning(t("cp.opt.left", lang, m=f["left_staffed"], n=f["posts_after"], k=f["checkpoints"]))
    gap = t("cp.opt.optimal", lang) if f["optimal"] else t("cp.opt.gap", lang, g=f"{f['gap']:.1%}",
                                                             b=f"{f['bound']:,.0f}")
    st.caption(t("cp.opt.quality", lang, method=t(f"cp.opt.method.{f['method']}", lang), parts=f["components"],
                 s=f["seconds"], gap=gap) + " · " + method_label(f["distance"], lang))
    chosen = sug.candidates[sug.candidates["chosen"]]
    st.dataframe(pd.DataFrame({
        t("cp.col.code", lang): chosen["code"], t("cp.col.name", lang): chosen["name"],
        t("cp.col.kind", lang): [label(CHECKPOINT_KINDS, k, lang) for k in chosen["kind"]],
        t("cp.col.source_kind", lang): [t(f"cpmap.pick.{s}", lang) for s in chosen["source"]],
        t("cp.col.entrances", lang): chosen["covers"], t("cp.col.people", lang): chosen["people_per_day"]}),
        hide_index=True, width="stretch", height=240)
    if not sug.items:
        st.info(t("cp.opt.no_changes", lang))
    elif st.button(t("cp.opt.use", lang), key=f"cp-use-{code}"):
        set_draft(code, list(sug.items))
        st.rerun()


def roster_tab(v: state.View, code: str, actor: Actor | None, lang: str) -> None:
    ros, totals, names = data.roster_tables(v.url, v.version, code, v.on, 7)
    st.caption(t("cp.roster.days", lang, start=f"{v.on:%Y-%m-%d}"))
    st.markdown(f"**{t('cp.roster.totals', lang)}**")
    heads = {c: t(f"cp.tot.{c}", lang) for c in ("street", "checkpoints", "guarded", "people_per_day",
                                                   "norm_per_day", "shortfall")}
    st.dataframe(totals.rename(columns=heads), hide_index=True, width="stretch")
    st.download_button(t("cp.roster.download", lang),
                       data.roster_workbook(v.url, v.version, code, v.on, 7, actor.username if actor else None),
                       file_name=f"排班表_{code}_{v.on:%Y%m%d}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"cp-xlsx-{code}")
    only_short = st.toggle(t("cp.roster.only_short", lang), value=False, key="cp-only-short")
    rows = ros[ros["staffing"] != "ok"] if only_short else ros
    status = {"ok": "✓", "under": "✗", "unstaffed": "✗"}
    st.dataframe(pd.DataFrame({
        t("cp.col.code", lang): rows["code"], t("cp.col.name", lang): rows["name"],
        t("cp.col.date", lang): [f"{d:%m-%d}" for d in rows["on_date"]],
        t("cp.col.day", lang): [f"{a}（{b}）" if isinstance(b, str) else str(a) for a, b in zip(rows["staff_day"],
                                                                                          rows["leader_day"])],
        t("cp.col.night", lang): [f"{a}（{b}）" if isinstance(b, str) else str(a)
                               for a, b in zip(rows["staff_night"], rows["leader_night"])],
        t("cp.col.staffing", lang): [status.get(s, s) for s in rows["staffing"]]}),
        hide_index=True, width="stretch", height=380)


def _item_rows(items: list[PlanItem], lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("cp.col.action", lang): [t(f"cp.action.{i.action}", lang) for i in items],
        t("cp.col.code", lang): [i.code or "—" for i in items],
        t("cp.col.name", lang): [i.name or "" for i in items],
        t("cp.col.detail", lang): [
            (f"{i.staff_day}/{i.staff_night}" if i.staff_day is not None else "")
            + (f" @ {i.lon:.5f}, {i.lat:.5f}" if i.lon is not None else "") for i in items]})


def plans_tab(v: state.View, code: str, radius: float, ev, actor: Actor | None, lang: str) -> None:
    items = draft(code)
    st.markdown(f"**{t('cp.plan.draft', lang)}**")
    if not items and not zone_wkt(code):
        st.caption(t("cp.plan.empty", lang))
    else:
        picked = st.dataframe(_item_rows(items, lang), hide_index=True, width="stretch",
                              on_select="rerun", selection_mode="multi-row", key=f"cp-draft-{code}")
        c1, c2 = st.columns(2)
        rows = set(picked.selection.rows) if picked else set()
        if c1.button(t("cp.plan.remove", lang), disabled=not rows, key=f"cp-remove-{code}"):
            set_draft(code, [i for n, i in enumerate(items) if n not in rows])
            st.rerun()
        if c2.button(t("cp.plan.clear", lang), key=f"cp-clear-{code}"):
            set_draft(code, [])
            st.session_state.pop(_key("sel", code), None)
            st.rerun()
    if actor is None:
        st.info(t("cp.plan.sign_in", lang))
    elif items or zone_wkt(code):
        with st.form(f"cp-save-{code}", clear_on_submit=True):
            name = st.text_input(t("cp.plan.name", lang), key=f"cp-name-{code}")
            note = st.text_input(t("cp.plan.note", lang), key=f"cp-note-{code}")
            if st.form_submit_button(t("cp.plan.save", lang), type="primary"):
                zs = zone_state(code)
                out = data.save_plan(v.url, actor, code=code, name=name, items=data.items_json(items), radius=radius,
                                     zone_wkt=zone_wkt(code), zone_rank=zs["rank"], note=note or None,
                                     figures=ev.figures)
                if out.ok:  # saved: the draft is now the plan's; start the next one empty (issue 16 point 4)
                    set_draft(code, [])
                    st.session_state.pop(_key("sel", code), None)
                    st.session_state["cp-flash"] = out
                    st.rerun()
                out.show(lang)

    st.markdown(f"**{t('cp.plan.saved', lang)}**")
    plans = data.plans(v.url, state.data_version(v.url), code)
    if plans.empty:
        st.caption(t("cp.plan.none", lang))
        return
    figs = [c for c in plans.columns if c.startswith("fig_")]
    shown = plans[["code", "name", "status", "radius_m", "items", "created_by", "created_at", "applied_by"]
                  + [c for c in ("fig_entrances_uncovered", "fig_people_per_day") if c in figs]].copy()
    shown["status"] = [t(f"cp.status.{s}", lang) for s in shown["status"]]
    heads = {"code": "cp.col.code", "name": "cp.col.name", "status": "cp.pl.status", "radius_m": "cp.radius",
             "items": "cp.pl.items", "created_by": "cp.pl.by", "created_at": "cp.pl.at", "applied_by": "cp.pl.applied",
             "fig_entrances_uncovered": "cp.fig.entrances_uncovered", "fig_people_per_day": "cp.fig.people_per_day"}
    st.dataframe(shown.rename(columns={k: t(v, lang) for k, v in heads.items()}), hide_index=True, width="stretch")

    codes = plans["code"].tolist()
    names = dict(zip(plans["code"], plans["name"]))
    compare = st.multiselect(t("cp.plan.compare", lang), codes, default=codes[:2] if len(codes) >= 2 else codes,
                             placeholder=t("choose_many", lang),
                             format_func=lambda c: f"{c} {names[c]}", key=f"cp-cmp-{code}")
    if compare:
        table = data.comparison(v.url, state.data_version(v.url), code, v.on, tuple(compare))
        zones = data.area(v.url, v.version, code, v.on).words.raised(lang)
        table.index = [t(f"cp.fig.{i}", lang, z=zones) for i in table.index]
        table.columns = [t("cp.current", lang) if c == "current" else c for c in table.columns]
        st.dataframe(table, width="stretch")

    chosen = st.selectbox(t("cp.plan.pick", lang), codes, format_func=lambda c: f"{c} {names[c]}",
                          key=f"cp-pick-{code}")
    head, items_text = data.plan_detail(v.url, state.data_version(v.url), chosen)
    st.dataframe(_item_rows(data.items_from(items_text), lang), hide_index=True, width="stretch")
    c1, c2, c3 = st.columns(3)
    if c1.button(t("cp.plan.load", lang), key=f"cp-load-{code}"):
        set_draft(code, data.items_from(items_text))
        if head["zone_wkt"]:
            poly = shapely.from_wkt(head["zone_wkt"])
            zone_state(code).update(vertices=[tuple(p) for p in list(poly.exterior.coords)[:-1]], closed=True,
                                    rank=head["zone_rank"])
        st.rerun()
    if actor is not None and head["status"] == "draft":
        confirm = c2.checkbox(t("cp.plan.apply_confirm", lang), key=f"cp-confirm-{chosen}")
        if c2.button(t("cp.plan.apply", lang), disabled=not confirm, type="primary", key=f"cp-apply-{chosen}"):
            out = data.apply_plan(v.url, actor, chosen, head["version"])
            st.session_state["cp-flash"] = out
            if out.ok:
                set_draft(code, [])
            st.rerun()
        if c3.button(t("cp.plan.discard", lang), key=f"cp-discard-{chosen}"):
            out = data.discard_plan(v.url, actor, chosen)
            st.session_state["cp-flash"] = out
            st.rerun()


def around(row: pd.Series, radius_m: float) -> tuple[float, float, float, float]:
    """West, south, east, north of a box three radii around a checkpoint (its coverage circle and some street)."""
    d = 3 * radius_m / 111_320.0
    k = max(math.cos(math.radians(float(row["lat"]))), 0.1)
    return float(row["lon"]) - d / k, float(row["lat"]) - d, float(row["lon"]) + d / k, float(row["lat"]) + d


def select_from_url(code: str) -> None:
    """`?checkpoint=CODE` selects that checkpoint once (a link from its card on /explore); a click on the map
    selects another afterwards."""
    wanted = state.param("checkpoint")
    if wanted and st.session_state.get(_key("sel-url", code)) != wanted:
        st.session_state[_key("sel-url", code)] = wanted
        st.session_state[_key("sel", code)] = wanted


# --- the page -----------------------------------------------------------------------------------------------


def main() -> None:
    state.require_entry()
    auth.require_signed_in("page.checkpoints")  # staff names and rosters: not for the wall account
    v = state.view()
    lang = v.lang
    actor = signed_in()
    st.html(f'<div class="gw-title">{html.escape(t("cp.title", lang))}</div>')
    top = st.columns([3, 1, 3])
    with top[0]:
        code = pick_area(v, actor, lang)
    if code is None:
        st.info(t("cp.no_area", lang))
        return
    area = data.area(v.url, v.version, code, v.on)
    with top[1]:
        low, high = state.RADIUS_M
        # ?radius= only when valid (state.check_query refused anything else); the area's own radius otherwise
        default = state.param("radius") or min(max(float(area.planning.get("radius_m", 150)), low), high)
        radius = float(st.number_input(t("cp.radius", lang), min_value=low, max_value=high, value=default,
                                       step=10.0, key=f"cp-radius-{code}"))
    with top[2]:
        st.caption(f"{plain(area.name)} · {distance_note(distance_method(area), roads_inside(area), lang)}")
    flash = st.session_state.pop("cp-flash", None)
    with st.container():  # always present, so the map below keeps its place in the page (see map_panel)
        if flash:
            flash.show(lang)

    select_from_url(code)
    items = draft(code)
    zs = zone_state(code)
    wkt = zone_wkt(code)
    now = data.evaluation(v.url, v.version, code, v.on, radius, "[]", None, 1)
    changed = bool(items) or wkt is not None
    ev = data.evaluation(v.url, v.version, code, v.on, radius, data.items_json(items), wkt, zs["rank"]) \
        if changed else now
    kpis(now.figures, ev.figures, lang, changed, area.words.raised(lang))
    st.caption(t("cp.whatif_note", lang, n=len(items) + (1 if wkt else 0)) if changed else t("cp.current_note", lang))

    map_panel(v, code, radius, ev, lang)

    tabs = st.tabs([t("cp.tab.violations", lang, n=len(ev.violations)), t("cp.tab.coverage", lang),
                    t("cp.tab.optimise", lang), t("cp.tab.roster", lang), t("cp.tab.plans", lang)])
    with tabs[0]:
        violations_tab(ev, lang)
    with tabs[1]:
        coverage_tab(ev, roads_inside(area), area.words, lang)
    with tabs[2]:
        optimise_tab(v, code, radius, lang)
    with tabs[3]:
        roster_tab(v, code, actor, lang)
    with tabs[4]:
        plans_tab(v, code, radius, ev, actor, lang)


main()
