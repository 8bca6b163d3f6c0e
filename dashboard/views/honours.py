"""/honours: the 无疫小区 (epidemic-free compound) lifecycle — applications and their steps by role, the flags
held and revoked per street, and the quarterly round (domain file §2.9, scenario 20).

Every button calls one geodata.situation.honours command through the write path; which buttons a person sees comes from
`honours.steps_for(actor, application)`, the same table the commands check. Without a signed-in actor the
lists are read-only.
"""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import streamlit as st

from dashboard import auth, data, state
from dashboard.components import honour_proposals
from dashboard.components import report_reads as rr
from dashboard.components.edit_text import plain
from dashboard.components.report_form import run_write
from dashboard.i18n import extend, t
from geodata.base.vocab import Level
from geodata.people import authority
from geodata.situation import honours

extend({
    "honours.title": ("无疫小区创建 · {name}", "Epidemic-free compounds · {name}"),
    "honours.sign_in": ("申报、审核和授旗须先登录；下面的名单无需登录。",
                        "Sign in to apply, review or award; the lists below need no sign-in."),
    "honours.quarter": ("季度", "Quarter"),
    "honours.window": ("本轮：{apply_from} 至 {apply_until} 申报，{accept_until} 前验收授旗",
                       "This round: apply {apply_from} – {apply_until}, accepted and flagged by {accept_until}"),
    "honours.round": ("季度创建进度（按街道）", "Round status per street"),
    "honours.flags": ("授旗名单", "Flags"),
    "honours.no_flags": ("尚无授旗小区", "No compound holds a flag"),
    "honours.applications": ("本季度申报", "Applications this round"),
    "honours.no_applications": ("本季度尚无申报", "No application this round"),
    "honours.detail": ("申报详情", "Application"),
    "honours.pick": ("选择申报", "Choose an application"),
    "honours.history": ("办理记录", "History"),
    "honours.evidence": ("佐证资料", "Evidence"),
    "honours.download": ("下载", "Download"),
    "honours.new": ("新建申报", "New application"),
    "honours.compound": ("小区/自然村", "Compound"),
    "honours.start": ("创建申报", "Start application"),
    "honours.upload": ("上传佐证资料", "Attach evidence"),
    "honours.score": ("自评得分（及格线 {pass_mark}）", "Self-assessment score (pass mark {pass_mark})"),
    "honours.self_assess": ("提交自评，报街道", "Send the self-assessment to the street"),
    "honours.note": ("意见/原因", "Note / reason"),
    "honours.approve": ("初审通过", "Approve"),
    "honours.return": ("退回修改", "Return"),
    "honours.pass": ("评估通过（明查暗访）", "Passed (open and unannounced inspections)"),
    "honours.fail": ("评估未通过", "Failed"),
    "honours.publish": ("开始公示", "Publish the notice"),
    "honours.award": ("授旗", "Award the flag"),
    "honours.reject": ("驳回", "Reject"),
    "honours.revoke": ("取消授旗", "Revoke the flag"),
    "honours.sync": ("检查已授旗小区有无确诊病例", "Check flagged compounds for confirmed cases"),
    "honours.synced": ("新提出 {n} 条取消授旗建议，待确认", "{n} revocation proposal(s) raised, to confirm"),
    "honours.done": ("已办理", "Done"),
    "honours.col.street": ("街道", "Street"),
    "honours.col.community": ("社区", "Community"),
    "honours.col.state": ("状态", "State"),
    "honours.col.score": ("自评分", "Score"),
    "honours.col.awarded_on": ("授旗日期", "Awarded"),
    "honours.col.revoked_on": ("取消日期", "Revoked"),
    "honours.col.reason": ("取消原因", "Reason"),
    "honours.col.compounds": ("小区数", "Compounds"),
    "honours.col.flags_held": ("现有旗帜", "Flags held"),
    "honours.col.quota": ("应申报", "Quota"),
    "honours.col.due": ("尚欠", "Due"),
    "honours.col.applied": ("已申报", "Applied"),
    "honours.col.in_review": ("审核中", "In review"),
    "honours.col.awarded": ("授旗", "Awarded"),
    "honours.col.revoked": ("取消", "Revoked"),
    "honours.col.rejected": ("未通过", "Rejected"),
    "honours.unknown_code": ("单元编码不存在：{code}", "Unknown unit code: {code}"),
})

FLASH = "honours_flash"


