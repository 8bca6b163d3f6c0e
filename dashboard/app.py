"""gridwatch 网格防控一张图: the entry script (`streamlit run dashboard/app.py`).

Wires the pages together and nothing else: page config, local map assets, the type sizes a wall needs, the
navigation (hidden on a kiosk wall, `?kiosk=1`) and the controls every page shares (language, day).

    /wall                     the whole city at a glance (default page); ?kiosk=1 ?theme= ?lang= ?on=
    /explore?code=CODE        drill down city → … → compound → building (?building=CODE), ?focus=COLUMN
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

import dashboard
from dashboard import auth, offline_assets, run_gate, state
from dashboard.components import controls
from dashboard.components import search_box
from dashboard.components.today import PHONE_CSS
from dashboard.i18n import t, widget_css
from geodata.people import authority

# pages by the package's own path, so the entry script also runs from a copy (the browser tests serve a copy
# next to a static/ folder of their own)
HERE = Path(dashboard.__file__).resolve().parent

st.set_page_config(page_title="网格防控一张图", layout="wide", initial_sidebar_state="collapsed")
offline_assets.use_local_assets()

# Sizes are for the wall, read from three metres: KPI numbers ≥ 48 px, labels ≥ 20 px. The explore page is
# read at a desk but shares the scale a notch down (it is also shown on the wall during meetings).
CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 18px; }
[data-testid="stMainBlockContainer"] { padding-top: 4.2rem; padding-bottom: 1rem; max-width: 100%; }
/* a wall refresh must not fade the old numbers while the new ones are read */
[data-stale="true"], .stale-element { opacity: 1 !important; transition: none !important; }
.gw-headline { display: flex; align-items: baseline; gap: 28px; flex-wrap: wrap; }
.gw-headline h1 { font-size: 34px; font-weight: 800; margin: 0; padding: 0; letter-spacing: 2px; }
.gw-headline .gw-meta { font-size: 22px; color: #b9c6d3; }
.gw-headline .gw-past { font-size: 22px; font-weight: 700; color: #0b1220; background: #F0E442;
  padding: 2px 12px; border-radius: 6px; }
.gw-kpi { background: #16213A; border: 1px solid #2b3a55; border-radius: 10px; padding: 10px 14px 8px;
  min-height: 148px; box-sizing: border-box; }
.gw-kpi-label { font-size: 22px; font-weight: 600; color: #c9d5e1; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.gw-kpi-value { font-size: 60px; font-weight: 800; line-height: 1.1; color: #f4f8fb;
  font-variant-numeric: tabular-nums; }
.gw-kpi-alert .gw-kpi-value { color: #ff8a3d; }
.gw-kpi-parts { font-size: 20px; color: #b9c6d3; line-height: 1.3; }
.gw-kpi-parts b { color: #f4f8fb; }
.gw-kpi-part { white-space: nowrap; }
.gw-kpi-split { display: flex; flex-wrap: wrap; gap: 2px 18px; }  /* a narrow card (a phone) wraps, never cuts a level */
.gw-kpi-cell { display: flex; flex-direction: column; }
.gw-kpi-cell-label { font-size: 20px; color: #c9d5e1; white-space: nowrap; }
/* English labels are longer: two lines kept for every card, so the numbers still line up across the strip */
.gw-kpi-wrap .gw-kpi-label { white-space: normal; line-height: 1.15; min-height: 2.3em; }
.gw-kpi-wrap .gw-kpi-cell-label { white-space: normal; line-height: 1.15; }
/* the card is one click target: its page link is stretched over it */
[class*="st-key-kpi-"] { position: relative; gap: 0 !important; overflow: hidden; border-radius: 10px; }
/* margin 0: Streamlit gives this empty container -6 px above and below, which cut the card's last line (a note such
   as 另有疫点 1 处) by 12 px wherever the card is no taller than its text (phones) */
[class*="st-key-kpi-"] [data-testid="stElementContainer"]:has([data-testid="stPageLink"]) {
  position: static; height: 0; margin: 0 !important; }
[class*="st-key-kpi-"] [data-testid="stPageLink"] { position: absolute; right: 6px; top: 2px; }
[class*="st-key-kpi-"] [data-testid="stPageLink"] a::after { content: ""; position: absolute; inset: -400px; }
[class*="st-key-kpi-"]:hover .gw-kpi { border-color: #4FC3F7; }
[class*="st-key-kpi-"] [data-testid="stPageLink"] p { font-size: 30px; line-height: 1; color: #4FC3F7; }
[class*="st-key-kpi-"] [data-testid="stPageLink"] a { background: transparent; padding: 0 4px; }
.st-key-kpis-compact .gw-kpi { min-height: 116px; padding: 6px 12px 10px; }
.st-key-kpis-compact .gw-kpi-label { font-size: 19px; }
.st-key-kpis-compact .gw-kpi-value { font-size: 40px; }
.st-key-kpis-compact .gw-kpi-parts, .st-key-kpis-compact .gw-kpi-cell-label { font-size: 16px; }
/* breadcrumb and cards */
.st-key-breadcrumb [data-testid="stPageLink"] p { font-size: 22px; }
.gw-crumb-sep { font-size: 22px; color: #7f93a8; }
.gw-crumb-here { font-size: 22px; font-weight: 700; }
.gw-title { font-size: 30px; font-weight: 800; margin: 0; }
.gw-title .gw-sub { font-size: 20px; font-weight: 400; color: #b9c6d3; margin-left: 14px; }
.gw-card { background: #16213A; border: 1px solid #2b3a55; border-radius: 10px; padding: 12px 16px; }
.gw-card-t { font-size: 26px; font-weight: 800; }
.gw-card-badge { font-size: 18px; font-weight: 700; margin-left: 12px; padding: 2px 10px; border-radius: 6px;
  background: #2b3a55; }
.gw-card-sub { font-size: 18px; color: #b9c6d3; margin-bottom: 8px; }
.gw-card-grid { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 4px 14px;
  font-size: 19px; }
.gw-card-l { color: #aebdcc; }
.gw-card-v { font-weight: 600; font-variant-numeric: tabular-nums; }
.gw-card-l.gw-card-wide { grid-column: 1; }
.gw-card-v.gw-card-wide { grid-column: 2 / span 3; }
[data-testid="stCaptionContainer"] { font-size: 16px; }
</style>
"""

