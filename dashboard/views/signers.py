"""/signers: the street names the cadre and the medic who sign an observation's release (issue 14 point 6, the
`release.assign` action; geodata.situation.observations.assign_signer). Open observations of the street are listed
by code, community and dates with who must sign now; the form picks one, the role, and an account that may sign
there (geodata.situation.signers.assignable).
"""
from __future__ import annotations

import streamlit as st

from dashboard import auth, state
from dashboard.components.edit_text import plain
from dashboard.components.refusals import show_refusal
from dashboard.i18n import extend, t
from geodata.base.problems import Refusal
from geodata.people import authority
from geodata.reporting import access
from geodata.situation.observations import SIGN_ROLES, assign_signer
from geodata.situation.signers import assignable, signing_board
from geodata.store.writes import write

extend({
    "sg.title": ("指定解除隔离签字人员", "Who signs a release"),
    "sg.none": ("暂无未解除的隔离观察", "No open observations"),
    "sg.code": ("观察编号", "Observation"),
    "sg.community": ("社区", "Community"),
    "sg.end": ("计划解除日期", "Planned end"),
    "sg.cadre": ("包保干部", "Responsible cadre"),
    "sg.medic": ("包保医务人员", "Responsible medic"),
    "sg.signed": ("已签", "Signed"),
    "sg.role": ("签字身份", "Signs as"),
    "sg.account": ("签字人员", "Account"),
    "sg.save": ("指定", "Assign"),
    "sg.saved": ("已指定签字人员。", "Signer assigned."),
    "sg.nobody": ("本范围内没有可以此身份签字的账号", "No account may sign in this role here"),
    "sg.readonly": ("仅街道督导或指挥部可指定签字人员", "Only the street or the command centre assigns signers"),
})


def main() -> None:
    state.require_entry()
    actor = auth.require_signed_in("page.signers")
    v = state.view()
    lang = v.lang
    st.subheader(t("sg.title", lang))
    if flash := st.session_state.pop("gw-sg-flash", None):
        st.success(flash)
    try:
        with v.store.read() as s:
            home = access.home(s, actor)
            if home is None:
                st.info(t("no_data", lang))
                return
            board = signing_board(s, actor, home.path)
    except Refusal as exc:
        show_refusal(exc, lang)
        return
    st.caption(plain(home.name))
    if board.empty:
        st.info(t("sg.none", lang))
        return
    shown = board.assign(cadre=[f"{w}{' ✓' if by else ''}" for w, by in zip(board["cadre"], board["cadre_signed_by"],
                                                                             strict=True)],
                         medic=[f"{w}{' ✓' if by else ''}" for w, by in zip(board["medic"], board["medic_signed_by"],
                                                                             strict=True)])
    st.dataframe(shown[["code", "community", "planned_end", "cadre", "medic"]].rename(columns={
        "code": t("sg.code", lang), "community": t("sg.community", lang), "planned_end": t("sg.end", lang),
        "cadre": t("sg.cadre", lang), "medic": t("sg.medic", lang)}), hide_index=True, use_container_width=True)
    if not authority.allowed(actor, "release.assign", home.path):
        st.caption(t("sg.readonly", lang))
        return
    code = st.selectbox(t("sg.code", lang), board["code"].tolist(), key="gw-sg-code")
    role = st.radio(t("sg.role", lang), list(SIGN_ROLES), horizontal=True, key="gw-sg-role",
                    format_func=lambda r: SIGN_ROLES[r][1] if lang == "en" else SIGN_ROLES[r][0])
    try:
        with v.store.read() as s:
            accounts = assignable(s, actor, code, role)
    except Refusal as exc:
        show_refusal(exc, lang)
        return
    if accounts.empty:
        st.caption(t("sg.nobody", lang))
        return
    names = dict(zip(accounts["username"], accounts["display_name"], strict=True))
    with st.form("gw-sg-form", border=True):
        username = st.selectbox(t("sg.account", lang), list(names), format_func=lambda u: f"{names[u]}（{u}）")
        if st.form_submit_button(t("sg.save", lang), type="primary", use_container_width=True):
            try:
                write(v.store, actor, lambda ctx: assign_signer(ctx, code, role, username))
            except Refusal as exc:
                show_refusal(exc, lang)
                return
            st.session_state["gw-sg-flash"] = t("sg.saved", lang)
            st.rerun()


main()
