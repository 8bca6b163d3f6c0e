"""The demo's symptom alerts (issue 14 point 3): deterministic, some followed up, some overdue, some open today."""
from __future__ import annotations

import datetime as dt

from geodata.situation.symptoms import open_symptom_alerts
from geodata.store.writes import Actor
from loaders.demo import generate
from loaders.demo.symptoms import pick


def test_the_demo_picks_the_same_observations_for_a_seed_in_three_states():
    city = generate("street", seed=0, today=dt.date(2026, 11, 25))
    import numpy as np

    a = pick(city, np.random.default_rng([0, 0x73796D70]))
    b = pick(city, np.random.default_rng([0, 0x73796D70]))
    assert a.equals(b) and len(a) >= 3
    assert set(a["days_ago"]) == {0, 2, 3}


def test_the_stored_demo_has_open_overdue_and_followed_up_symptom_alerts(tmp_path):
    from sqlalchemy import text

    from geodata.store.db import open_store
    from loaders.demo_store import store_demo

    store = open_store(f"sqlite:///{tmp_path / 'street.sqlite'}")
    store_demo(store, generate("street", seed=0), scale="street", seed=0, log=lambda _m: None)
    with store.read() as s:
        root = s.execute(text("SELECT path FROM units WHERE parent_id IS NULL")).scalar_one()
        frame = open_symptom_alerts(s, Actor.system("test"), root)
        done = s.execute(text("SELECT count(*) FROM symptom_followups")).scalar_one()
    assert done >= 1 and frame["overdue"].any() and (~frame["overdue"]).any()
