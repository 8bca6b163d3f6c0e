"""Store a generated demo city through the single write path (loaders never write tables directly)."""
from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd

from geodata.base.vocab import UNIT_LAYERS
from geodata.exchange.bulk import insert_daily_reports, insert_shifts, upsert_layer
from geodata.people.accounts import create_user
from geodata.store.db import Store
from geodata.store.models import Meta
from geodata.store.stats import recompute_all
from geodata.store.writes import Actor, WriteContext, write
from loaders.demo.events import store_events
from loaders.demo.care import build_care
from loaders.demo.screening import build_screening
from loaders.demo.symptoms import build_symptoms
from loaders.demo.resident_symptoms import build_resident_symptoms
from loaders.demo.gate import build_gate
from loaders.demo.seal_basis import build_seal_basis

LAYER_OF_LEVEL = {int(level): name for name, level in UNIT_LAYERS.items()}


def store_demo(store: Store, city, *, scale: str, seed: int, log: Callable[[str], None] = print) -> dict[str, float]:
    """Write every layer of `city` (a loaders.demo.DemoCity) in one transaction; returns seconds per step."""
    timings: dict[str, float] = {}

    def fill(ctx: WriteContext) -> None:
        def step(name: str, fn: Callable[[], object]) -> None:
            t0 = time.perf_counter()
            fn()
            timings[name] = time.perf_counter() - t0
            log(f"  {name:<14} {timings[name]:6.1f} s")

        for level, frame in city.units.groupby("level", sort=True):
            layer = LAYER_OF_LEVEL[int(level)]
            step(layer, lambda f=frame, lay=layer: upsert_layer(ctx, lay, f.drop(columns="level"), recompute=False))
        for layer in ("buildings", "households", "persons", "observations", "cases", "checkpoints", "roads"):
            frame = getattr(city, layer)
            step(layer, lambda f=frame, lay=layer: upsert_layer(ctx, lay, f, recompute=False))
        step("shifts", lambda: insert_shifts(ctx, city.shifts))
        step("daily_reports", lambda: insert_daily_reports(ctx, city.daily_reports))
        step("roll-up", lambda: recompute_all(ctx.session))

        def users() -> None:
            for u in city.users.itertuples(index=False):
                create_user(ctx, u.username, u.display_name, u.role, u.scope_code, u.password)

        step("users", users)
        step("seal_basis", lambda: build_seal_basis(ctx, city))  # 封锁 / 硬隔离 of each sealing (loaders.demo.seal_basis)
        step("symptoms", lambda: build_symptoms(ctx, city))  # symptom alerts open, overdue, followed up (issue 14)
        step("resident_symptoms", lambda: build_resident_symptoms(ctx, city))  # residents reported (issue 14)
        step("events", lambda: store_events(ctx, city))  # events and patrols (issue 15)
        step("care", lambda: build_care(ctx, city))  # care visits, supplies, places, 无主小区 (loaders.demo.care)
        step("screening", lambda: build_screening(ctx, city))  # rounds open, overdue, closed (issue 15)
        step("gate", lambda: build_gate(ctx, city))  # gate entries, fevers, household passes (loaders.demo.gate)
        ctx.session.merge(Meta(key="demo_scale", value=f"{scale}:{seed}"))

    write(store, Actor.system("demo"), fill)
    store.refresh_statistics()  # PostgreSQL: plan the reads below, and the first pages, on the real sizes
    # announce the demo's situation as the daily run would: situation changes and alerts (clusters, S2) land
    # in the event log, so the wall has alerts to show and history has a starting point
    from geodata.situation.disinfection import run_daily_disinfection_check
    from geodata.situation.risk import run_daily_transitions

    t0 = time.perf_counter()
    run_daily_transitions(store, city.today)
    run_daily_disinfection_check(store, city.today)  # yesterday's villages below their disinfection norm
    timings["daily run"] = time.perf_counter() - t0
    log(f"  {'daily run':<14} {timings['daily run']:6.1f} s")
    return timings


def counts(city) -> dict[str, int]:
    out = {f"units(level {int(k)})": int(v) for k, v in city.units["level"].value_counts().sort_index().items()}
    for layer in ("buildings", "households", "persons", "observations", "cases", "checkpoints", "roads", "shifts",
                  "daily_reports", "users"):
        frame = getattr(city, layer)
        out[layer] = len(frame) if isinstance(frame, pd.DataFrame) else 0
    return out
