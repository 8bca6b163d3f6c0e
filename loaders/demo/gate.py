"""Demo gate entries and household passes (issue 15) from the demo city, deterministic from its seed: a believable
day at every scale —

- two open checkpoints of every community (its own 社区卡点 first, then compound entrances; one at city
  scale) log today's traffic from 06:00 to now (about 30 a
  checkpoint over a whole day: residents and visitors, people and vehicles, in and out, 36.0–37.1 ℃);
- one fever per street, at its first community's first gate (two in the first street), which raises the control
  loop's symptom alert as a fever at a real gate would;
- every household of a closed compound (封闭管理) holds a pass issued three days ago; about a third of them went
  out yesterday and another third today (and most came back), so the window is live at those gates; one lost
  pass in the first such compound was revoked and reissued.

Everything goes in through geodata.fieldwork (`insert_passes`, `insert_entries`: one statement each), so the city
scale adds a few seconds.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from geodata.fieldwork.entries import gate_now, insert_entries
from geodata.fieldwork.passes import insert_passes, reissue_pass
from geodata.store.writes import WriteContext

GATES_PER_COMMUNITY = 2
ENTRIES_PER_DAY = 30


def _community_of(units: pd.DataFrame, codes: pd.Series) -> pd.Series:
    parent = units.set_index("code")["parent_code"]
    return codes.map(parent).map(parent)  # compound → grid → community


def _times(rng: np.random.Generator, n: int, start: dt.datetime, end: dt.datetime) -> pd.Series:
    span = max((end - start).total_seconds(), 60.0)
    return pd.Series(pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.random(n)) * span, unit="s")).dt.floor("min")


def build_gate(ctx: WriteContext, city) -> dict[str, int]:  # noqa: ANN001 — loaders.demo.DemoCity
    rng = np.random.default_rng([city.seed, 0x67617465])  # a stream of its own: other layers stay as they were
    now = gate_now()
    today0 = dt.datetime.combine(now.date(), dt.time())
    start = today0 + dt.timedelta(hours=6) if now.hour >= 7 else today0
    units = city.units
    cps = city.checkpoints
    # the community's own checkpoint (where there is one) and then its compound entrances
    gates = cps[cps["kind"].isin(["community_checkpoint", "compound_entrance"]) & (cps["status"] == "open")].copy()
    level = units.set_index("code")["level"]
    gates["community"] = np.where(gates["unit_code"].map(level) == 4, gates["unit_code"],
                                  _community_of(units, gates["unit_code"]))
    gates = gates.assign(first=gates["kind"] != "community_checkpoint").sort_values(["first", "code"])
    # the city scale keeps one gate a community: its day stays a few seconds (~30,000 entries)
    gates = gates.groupby("community", sort=True).head(1 if city.scale == "city" else GATES_PER_COMMUNITY)

    # passes for the households of closed compounds
    closed = set(units.loc[(units["level"] == 6) & (units["control_state"] == "closed"), "code"])
    hh = city.households[city.households["compound_code"].isin(closed)].sort_values("code")
    issued = now.date() - dt.timedelta(days=3)
    numbers = [f"TX{i + 1:06d}" for i in range(len(hh))]
    n_passes = insert_passes(ctx, pd.DataFrame({"number": numbers, "household_code": hh["code"].to_numpy(),
                                                "issued_on": issued}))
    # today's traffic at the chosen gates, fraction of the day elapsed
    share = min(max((now - start).total_seconds() / (16 * 3600), 0.05), 1.0)
    counts = rng.poisson(ENTRIES_PER_DAY * share, len(gates))
    n = int(counts.sum())
    frames = [pd.DataFrame({
        "checkpoint_code": np.repeat(gates["code"].to_numpy(), counts), "at": _times(rng, n, start, now),
        "subject": np.where(rng.random(n) < 0.15, "vehicle", "person"),
        "direction": np.where(rng.random(n) < 0.5, "in", "out"), "resident": rng.random(n) < 0.8,
        "temperature": np.clip(rng.normal(36.5, 0.25, n), 36.0, 37.1).round(1)})]
    # one fever per street at its first community's first gate (two in the first street)
    streets = units.loc[units["level"] == 4].set_index("code")["parent_code"]
    first_gate = gates.assign(street=gates["community"].map(streets)).groupby("street", sort=True).head(1)
    fevers = first_gate["code"].tolist()
    if len(gates) > 1:
        fevers.append(gates["code"].iloc[1])
    frames.append(pd.DataFrame({
        "checkpoint_code": fevers, "at": _times(rng, len(fevers), start, now), "subject": "person",
        "direction": "in", "resident": rng.random(len(fevers)) < 0.5,
        "temperature": rng.uniform(37.5, 38.6, len(fevers)).round(1)}))
    # exits on the passes: a third of the households yesterday, another third today, at their compound's gate
    gate_of = cps[(cps["kind"] == "compound_entrance") & (cps["status"] == "open")].sort_values("code") \
        .groupby("unit_code")["code"].first()
    out = pd.DataFrame({"household_code": hh["code"].to_numpy(), "pass_no": numbers,
                        "checkpoint_code": hh["compound_code"].map(gate_of).to_numpy()}).dropna()
    draw = rng.random(len(out))
    for day_start, day_end, mask in ((today0 - dt.timedelta(days=1) + dt.timedelta(hours=7),
                                      today0 - dt.timedelta(hours=4), draw < 0.33),
                                     (start, now, (draw >= 0.33) & (draw < 0.66))):
        who = out[mask].reset_index(drop=True)
        if who.empty:
            continue
        at = _times(rng, len(who), day_start, day_end).sample(frac=1, random_state=int(rng.integers(1 << 31)))
        at = at.reset_index(drop=True)
        exits = who.assign(at=at, subject="person", direction="out", resident=True,
                           temperature=np.clip(rng.normal(36.4, 0.2, len(who)), 36.0, 37.1).round(1))
        back = exits.assign(at=exits["at"] + pd.to_timedelta(rng.integers(40, 180, len(who)), unit="min"),
                            direction="in")
        frames += [exits, back[back["at"] <= pd.Timestamp(now)]]
    entries = pd.concat(frames, ignore_index=True)
    n_entries = insert_entries(ctx, entries)
    if n_passes:
        reissue_pass(ctx, numbers[0], "遗失补办 / lost", on=now.date())
    return {"entries": n_entries, "passes": n_passes}
