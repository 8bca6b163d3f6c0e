"""Events and patrols of the demo city: a believable day (issue 15).

Per grid, the last seven days of patrols (most grids patrolled each day, about one in six not yet today) and a
few events logged over the last ten days — tiers as a grid office sees them (mostly 一般性, some 需协调, a few
urgent or needing approval), most closed, some still open, some of those past their due time. Each community has
a patrol team of 3–5 members (a few short of the norm). Everything from a random stream of its own seeded by the
city's seed, whole columns at a time: the other layers stay what they were for a seed, and the city scale adds
about a second.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from geodata.base.vocab import Level
from geodata.fieldwork.events import insert_events
from geodata.fieldwork.patrols import insert_patrols
from geodata.store.models import utcnow
from geodata.store.rules_config import DEFAULTS
from geodata.store.writes import WriteContext

TIERS = np.array(["general", "coordinate", "urgent", "approval"])
TIER_P = [0.55, 0.28, 0.12, 0.05]
START_LEVEL = {"general": "grid", "coordinate": "community", "urgent": "street", "approval": "community"}
KINDS = np.array(["request", "livelihood", "hazard", "epidemic", "sanitation", "dispute"])
TEXTS = {
    "request": "独居老人请求代购药品", "livelihood": "小区供暖不足，居民反映室温低",
    "hazard": "楼道堆放杂物，影响消防通道", "epidemic": "居民反映邻居从外地返回未报备",
    "sanitation": "垃圾清运不及时", "dispute": "邻里因停车位发生纠纷",
}
DONE = {"request": "已上门送药", "livelihood": "已协调供热公司检修", "hazard": "已清理楼道杂物",
        "epidemic": "已核实并登记，纳入健康监测", "sanitation": "已联系环卫清运", "dispute": "已调解，双方达成一致"}
SURNAMES = np.array(list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"))
GIVEN = np.array(["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "霞"])


def _utc(day: dt.date, hours: np.ndarray) -> list[dt.datetime]:
    # demo times are local (China, UTC+8) office hours, stored as UTC like every time the store holds
    base = dt.datetime.combine(day, dt.time()) - dt.timedelta(hours=8)
    return [base + dt.timedelta(hours=float(h)) for h in hours]


def build(city, rng: np.random.Generator, now: dt.datetime | None = None
          ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(events, patrols, teams, members) frames for `city` (a loaders.demo.DemoCity), as they stand at `now` (the
    build time, UTC; default: the clock's): a demo day holds nothing after it — a patrol not yet started or an
    event not yet reported is left out, a patrol under way ends at `now`, nothing is closed after it."""
    now = now or utcnow()
    today = city.today
    units = city.units
    grids = units.loc[units["level"] == int(Level.GRID), ["code", "parent_code"]].reset_index(drop=True)
    communities = units.loc[units["level"] == int(Level.COMMUNITY), "code"].to_numpy()
    buildings = city.buildings[["code", "grid_code"]]
    first = buildings.groupby("grid_code")["code"].agg(list)
    users = dict(zip(city.users["username"], city.users["scope_code"], strict=True))
    n = len(grids)

    # --- patrols: 7 days, today's still under way in some grids
    days = np.repeat(np.arange(7), n)
    grid_ix = np.tile(np.arange(n), 7)
    done = rng.random(len(days)) < np.where(days == 0, 0.82, 0.93)
    days, grid_ix = days[done], grid_ix[done]
    starts = rng.uniform(8.0, 16.0, len(days))
    lengths = rng.uniform(0.5, 2.0, len(days))
    findings = rng.poisson(0.3, len(days))
    pdays = [today - dt.timedelta(days=int(d)) for d in days]
    started = [dt.datetime.combine(d, dt.time()) - dt.timedelta(hours=8) + dt.timedelta(hours=float(h))
               for d, h in zip(pdays, starts, strict=True)]
    gcodes = grids["code"].to_numpy()[grid_ix]
    recorder = np.where(gcodes == users.get("grid"), "grid", "system:demo")
    patrols = pd.DataFrame({
        "code": [f"PT-{g}-{d:%Y%m%d}" for g, d in zip(gcodes, pdays, strict=True)], "grid_code": gcodes,
        "patrol_date": pdays, "started_at": started,
        "ended_at": [s + dt.timedelta(hours=float(x)) for s, x in zip(started, lengths, strict=True)],
        "recorded_by": recorder,
        "places": [first.get(g, [])[:3] for g in gcodes], "findings": findings})
    patrols = patrols[patrols["started_at"] <= now].reset_index(drop=True)  # the draws above stay as they were
    patrols["ended_at"] = patrols["ended_at"].clip(upper=now)

    # --- events: ~0.7 per grid over ten days
    count = rng.poisson(0.7, n)
    eg = np.repeat(np.arange(n), count)
    m = len(eg)
    tiers = rng.choice(TIERS, m, p=TIER_P)
    kinds = rng.choice(KINDS, m)
    urgent = (tiers == "urgent") & (rng.random(m) < 0.4)
    age_days = rng.integers(0, 10, m)
    reported = [r for d, h in zip(age_days, rng.uniform(8.0, 18.0, m), strict=True)
                for r in _utc(today - dt.timedelta(days=int(d)), np.array([h]))]
    hours = DEFAULTS["events"]
    level = np.array([START_LEVEL[t] for t in tiers])
    # an approval still open has usually gone on to the street; a handful of coordinated ones went up too
    forwarded = ((tiers == "approval") & (rng.random(m) < 0.6)) | ((tiers == "coordinate") & (rng.random(m) < 0.1))
    level = np.where(forwarded, "street", level)
    due_h = np.where(urgent, hours["urgent_hours"], [hours[f"{lv}_hours"] for lv in level])
    due = [r + dt.timedelta(hours=float(h)) for r, h in zip(reported, due_h, strict=True)]
    # older events are mostly closed; today's mostly open; an approval at the street stays open (the district
    # has not decided yet)
    closed = (rng.random(m) < np.clip(0.25 + 0.12 * age_days, 0, 0.95)) & ~((tiers == "approval") & forwarded)
    spent = rng.uniform(0.2, 1.3, m) * due_h
    closed_at = [r + dt.timedelta(hours=float(h)) for r, h in zip(reported, spent, strict=True)]
    # closed by noon today at the latest (the demo's day is half over), and never after the build time
    cutoff = min(dt.datetime.combine(today, dt.time(12)) - dt.timedelta(hours=8), now)
    closed &= np.array([c <= cutoff for c in closed_at], dtype=bool)
    egc = grids["code"].to_numpy()[eg]
    has_building = rng.random(m) < 0.8
    bcodes = [(first.get(g) or [None])[int(i) % max(len(first.get(g) or [None]), 1)] if hb else None
              for g, i, hb in zip(egc, rng.integers(0, 50, m), has_building, strict=True)]
    tracker = np.where(egc == users.get("grid"), "grid", "system:demo")
    events = pd.DataFrame({
        "code": [f"EV-{g}-{i:03d}" for i, g in enumerate(egc)], "grid_code": egc, "building_code": bcodes,
        "kind": kinds, "tier": tiers, "urgency": np.where(urgent, "urgent", "normal"),
        "text": [TEXTS[k] for k in kinds], "handler_level": level, "status": np.where(closed, "closed", "open"),
        "tracker": tracker, "reported_at": reported, "due_at": due, "closed_at": closed_at,
        "closed_by": np.where(level == "grid", tracker, "system:demo"),
        "resolution": [DONE[k] for k in kinds], "feedback": "已电话反馈反映人"})
    events = events[events["reported_at"] <= now].reset_index(drop=True)  # codes keep their numbers: no gaps filled

    # --- patrol teams: one per community, 3–5 members (one in ten short of the norm)
    size = rng.integers(3, 6, len(communities))
    size = np.where(rng.random(len(communities)) < 0.1, 2, size)
    tcodes = np.array([f"TM-{c}" for c in communities])
    teams = pd.DataFrame({"code": tcodes, "community_code": communities, "name": "社区巡防队"})
    mt = np.repeat(np.arange(len(communities)), size)
    k = len(mt)
    first_of_team = np.r_[True, mt[1:] != mt[:-1]] if k else np.array([], dtype=bool)
    members = pd.DataFrame({
        "team_code": tcodes[mt],
        "name": np.char.add(rng.choice(SURNAMES, k), rng.choice(GIVEN, k)),
        "phone": [f"139{int(x):08d}" for x in rng.integers(0, 10**8, k)], "is_leader": first_of_team})
    return events, patrols, teams, members


def store_events(ctx: WriteContext, city) -> None:
    """Build and store the events, patrols and teams of `city` (a step of loaders.demo_store)."""
    events, patrols, teams, members = build(city, np.random.default_rng([city.seed, 0x6576656E]), ctx.now)
    insert_events(ctx, events)
    insert_patrols(ctx, patrols, teams, members)
