"""Detail cards: the unit in view, and a building or checkpoint clicked on the map. Counts only: person records
need sign-in."""
from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from dashboard.components.breadcrumb import level_label
from dashboard.i18n import MISSING, t
from geodata.base.vocab import CHECKPOINT_KINDS, CHECKPOINT_STATUSES, LEADER_TITLES, Level, \
    control_label, label
from geodata.checkpoints.rules import staffing_text
from geodata.people import authority
from geodata.people.scope import sees_staff_contacts
from geodata.store.writes import Actor


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return MISSING
    text = str(value).strip()
    return text or MISSING


def _num(value: object) -> str:
    try:
        if value is None or value != value:
            return MISSING
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return MISSING


WIDE = "wide"  # third element of a row: the value takes the rest of the line


def _card(title: str, subtitle: str, rows: Sequence[tuple[str, ...]], *, key: str, badge: str | None = None) -> str:
    e = html.escape
    body = "".join(
        f'<div class="gw-card-l{" gw-card-wide" if r[2:] == (WIDE,) else ""}">{e(r[0])}</div>'
        f'<div class="gw-card-v{" gw-card-wide" if r[2:] == (WIDE,) else ""}">{e(r[1])}</div>'
        for r in rows
    )
    badge_html = f'<span class="gw-card-badge">{e(badge)}</span>' if badge else ""
    return (f'<div class="gw-card" data-card="{e(key)}"><div class="gw-card-t">{e(title)}{badge_html}</div>'
            f'<div class="gw-card-sub">{e(subtitle)}</div><div class="gw-card-grid">{body}</div></div>')


def _contact_rows(title: str, row: pd.Series | None, lang: str) -> list[tuple[str, str]]:
    """The name and phone of the person in charge — no rows at all for a screen whose account may not read staff
    contacts (the wall account: geodata.people.scope.sees_staff_contacts)."""
    from dashboard import auth

    if not sees_staff_contacts(auth.current_actor()):
        return []
    if row is None:
        return [(title, MISSING), (t("phone", lang), MISSING)]
    return [(title, _text(row.get("leader_name"))), (t("phone", lang), _text(row.get("leader_phone")))]


def leader_title(level: int, lang: str) -> str:
    pair = LEADER_TITLES.get(Level(level)) if level in Level._value2member_map_ else None
    return t("leader", lang) if pair is None else (pair[1] if lang == "en" else pair[0])


def _own_control_rows(level: int, row: pd.Series | None, lang: str) -> list[tuple]:
    """A compound's / natural village's own control state, a sealing named by its basis (封锁 / 硬隔离)."""
    if level != Level.COMPOUND or row is None or not isinstance(row.get("control_state"), str):
        return []
    return [(t("card.control", lang), control_label(row.get("control_state"), row.get("control_basis"), lang))]


def unit_card(name: str, code: str, level: int, totals: Mapping[str, int], row: pd.Series | None,
              entrances_open: int | None, *, lang: str) -> None:
    """The unit in view: who is responsible, how many live here, who is under observation, checkpoints."""
    title = leader_title(level, lang)
    g = totals.get
    kinds = ("obs_home", "obs_central", "obs_self", "obs_temporary")
    obs = " · ".join(f"{t('kpi.' + k, lang)} {_num(g(k))}" for k in kinds)
    obs_total = sum(int(g(k, 0)) for k in kinds)
    rows = [
        *_contact_rows(title, row, lang),
        (t("card.households", lang), _num(g("households"))),
        (t("population", lang), _num(g("population"))),
        (t("persons", lang), _num(g("persons"))),
        (t("party_members", lang), _num(g("party_members"))),
        (t("vulnerable", lang), _num(g("vulnerable"))),
        (t("obs_total", lang), f"{obs_total:,}（{obs}）", WIDE),
        (t("card.cases", lang), f"{_num(g('cases_7d'))} / {_num(g('cases_confirmed'))}"),
        (t("new_cases_today", lang), _num(g("new_cases_today"))),
        (t("releases_due_today", lang), _num(g("releases_due_today"))),
        (t("releases_overdue", lang), _num(g("releases_overdue"))),
        *_own_control_rows(level, row, lang),
        # 封锁/硬隔离: buildings and natural villages; 疫点 apart, not locked down (issue 14 points 5, 12)
        (t("locked_down", lang), f"{_num(g('locked_down'))}（{t('kpi.locked_down.buildings', lang)} "
                                 f"{_num(g('sealed_buildings'))} · {t('kpi.locked_down.villages', lang)} "
                                 f"{_num(g('sealed_villages'))}）", WIDE),
        (t("epidemic_spots", lang), _num(g("epidemic_spots"))),
        (t("card.entrances", lang), f"{_num(entrances_open)} / {_num(g('checkpoints'))}"),
        (t("checkpoints_understaffed", lang), _num(g("checkpoints_understaffed"))),
    ]
    badge = None
    if row is not None and isinstance(row.get("situation_label"), str):
        badge = row.get("situation_label")
    st.html(_card(name, f"{level_label(level, lang)} · {t('card.code', lang)} {code}", rows, key="unit",
                  badge=badge))
    st.caption(t("explore.persons_note", lang))


