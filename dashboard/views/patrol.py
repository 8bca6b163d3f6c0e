"""/patrol: the daily patrol and work log (003 §八 七.1 每天至少到网格巡查一次, 日清周结) and patrol teams, phone first.

A grid worker records a patrol (start and end, places visited, notes) with its findings — each finding becomes an
event (geodata.fieldwork.patrols.record_patrol) in the same save. Below: today's grids patrolled or not, the
week's summary, the work log and the patrol teams (巡防队) of the communities in scope.
"""
from __future__ import annotations

import datetime as dt
import html

import streamlit as st

from dashboard import auth, state
from dashboard.components import field_ledgers, tables
from dashboard.components.field_forms import PHONE_CSS, event_fields
from dashboard.components.refusals import show_refusal
from dashboard.i18n import extend, t
from geodata.base.clock import to_minute
from geodata.base.problems import Refusal
from geodata.fieldwork import patrols
from geodata.people import authority
from geodata.store.writes import write

extend({
    "pt.title": ("网格巡查", "Patrols"),
    "pt.record": ("登记巡查", "Record a patrol"),
    "pt.today": ("今日巡查", "Today"),
    "pt.week": ("本周小结（日清周结）", "This week"),
    "pt.log": ("工作日志", "Work log"),
    "pt.teams": ("巡防队", "Patrol teams"),
    "pt.day": ("日期", "Day"),
    "pt.start": ("开始时间", "Start"),
    "pt.end": ("结束时间", "End"),
    "pt.places": ("巡查地点", "Places visited"),
    "pt.notes": ("巡查记录", "Notes"),
    "pt.findings": ("发现问题条数（每条生成一个事件）", "Findings (each becomes an event)"),
    "pt.finding": ("发现 {n}", "Finding {n}"),
    "pt.finding_text": ("发现的问题（必填）", "What was found (required)"),
    "pt.save": ("保存巡查", "Save the patrol"),
    "pt.saved": ("已登记巡查 {code}，生成事件 {n} 件。", "Patrol {code} saved, {n} events logged."),
    "pt.done": ("已巡查", "patrolled"),
    "pt.not_done": ("未巡查", "not patrolled"),
    "pt.team_name": ("巡防队名称", "Team name"),
    "pt.community": ("社区", "Community"),
    "pt.members": ("队员（每行一人：姓名 电话）", "Members (one a line: name phone)"),
    "pt.save_team": ("保存巡防队", "Save the team"),
    "pt.team_saved": ("已保存巡防队 {code}。", "Team {code} saved."),
    "pt.col.code": ("网格编码", "Grid"), "pt.col.name": ("网格", "Grid name"), "pt.col.patrols": ("巡查次数", "Patrols"),
    "pt.col.findings": ("发现问题", "Findings"), "pt.col.patrolled": ("已巡查", "Patrolled"),
    "pt.col.days": ("本周天数", "Days so far"), "pt.col.days_patrolled": ("巡查天数", "Days patrolled"),
    "pt.col.events_logged": ("上报事件", "Events logged"), "pt.col.events_closed": ("办结事件", "Events closed"),
    "pt.col.events_open": ("未办结", "Open"),
    "pt.col.members": ("人数", "Members"), "pt.col.member_names": ("队员", "Members"),
    "pt.col.meets_norm": ("符合3–5人", "3–5 members"),
    "pt.col.patrol": ("巡查编号", "Patrol"), "pt.col.grid_code": ("网格编码", "Grid"),
    "pt.col.grid_name": ("网格", "Grid name"), "pt.col.patrol_date": ("日期", "Date"),
    "pt.col.started_at": ("开始", "Started"), "pt.col.ended_at": ("结束", "Ended"),
    "pt.col.recorded_by": ("记录人", "Recorded by"), "pt.col.places": ("巡查场所", "Places visited"),
    "pt.col.notes": ("情况记录", "Notes"),
    "pt.col.team_name": ("巡防队", "Team"), "pt.col.team_code": ("巡防队编号", "Team code"),
    "pt.col.community_name": ("社区", "Community"),
})


def record_form(actor, lang: str) -> None:
    v = state.view()
    with v.store.read() as s:
        grids = patrols.grids_in_scope(s, actor)
    if not grids:
        return
    labels = dict(grids)
    wanted = state.param("grid")
    codes = [c for c, _ in grids]
    grid = st.selectbox(t("ef.grid", lang), codes, index=codes.index(wanted) if wanted in codes else 0,
                        format_func=lambda c: f"{labels[c]} {c}", key="gw-pt-grid")
    n = st.number_input(t("pt.findings", lang), min_value=0, max_value=5, value=0, step=1, key="gw-pt-n")
    with v.store.read() as s:
        places = patrols.places_of(s, actor, grid)
    names = {c: nm for c, nm, _ in places}
    with st.form("gw-pt-form", border=True, clear_on_submit=True):
        day = st.date_input(t("pt.day", lang), value=state.today(), max_value=state.today(), format="YYYY-MM-DD",
                            key="gw-pt-day")
        first, last = patrols.default_times(dt.datetime.now())
        start = st.time_input(t("pt.start", lang), value=first, key="gw-pt-start")
        end = st.time_input(t("pt.end", lang), value=last, key="gw-pt-end")
        visited = st.multiselect(t("pt.places", lang), list(names), format_func=lambda c: f"{names[c]} {c}",
                                 key="gw-pt-places")
        notes = st.text_area(t("pt.notes", lang), max_chars=4000, key="gw-pt-notes")
        findings = []
        for i in range(int(n)):
            st.markdown(f"**{t('pt.finding', lang, n=i + 1)}**")
            findings.append(event_fields(lang, places, key=f"gw-pt-f{i}", text_label=t("pt.finding_text", lang)))
        if st.form_submit_button(t("pt.save", lang), use_container_width=True):
            # the times are local; the store keeps UTC, as every other time it holds
            def utc(clock: dt.time) -> dt.datetime:
                return dt.datetime.combine(day, clock).astimezone(dt.timezone.utc).replace(tzinfo=None)

            try:
                done = write(v.store, actor, lambda ctx: patrols.record_patrol(
                    ctx, grid, utc(start), utc(end), places=visited, notes=notes, findings=findings, day=day))
            except Refusal as exc:
                show_refusal(exc, lang)
                return
            st.success(t("pt.saved", lang, code=done["code"], n=len(done["events"])))