def _done(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


def round_panel(v: state.View, code: str, quarter: str) -> None:
    lang = v.lang
    st.markdown(f"**{t('honours.round', lang)}**")
    frame = rr.round_status(v.url, v.version, code, quarter)
    cols = ["street_name", "compounds", "flags_held", "quota", "due", "applied", "in_review", "awarded", "revoked",
            "rejected"]
    names = {"street_name": t("honours.col.street", lang),
             **{c: t(f"honours.col.{c}", lang) for c in cols if c != "street_name"}}
    st.dataframe(frame[cols].rename(columns=names), hide_index=True, width="stretch")


def flags_panel(v: state.View, code: str) -> None:
    lang = v.lang
    st.markdown(f"**{t('honours.flags', lang)}**")
    frame = rr.flags(v.url, v.version, code, v.on)
    if frame.empty:
        st.caption(t("honours.no_flags", lang))
        return
    state_col = "state_en" if lang == "en" else "state_zh"
    st.dataframe(frame[["street_name", "community_name", "compound_name", state_col, "awarded_on", "revoked_on",
                        "revoked_reason"]].rename(columns={
        "street_name": t("honours.col.street", lang), "community_name": t("honours.col.community", lang),
        "compound_name": t("honours.compound", lang), state_col: t("honours.col.state", lang),
        "awarded_on": t("honours.col.awarded_on", lang), "revoked_on": t("honours.col.revoked_on", lang),
        "revoked_reason": t("honours.col.reason", lang)}), hide_index=True, width="stretch")


def new_application(v: state.View, actor, code: str, quarter: str) -> None:
    lang = v.lang
    cands = rr.candidates(v.url, v.version, code, quarter)
    if cands.empty:
        return
    with st.expander(t("honours.new", lang)):
        pick = st.selectbox(t("honours.compound", lang), options=list(cands["code"]), key="honours-new-compound",
                            format_func=lambda c: " · ".join(cands.set_index("code").loc[c, ["community_name",
                                                                                               "name"]]))
        if st.button(t("honours.start", lang), key="honours-start") and pick:
            if run_write(v.url, actor, lambda ctx: honours.start_application(ctx, pick, quarter=quarter, on=v.on),
                         lang) is not None:
                _done(t("honours.done", lang))


def detail_panel(v: state.View, actor, apps: pd.DataFrame) -> None:
    lang = v.lang
    st.markdown(f"**{t('honours.detail', lang)}**")
    labels = {r.code: f"{r.street_name} · {r.compound_name} · {r.state_en if lang == 'en' else r.state_zh}"
              for r in apps.itertuples(index=False)}
    code = st.selectbox(t("honours.pick", lang), options=list(labels), format_func=labels.get,
                        key="honours-pick")
    if not code:
        return
    fields, history, files = rr.application_detail(v.url, v.version, code)
    st.markdown(f"**{t('honours.history', lang)}**")
    st.dataframe(history.assign(to_state=history["to_state"].map(
        lambda s: honours.STATES[s][1 if lang == "en" else 0])), hide_index=True, width="stretch")
    st.markdown(f"**{t('honours.evidence', lang)}**")
    for f in files.itertuples(index=False):
        st.download_button(f"{t('honours.download', lang)} {plain(f.file_name)} ({f.size:,} B)",
                           key=f"honours-file-{f.id}",
                           data=lambda i=int(f.id): rr.attachment(v.url, i)[2], file_name=f.file_name,
                           mime=f.content_type or "application/octet-stream", on_click="ignore")
    if actor is None:
        return
    allowed = honours.steps_for(actor, SimpleNamespace(state=fields["state"], path=fields["path"]))
    actions(v, actor, code, allowed)


def actions(v: state.View, actor, code: str, allowed: list[str]) -> None:
    """One control per step `actor` may take now; each calls its geodata.situation.honours command."""
    lang = v.lang
    on = v.on

    def do(fn) -> None:
        if run_write(v.url, actor, fn, lang) is not None:
            _done(t("honours.done", lang))

    if "attach" in allowed:
        upload = st.file_uploader(t("honours.upload", lang), key=f"honours-upload-{code}")
        if upload is not None and st.button(t("honours.upload", lang), key=f"honours-upload-go-{code}"):
            content = upload.getvalue()
            do(lambda ctx: honours.attach_evidence(ctx, code, upload.name, content, content_type=upload.type))
    if "self_assess" in allowed:
        pass_mark = int(rr.honour_settings(v.url, v.version)["pass_mark"])
        score = st.number_input(t("honours.score", lang, pass_mark=pass_mark), min_value=0, max_value=100, step=1,
                                value=None, key=f"honours-score-{code}")
        if st.button(t("honours.self_assess", lang), key=f"honours-sa-{code}") and score is not None:
            do(lambda ctx: honours.submit_self_assessment(ctx, code, int(score), on=on))
    note = ""
    if any(s in allowed for s in ("street_review", "county_evaluate", "reject", "revoke")):
        note = st.text_input(t("honours.note", lang), key=f"honours-note-{code}")
    cols = st.columns(4)
    if "street_review" in allowed:
        if cols[0].button(t("honours.approve", lang), key=f"honours-ok-{code}"):
            do(lambda ctx: honours.street_review(ctx, code, approve=True, note=note or None, on=on))
        if cols[1].button(t("honours.return", lang), key=f"honours-back-{code}"):
            do(lambda ctx: honours.street_review(ctx, code, approve=False, note=note, on=on))
    if "county_evaluate" in allowed:
        if cols[0].button(t("honours.pass", lang), key=f"honours-pass-{code}"):
            do(lambda ctx: honours.county_evaluate(ctx, code, passed=True, note=note or None, on=on))
        if cols[1].button(t("honours.fail", lang), key=f"honours-fail-{code}"):
            do(lambda ctx: honours.county_evaluate(ctx, code, passed=False, note=note, on=on))
    if "publish_notice" in allowed and cols[2].button(t("honours.publish", lang), key=f"honours-pub-{code}"):
        do(lambda ctx: honours.publish_notice(ctx, code, on=on))
    if "award" in allowed and cols[2].button(t("honours.award", lang), key=f"honours-award-{code}",
                                             type="primary"):
        do(lambda ctx: honours.award_flag(ctx, code, on=on))
    if "reject" in allowed and cols[3].button(t("honours.reject", lang), key=f"honours-reject-{code}"):
        do(lambda ctx: honours.reject_application(ctx, code, note, on=on))
    if "revoke" in allowed and cols[3].button(t("honours.revoke", lang), key=f"honours-revoke-{code}"):
        do(lambda ctx: honours.revoke_flag(ctx, code, note, on=on))


def main() -> None:
    state.require_entry()
    actor = auth.require_signed_in("page.honours")  # staff lists: not for the wall account
    v = state.view()
    lang = v.lang
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash)
    root = data.root(v.url, v.version)
    if root is None:
        st.info(t("no_data", lang))
        return
    code = rr.unit_in_view(v, actor, root.code)
    crumbs = data.breadcrumb(v.url, v.version, code)
    if not crumbs:
        st.error(t("honours.unknown_code", lang, code=plain(code)))
        return
    unit = crumbs[-1]
    st.header(t("honours.title", lang, name=plain(unit.name)))
    if actor is None:
        st.info(t("honours.sign_in", lang))
    quarters = rr.quarter_options(v.on)
    quarter = st.selectbox(t("honours.quarter", lang), options=quarters, key="honours-quarter") or quarters[0]
    window = rr.round_window(v.url, v.version, quarter)
    st.caption(t("honours.window", lang, **{k: window[k].isoformat() for k in ("apply_from", "apply_until",
                                                                                "accept_until")}))
    round_panel(v, code, quarter)
    honour_proposals.panel(v.url, v.version, actor, code, v.on, lang, _done)  # issue 14 point 12
    flags_panel(v, code)
    if authority.allowed(actor, "honours.sync"):
        if st.button(t("honours.sync", lang), key="honours-sync"):
            done = run_write(v.url, actor, lambda ctx: honours.sync_proposals(ctx, v.on), lang)
            if done is not None:
                _done(t("honours.synced", lang, n=len(done)))
    st.markdown(f"**{t('honours.applications', lang)}**")
    if authority.allowed(actor, honours.action("apply")) and unit.level >= Level.STREET:
        new_application(v, actor, code, quarter)
    apps = rr.applications(v.url, v.version, code, quarter)
    if apps.empty:
        st.caption(t("honours.no_applications", lang))
        return
    state_col = "state_en" if lang == "en" else "state_zh"
    st.dataframe(apps[["street_name", "community_name", "compound_name", state_col, "score", "applied_on",
                       "awarded_on", "revoked_on", "attachments"]].rename(columns={
        "street_name": t("honours.col.street", lang), "community_name": t("honours.col.community", lang),
        "compound_name": t("honours.compound", lang), state_col: t("honours.col.state", lang),
        "score": t("honours.col.score", lang), "awarded_on": t("honours.col.awarded_on", lang),
        "revoked_on": t("honours.col.revoked_on", lang)}), hide_index=True, width="stretch")
    detail_panel(v, actor, apps)


main()