# Kiosk: a wall screen shows the page alone. Navigation is hidden by st.navigation(position="hidden"); the
# rest of Streamlit's chrome by CSS.
KIOSK_CSS = """
<style>
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stMainMenu"],
[data-testid="stStatusWidget"], [data-testid="stBottom"], footer { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 0.6rem 1.2rem 0 1.2rem; }
</style>
"""


def main() -> None:
    state.mark_entry()
    cfg = state.settings()
    lang = state.lang(cfg.default_lang)
    kiosk = state.kiosk()
    auth.new_run()
    actor = auth.current_actor()
    st.html(CSS)
    # the page's language for the maps' own controls (GW.pageLang in mapview/runtime.js): one of LANGS, never data
    st.html(f'<span data-gw-lang="{lang}" hidden></span>')
    st.html(PHONE_CSS)  # phones (≤ 640 px): 44-px tap targets, one-column cards, bottom sheets (issue 16)
    if uploader_css := widget_css(lang, st.get_option("server.maxUploadSize")):
        st.html(uploader_css)  # the file uploader's English texts, in Chinese
    if kiosk:
        st.html(KIOSK_CSS)

    signed_in = actor is not None
    actions: dict[str, str] = {}  # url path -> the action that opens it ("page.…" in geodata.people.authority)

    def page(file: str, key: str, url_path: str, name: str | None) -> st.Page:
        """A page shown in the navigation to those the action "page.<name>" admits (each page checks again)."""
        if name is not None:
            actions[url_path] = f"page.{name}"
        visible = authority.allowed(actor, f"page.{name}") if name is not None else not signed_in
        return st.Page(HERE / "views" / file, title=t(key, lang), url_path=url_path,
                       visibility="visible" if visible else "hidden")

    wall = page("wall.py", "nav.wall", "wall", "wall")
    explore = page("explore.py", "nav.explore", "explore", "explore")
    my_grid = page("my_grid.py", "nav.my_grid", "my-grid", "my_grid")
    checkpoints = page("checkpoints.py", "nav.checkpoints", "checkpoints", "checkpoints")
    reports = page("reports.py", "nav.reports", "reports", "reports")
    honours = page("honours.py", "nav.honours", "honours", "honours")
    importer = page("import_data.py", "nav.import", "import", "import")
    audit = page("audit.py", "nav.audit", "audit", "audit")
    symptoms = page("symptoms.py", "nav.symptoms", "symptoms", "symptoms")
    signers = page("signers.py", "nav.signers", "signers", "signers")
    care = page("care.py", "nav.care", "care", "care")
    places = page("places.py", "nav.places", "places", "places")
    screening = page("screening.py", "nav.screening", "screening", "screening")
    events = page("events.py", "nav.events", "events", "events")
    patrol = page("patrol.py", "nav.patrol", "patrol", "patrol")
    gate = page("gate.py", "nav.gate", "gate", "gate")
    login = page("login.py", "nav.login", "login", None)

    def home() -> None:
        # Streamlit serves its default page at "/" only, never at its url_path; "/" moves on to the page the
        # person works on (the wall for the command centre and the wall screen) with the same query string
        target = wall if actor is None or authority.allowed(actor, "page.wall") else my_grid
        st.switch_page(target, query_params=st.query_params.to_dict())

    start = st.Page(home, title=t("nav.wall", lang), url_path="home", default=True, visibility="hidden")
    current = st.navigation([start, wall, explore, my_grid, checkpoints, reports, honours, importer, audit, symptoms,
                             signers, care, places, screening, events, patrol, gate, login],
                            position="hidden" if kiosk else "top")
    if current.url_path != "login":
        # the gate: nothing of any page runs before sign-in (the requested URL opens right after signing in), nor
        # for a role the page is not for — typed URLs included; the page checks the same table again
        auth.require_signed_in(actions.get(current.url_path))
    state.check_query(lang)  # a query parameter the page cannot use: said once, and its default used
    if not kiosk:
        with st.sidebar:
            st.markdown(f"### {t('app.title', lang)}")
            if actor is not None:
                auth.account_box(actor, lang)
            controls.language(lang, cfg.default_lang)
            controls.as_of(state.as_of(), lang)
            search_box.sidebar(actor, lang)  # find a unit, building, checkpoint or person (issue 16)
    current.run()


with run_gate.held():  # page runs of this process compute a few at a time, in arrival order
    main()