def _table(frame, table: str, cols: list[str], lang: str, key: str) -> None:
    """`table`: its name in tables.PHONE_FIRST, which puts the columns a phone shows first."""
    cols = list(tables.phone_first(table, {c: c for c in cols}))
    st.dataframe(frame[cols].rename(columns={c: t(f"pt.col.{c}", lang) for c in cols}), hide_index=True,
                 width="stretch", key=key)


def team_form(actor, lang: str) -> None:
    v = state.view()
    with st.form("gw-pt-team", border=True, clear_on_submit=True):
        community = st.text_input(t("pt.community", lang), max_chars=64, key="gw-pt-team-c")
        name = st.text_input(t("pt.team_name", lang), max_chars=200, key="gw-pt-team-n")
        lines = st.text_area(t("pt.members", lang), max_chars=2000, key="gw-pt-team-m")
        if st.form_submit_button(t("pt.save_team", lang), use_container_width=True):
            members = []
            for i, line in enumerate(x for x in lines.splitlines() if x.strip()):
                parts = line.split()
                members.append({"name": parts[0], "phone": parts[1] if len(parts) > 1 else None, "is_leader": i == 0})
            try:
                code = write(v.store, actor, lambda ctx: patrols.save_team(ctx, community.strip(), name, members))
            except Refusal as exc:
                show_refusal(exc, lang)
                return
            st.success(t("pt.team_saved", lang, code=code))


def main() -> None:
    state.require_entry()
    actor = auth.require_signed_in("page.patrol")
    v = state.view()
    lang = v.lang
    st.html(PHONE_CSS)
    st.subheader(t("pt.title", lang))
    if authority.allowed(actor, "patrol.record"):
        with st.expander(t("pt.record", lang), expanded=True):
            record_form(actor, lang)
    try:
        with v.store.read() as s:
            today = patrols.grid_days(s, actor, v.on)
            week = patrols.weekly_summary(s, actor, v.on)
            log = patrols.patrol_log(s, actor, v.on - dt.timedelta(days=6), v.on)
            teams = patrols.teams(s, actor)
    except Refusal as exc:
        show_refusal(exc, lang)
        return
    done = int(today["patrolled"].sum())
    st.markdown(f"**{t('pt.today', lang)} {v.on.isoformat()}**")
    st.html(f'<div class="gw-pt-today"><span class="gw-pt-day" data-kpi="patrolled"><span>'
            f'{html.escape(t("pt.done", lang))}</span><b>{done}</b></span>'
            f'<span class="gw-pt-day" data-kpi="not_patrolled"><span>{html.escape(t("pt.not_done", lang))}</span>'
            f"<b>{len(today) - done}</b></span></div>")
    _table(today, "patrol_today", ["code", "name", "patrols", "findings", "patrolled"], lang, "gw-pt-today-t")
    st.markdown(f"**{t('pt.week', lang)}**")
    _table(week, "patrol_week", ["code", "name", "days", "days_patrolled", "findings", "events_logged", "events_closed",
                  "events_open"], lang, "gw-pt-week-t")
    st.markdown(f"**{t('pt.log', lang)}**")
    log = log.rename(columns={"code": "patrol"})  # the patrol's code ("code" is a grid's in the other tables)
    for col in ("started_at", "ended_at"):  # stored in UTC; a person reads the server's local time
        log[col] = log[col].map(lambda at: to_minute(at, "—"))
    _table(log, "patrol_log", list(log.columns), lang, "gw-pt-log-t")
    field_ledgers.download(actor, "events", lang, key="gw-fl-dl-patrol")  # 巡查日志 and 事件台账, one workbook
    st.markdown(f"**{t('pt.teams', lang)}**")
    teams = teams.rename(columns={"code": "team_code", "name": "team_name"})  # a team's, not a grid's (网格)
    _table(teams, "patrol_teams", ["team_code", "team_name", "community_name", "members", "member_names",
                                   "meets_norm"], lang, "gw-pt-teams-t")
    if authority.allowed(actor, "team.edit"):
        with st.expander(t("pt.save_team", lang)):
            team_form(actor, lang)


main()