def building_card(b: pd.Series, *, lang: str) -> None:
    """A building: address, its head (楼栋长) and phone, residents, control state and reason, observations, cases."""
    state = control_label(b.get("control_state"), b.get("control_basis"), lang) or MISSING  # 封锁 / 硬隔离 by basis
    floors = f"{_num(b.get('floors'))} / {_num(b.get('stair_units'))}"
    rows = [
        (t("address", lang), _text(b.get("address")), WIDE),
        *_contact_rows(t("card.building_leader", lang), b, lang),
        (t("card.households", lang), _num(b.get("households"))),
        (t("population", lang), _num(b.get("population"))),
        (t("party_members", lang), _num(b.get("party_members"))),
        (t("vulnerable", lang), _num(b.get("vulnerable"))),
        (t("card.control", lang), state),
        (t("card.control_reason", lang), _text(b.get("control_reason")), WIDE),
        (t("card.obs_in_building", lang), _num(b.get("obs_total"))),
        (t("card.cases_in_building", lang), _num(b.get("cases"))),
        (t("card.floors", lang), floors),
    ]
    st.html(_card(_text(b.get("name")), f"{t('card.building', lang)} · {t('card.code', lang)} {_text(b.get('code'))}",
                  rows, key="building", badge=state))
    history_link("building", str(b.get("code")), lang)
    st.caption(t("explore.persons_note", lang))


def checkpoint_card(c: pd.Series, *, street_code: str | None, lang: str) -> None:
    """A checkpoint: kind, open or closed, people on duty against the norm, who is in charge; for those who plan
    checkpoints (shows_planner_link), a link to it in the checkpoint planner of its street."""
    staffing = t(f"staffing.{c.get('staffing')}", lang) if c.get("staffing") else MISSING
    rows = [
        (t("card.cp_kind", lang), label(CHECKPOINT_KINDS, c.get("kind"), lang) or MISSING),
        (t("card.cp_status", lang), label(CHECKPOINT_STATUSES, c.get("status"), lang) or MISSING),
        (t("card.cp_staff", lang), t("card.cp_closed", lang) if c.get("staffing") == "closed"
         else staffing_text(c, lang), WIDE),
        (t("card.cp_24h", lang), t("yes" if bool(c.get("is_24h")) else "no", lang)),
        (t("card.cp_unit", lang), _text(c.get("unit_name"))),
        *_contact_rows(t("card.cp_leader", lang), c, lang),
    ]
    code = _text(c.get("code"))
    st.html(_card(_text(c.get("name")), f"{t('card.checkpoint', lang)} · {t('card.code', lang)} {code}", rows,
                  key="checkpoint", badge=staffing))
    from dashboard import auth

    actor = auth.current_actor()
    if street_code and shows_planner_link(actor):
        st.page_link("views/checkpoints.py", label=t("card.cp_plan", lang), icon=":material/shield:",
                     query_params={"code": street_code, "checkpoint": code})
    history_link("checkpoint", code, lang)


def shows_planner_link(actor: Actor | None, path: str | None = None) -> bool:
    """Does a checkpoint card link to the checkpoint planner? For those who plan checkpoints ("plan.checkpoints"
    of the one action table, §5.3: supervisors, the command centre) — the planner's commands ask the same."""
    return authority.allowed(actor, "plan.checkpoints", path)


def history_link(entity: str, code: str, lang: str) -> None:
    """A link from a record's card to its history on /audit (who changed what, when, old → new, why), for the
    people who may read the audit log; /audit checks the scope again."""
    from dashboard import auth

    actor = auth.current_actor()
    if not authority.allowed(actor, "audit.read"):
        return
    st.page_link("views/audit.py", label=t("card.history", lang), icon=":material/history:",
                 query_params={"entity": entity, "code": code})
