"""Daily series for the trend charts (7, 14 or 30 days): new cases, people under observation and sealed buildings
of any unit, and the same split by the unit's children (domain file §4.2: cases, persons under observation,
"number of sealed buildings/villages").

Each figure is read for the whole window in one query and counted per day with whole-array operations:
- cases by `reported_on` (new that day; `cases` = the counted kinds of the "situation" setting, 确诊 + 无症状);
- observations active at the end of each day: `start_date ≤ d` and (`released_on` is null or `> d`), the same
  rule as geodata.situation.observations.observation_counts;
- sealed buildings (疫点 + 封锁/硬隔离) on each day, replayed from the `control.change` events (geodata.situation.history):
  a building without events keeps its stored state on every day, one with events has the state of its last
  event effective by that day (before its first event: that event's old state).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.orm import Session

from geodata.base.vocab import Level
from geodata.situation.history import LOCKDOWN_FIGURES, control_events
from geodata.store.hierarchy import UnitRef, path_upper_bound, ref, unit_by_code
from geodata.store.rules_config import get_setting

WINDOWS = (7, 14, 30)
SERIES = {
    "cases": ("新增病例", "New cases"),
    "confirmed": ("新增确诊", "New confirmed"),
    "observations": ("在观察人数", "Under observation"),
    # 封锁/硬隔离 (000 §1(三), §3), a 疫点 not counted as locked down (issue 14 points 5 and 12)
    "sealed_buildings": ("封锁/硬隔离楼栋", "Sealed buildings"),
    "sealed_villages": ("封锁/硬隔离自然村", "Sealed natural villages"),
}
_SEALED = LOCKDOWN_FIGURES["sealed_buildings"][1]
#: the control-state targets a sealed series counts: the table's rows and the kind of their control events
_SEALED_TARGETS = {
    "building": ("SELECT code, path, control_state FROM buildings WHERE path >= :lo AND path < :hi", "building"),
    "village": (f"SELECT code, path, control_state FROM units WHERE level = {int(Level.COMPOUND)} "
                "AND kind = 'natural_village' AND path >= :lo AND path < :hi", "compound"),
}


def series_label(key: str, lang: str = "zh") -> str:
    zh, en = SERIES.get(key, (key, key))
    return en if lang == "en" else zh


def window(on: dt.date, days: int) -> pd.DatetimeIndex:
    if days < 1:
        raise ValueError(f"days must be ≥ 1, got {days}")
    return pd.date_range(end=pd.Timestamp(on), periods=days, freq="D", name="date")


def _key(paths: pd.Series, depth: int | None) -> pd.Series:
    """Which child of the unit (the id at `depth`) each path falls under; 0 for the unit itself (no split)."""
    if depth is None:
        return pd.Series(0, index=paths.index, dtype="int64")
    parts = paths.astype(str).str.strip("/").str.split("/")
    return parts.map(lambda p: int(p[depth]) if len(p) > depth else -1).astype("int64")


def _range(unit: UnitRef) -> dict[str, str]:
    return {"lo": unit.path, "hi": path_upper_bound(unit.path)}


def _case_counts(session: Session, unit: UnitRef, days: pd.DatetimeIndex, depth: int | None,
                 kinds: tuple[str, ...]) -> pd.DataFrame:
    params = {**_range(unit), "d0": days[0].date(), "d1": days[-1].date(), **{f"k{i}": k for i, k in enumerate(kinds)}}
    rows = session.execute(text(
        "SELECT path, reported_on FROM cases WHERE path >= :lo AND path < :hi AND reported_on >= :d0 AND "
        f"reported_on <= :d1 AND kind IN ({', '.join(':k' + str(i) for i in range(len(kinds)))})"), params).all()
    frame = pd.DataFrame(rows, columns=["path", "reported_on"])
    if frame.empty:
        return pd.DataFrame(index=days)
    frame["key"] = _key(frame["path"], depth)
    frame["date"] = pd.to_datetime(frame["reported_on"])
    return pd.crosstab(frame["date"], frame["key"]).reindex(days, fill_value=0)


def _observation_counts(session: Session, unit: UnitRef, days: pd.DatetimeIndex, depth: int | None) -> pd.DataFrame:
    rows = session.execute(text(
        "SELECT path, start_date, released_on FROM observations WHERE path >= :lo AND path < :hi "
        "AND start_date <= :d1 AND (released_on IS NULL OR released_on > :d0)"),
        {**_range(unit), "d0": days[0].date(), "d1": days[-1].date()}).all()
    frame = pd.DataFrame(rows, columns=["path", "start_date", "released_on"])
    if frame.empty:
        return pd.DataFrame(index=days)
    start = pd.to_datetime(frame["start_date"]).to_numpy("datetime64[ns]")
    released = pd.to_datetime(frame["released_on"]).to_numpy("datetime64[ns]")
    released = np.where(np.isnat(released), np.datetime64("2262-01-01"), released)
    d = days.to_numpy("datetime64[ns]")
    active = (start[:, None] <= d[None, :]) & (released[:, None] > d[None, :])  # observations × days
    keys = _key(frame["path"], depth).to_numpy()
    out = {k: active[keys == k].sum(axis=0) for k in np.unique(keys)}
    return pd.DataFrame(out, index=days)


def _sealed_counts(session: Session, unit: UnitRef, days: pd.DatetimeIndex, depth: int | None,
                   target: str = "building") -> pd.DataFrame:
    """Buildings (or natural villages) in the `sealed` state (LOCKDOWN_FIGURES: 封锁/硬隔离, not 疫点) per day."""
    base, ev_kind = _SEALED_TARGETS[target]
    state_sql = f"{base} AND control_state = :st"
    sealed_now = pd.DataFrame(session.execute(text(state_sql), {**_range(unit), "st": _SEALED}).all(),
                              columns=["code", "path", "state"])[["code", "path"]]
    ev = control_events(session, ev_kind, unit.path)
    ev = ev[ev["effective"].notna()]
    changed = pd.DataFrame(columns=["code", "path"])
    if len(ev):
        codes = sorted(set(ev["code"]))
        parts = []
        for start in range(0, len(codes), 1000):
            chunk = {f"c{i}": c for i, c in enumerate(codes[start:start + 1000])}
            parts += session.execute(text(
                f"{base} AND code IN ({', '.join(':' + k for k in chunk)})"), {**_range(unit), **chunk}).all()
        changed = pd.DataFrame(parts, columns=["code", "path", "state"])[["code", "path"]]
    # buildings without events: their stored state holds on every day
    steady = sealed_now[~sealed_now["code"].isin(changed["code"])]
    steady_counts = _key(steady["path"], depth).value_counts()
    out = pd.DataFrame({k: np.full(len(days), int(n)) for k, n in steady_counts.items()}, index=days)
    if changed.empty:
        return out
    ev = ev[ev["code"].isin(changed["code"])].sort_values("id")
    first_old = ev.groupby("code")["old_state"].first().fillna("normal")
    keys = changed.set_index("code")["path"].pipe(lambda p: pd.Series(_key(p, depth).to_numpy(), index=p.index))
    for i, day in enumerate(days):
        upto = ev[ev["effective"] <= day.date()]
        state = first_old.copy()
        last = upto.groupby("code")["state"].last()
        state.loc[last.index] = last
        sealed = state[state == _SEALED]
        for k, n in keys.reindex(sealed.index).value_counts().items():
            if k not in out.columns:
                out[k] = 0
            out.iloc[i, out.columns.get_loc(k)] += int(n)
    return out


def _frames(session: Session, unit: UnitRef, days: pd.DatetimeIndex, depth: int | None,
            which: tuple[str, ...] = tuple(SERIES)) -> dict[str, pd.DataFrame]:
    readers = {
        "cases": lambda: _case_counts(session, unit, days, depth,
                                      tuple(get_setting(session, "situation")["case_kinds"])),
        "confirmed": lambda: _case_counts(session, unit, days, depth, ("confirmed",)),
        "observations": lambda: _observation_counts(session, unit, days, depth),
        "sealed_buildings": lambda: _sealed_counts(session, unit, days, depth),
        "sealed_villages": lambda: _sealed_counts(session, unit, days, depth, "village"),
    }
    return {name: readers[name]() for name in which}


def series(session: Session, unit_code: str, *, days: int = 14, on: dt.date | None = None) -> pd.DataFrame:
    """One row per day of the window ending on `on` (default today): cases, confirmed, observations,
    sealed_buildings, sealed_villages under `unit_code` (any level)."""
    on = on or dt.date.today()
    unit = ref(unit_by_code(session, unit_code))
    idx = window(on, days)
    out = pd.DataFrame(index=idx)
    for name, frame in _frames(session, unit, idx, None).items():
        out[name] = frame.sum(axis=1).reindex(idx, fill_value=0).astype("int64") if len(frame.columns) else 0
    return out


def series_by_child(session: Session, unit_code: str, figure: str, *, days: int = 14,
                    on: dt.date | None = None) -> pd.DataFrame:
    """One column per child unit of `unit_code` (named by the child's name), one row per day: the chart that
    compares the streets of a district or the communities of a street. `figure` is a key of SERIES."""
    if figure not in SERIES:
        raise ValueError(f"unknown series {figure!r}; known: {sorted(SERIES)}")
    on = on or dt.date.today()
    unit = ref(unit_by_code(session, unit_code))
    kids = session.execute(text("SELECT id, name FROM units WHERE parent_id = :id ORDER BY code"),
                           {"id": unit.id}).all()
    idx = window(on, days)
    depth = len(unit.path.strip("/").split("/"))
    frame = _frames(session, unit, idx, depth, (figure,))[figure]
    out = pd.DataFrame(index=idx)
    for kid_id, name in kids:
        out[name] = frame[kid_id].astype("int64") if kid_id in frame.columns else 0
    return out
