"""Cached reads for the gate page, the checkpoint card and the wall: thin wrappers over
`geodata.fieldwork.entries` and `geodata.fieldwork.passes`, keyed on (database URL, data version, …) so a write
anywhere shows on the next run. No SQL and no rules here: the pages ask geodata and draw what they get."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.state import store_for
from geodata.fieldwork import entries, passes
from geodata.store.hierarchy import unit_by_code
from geodata.store.writes import Actor

TTL_S = 15 * 60


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def my_checkpoints(url: str, version: int, actor: Actor) -> pd.DataFrame:
    with store_for(url).read() as s:
        return entries.gate_checkpoints(s, actor)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def day_log(url: str, version: int, actor: Actor, code: str, on: dt.date) -> pd.DataFrame:
    with store_for(url).read() as s:
        return entries.entries_on(s, actor, code, on)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def hours(url: str, version: int, actor: Actor, code: str, on: dt.date) -> pd.DataFrame:
    with store_for(url).read() as s:
        return entries.hourly_counts(s, actor, code, on)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def per_checkpoint(url: str, version: int, scope_path: str | None, on: dt.date) -> pd.DataFrame:
    """Counts per checkpoint (no names of persons): entries, in, out, fevers."""
    with store_for(url).read() as s:
        return entries.checkpoint_counts(s, on, scope_path=scope_path)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=64)
def totals(url: str, version: int, code: str, on: dt.date) -> dict[str, int]:
    """The wall's gate figures under unit `code` (counts only)."""
    with store_for(url).read() as s:
        return entries.gate_totals(s, on, unit_by_code(s, code).path)


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=256)
def checkpoint_today(url: str, version: int, code: str, on: dt.date) -> dict[str, int]:
    """One checkpoint's counts of a day for its card: entries, ins, outs, fevers (zeros without entries)."""
    with store_for(url).read() as s:
        frame = entries.checkpoint_counts(s, on, checkpoint_codes=[code])
    if frame.empty:
        return {"entries": 0, "ins": 0, "outs": 0, "fevers": 0}
    return {k: int(frame.iloc[0][k]) for k in ("entries", "ins", "outs", "fevers")}


@st.cache_data(show_spinner=False, ttl=TTL_S, max_entries=32)
def register(url: str, version: int, actor: Actor, scope_path: str | None) -> pd.DataFrame:
    with store_for(url).read() as s:
        return passes.passes_in(s, actor, scope_path)
