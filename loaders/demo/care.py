"""The demo city's care of the vulnerable, supplies, places and 无主小区 ledger (issue 15 part 4): a believable day.

- Visits: most people on the care list were visited or had a delivery in the last days (some overdue beyond the
  `care` setting's 7 days, some never visited); deliveries by 代购、定点投放、不见面送达, a few with a need noted.
- Supplies: every community received masks, disinfectant and daily goods ten days ago and issues some every day
  since, at rates that leave some communities with only a day or two of stock.
- Places: per street an elder-care home, a market, supermarkets and pharmacies at compound centres; most open,
  some under 提升一级管理, a few closed.
- 无主小区: about one compound in twelve, with its flags and 四清 at every stage.

Deterministic: its own random stream from the city's seed, so the other layers stay what they were. Vectorised
reads of what the city stored (persons with tags, communities, compounds); one bulk insert per table through
geodata.fieldwork.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import text

from geodata.base.vocab import Level
from geodata.fieldwork.care import CARE_KINDS, insert_visits
from geodata.fieldwork.places import insert_places_and_ledger
from geodata.fieldwork.supplies import insert_movements
from geodata.store.writes import WriteContext

WHAT = np.array(["米面油", "蔬菜", "药品", "口罩和消毒液", "牛奶鸡蛋", "生活用品"], dtype=object)
NEEDS = np.array(["需要代购降压药", "水管漏水", "想联系子女", "需要上门理发"], dtype=object)
METHODS = np.array(["proxy_purchase", "drop_point", "contactless"], dtype=object)
# per street: kind, count
PLACE_PLAN = (("elder_care", 1), ("market", 1), ("supermarket", 2), ("pharmacy", 2))
PLACE_NAMES = {"elder_care": "颐养院", "market": "农贸市场", "supermarket": "超市", "pharmacy": "大药房"}


def _visits(ctx: WriteContext, rng: np.random.Generator, today: dt.date) -> int:
    rows = ctx.session.execute(text("SELECT id, path, tags FROM persons WHERE tags IS NOT NULL")).all()
    frame = pd.DataFrame(rows, columns=["id", "path", "tags"])
    pattern = "|".join(f'"{k}"' for k in CARE_KINDS)
    frame = frame[frame["tags"].astype(str).str.replace("'", '"').str.contains(pattern)]
    n = len(frame)
    if not n:
        return 0
    # last visit mostly in the last few days, one in seven beyond the 7-day norm, one in twenty never visited
    visited = rng.random(n) >= 0.05
    ago = np.minimum(rng.exponential(3.5, n), 14).astype(np.int64)
    # a second, older visit for half of them
    again = visited & (rng.random(n) < 0.5)
    person = np.r_[frame["id"].to_numpy()[visited], frame["id"].to_numpy()[again]]
    path = np.r_[frame["path"].to_numpy()[visited], frame["path"].to_numpy()[again]]
    days = np.r_[ago[visited], ago[again] + rng.integers(3, 10, int(again.sum()))]
    m = person.size
    delivery = rng.random(m) < 0.6
    method = np.where(delivery, METHODS[rng.integers(0, 3, m)], None)
    what = np.where(delivery, WHAT[rng.integers(0, WHAT.size, m)], "身体状况良好")
    need = np.where(rng.random(m) < 0.05, NEEDS[rng.integers(0, NEEDS.size, m)], None)
    dates = np.datetime64(today, "D") - days.astype("timedelta64[D]")
    now = min(dt.datetime.combine(today, dt.time(9)), ctx.now)  # recorded this morning, never after the build
    records = [{"code": f"CV-D{i:08d}", "person_id": int(person[i]), "path": str(path[i]),
                "visited_on": dates[i].astype(dt.date), "kind": "delivery" if delivery[i] else "visit",
                "method": method[i], "what": what[i], "visitor": "网格员", "need": need[i], "event_code": None,
                "recorded_by": "demo", "recorded_at": now} for i in range(m)]
    return insert_visits(ctx, records)


def _supplies(ctx: WriteContext, rng: np.random.Generator, today: dt.date) -> int:
    comms = ctx.session.execute(text("SELECT id, path FROM units WHERE level = :l ORDER BY id"),
                                {"l": int(Level.COMMUNITY)}).all()
    n = len(comms)
    now = min(dt.datetime.combine(today, dt.time(8)), ctx.now)  # recorded this morning, never after the build
    start = today - dt.timedelta(days=10)
    records = []
    # item: daily use (low, high); the receipt covers the ten days since plus 1–20 days more, so days left today
    # spans from a day or two (the wall's lowest) to three weeks
    for item, (lo, hi) in {"masks": (150, 900), "disinfectant": (10, 60), "daily_goods": (80, 400)}.items():
        use = rng.integers(lo, hi, n)
        amount = use * (10 + rng.integers(1, 21, n))
        for j, (cid, path) in enumerate(comms):
            records.append({"community_id": cid, "path": path, "item": item, "on_date": start,
                            "direction": "receipt", "quantity": int(amount[j]), "note": "区指挥部调拨",
                            "recorded_by": "demo", "recorded_at": now})
            stock = int(amount[j])
            for d in range(9, -1, -1):  # an issue a day, never more than what is left
                qty = min(stock, int(use[j] * rng.uniform(0.9, 1.1)))
                if qty <= 0:
                    break
                stock -= qty
                records.append({"community_id": cid, "path": path, "item": item,
                                "on_date": today - dt.timedelta(days=d), "direction": "issue", "quantity": qty,
                                "note": None, "recorded_by": "demo", "recorded_at": now})
    return insert_movements(ctx, records)


def _places(ctx: WriteContext, rng: np.random.Generator) -> tuple[int, int]:
    comps = pd.DataFrame(ctx.session.execute(text(
        "SELECT id, code, name, path, kind, label_lon, label_lat FROM units WHERE level = :l ORDER BY id"),
        {"l": int(Level.COMPOUND)}).all(), columns=["id", "code", "name", "path", "kind", "lon", "lat"])
    if comps.empty:
        return 0, 0
    comps["street"] = comps["path"].str.split("/").str[3]  # "/city/district/street/…"
    place_rows = []
    for street, group in comps.groupby("street", sort=True):
        for kind, count in PLACE_PLAN:
            for k in range(count):
                at = group.iloc[int(rng.integers(0, len(group)))]
                state = rng.choice(["open", "upgraded", "closed"], p=[0.6, 0.32, 0.08])
                place_rows.append({
                    "code": f"PL{street}-{kind[:3].upper()}{k + 1}", "name": f"{at['name']}{PLACE_NAMES[kind]}",
                    "kind": kind, "unit_id": int(at["id"]), "path": at["path"], "address": None, "state": str(state),
                    "staff_on_site": int(0 if state == "closed" else rng.integers(2, 12)),
                    "lon": float(at["lon"]) + float(rng.uniform(-2e-4, 2e-4)),
                    "lat": float(at["lat"]) + float(rng.uniform(-2e-4, 2e-4))})
    urban = comps[comps["kind"] != "natural_village"]
    pick = urban[rng.random(len(urban)) < 1 / 12]
    k = len(pick)
    flags = rng.random((k, 3)) < np.array([0.7, 0.8, 0.5])
    flags[~flags.any(axis=1), 1] = True  # every row lacks something: that is why it is on the ledger
    stage = rng.integers(0, 5, k)  # how many of the 四清 are done, in order
    owners = np.array(["街道城管科", "社区居委会", "区住建局", None], dtype=object)[rng.integers(0, 4, k)]
    unowned_rows = [{"compound_id": int(cid), "path": path, "no_authority": bool(f[0]), "no_property": bool(f[1]),
                     "no_security": bool(f[2]), "owner": owner, "clear_basics": bool(s >= 1),
                     "clear_residents": bool(s >= 2), "clear_gaps": bool(s >= 3), "clear_risks": bool(s >= 4),
                     "note": None, "updated_by": "demo", "updated_at": None}
                    for cid, path, f, s, owner in zip(pick["id"], pick["path"], flags, stage, owners, strict=True)]
    return insert_places_and_ledger(ctx, place_rows, unowned_rows)


def build_care(ctx: WriteContext, city) -> dict[str, int]:  # noqa: ANN001 — loaders.demo.DemoCity
    """Write the demo's care visits, supplies, places and 无主小区 rows for `city` (after its persons and units)."""
    rng = np.random.default_rng([int(city.seed), 0x63617265])  # "care"
    visits = _visits(ctx, rng, city.today)
    moves = _supplies(ctx, rng, city.today)
    n_places, n_unowned = _places(ctx, rng)
    return {"visits": visits, "movements": moves, "places": n_places, "unowned": n_unowned}
