"""Links from the wall's field-work panels to their pages (issue 15 gap 5): each card becomes one click target for
those who may open the page behind it (the action table's page.* entries: the command centre, yes; the wall
account, which opens only /wall and /explore, no), and never in kiosk mode, where nobody clicks. The link is
stretched over the card (the KPI cards' CSS in dashboard/app.py), so a link adds no height to the wall."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard import auth, state
from dashboard.i18n import extend, t
from geodata.people import authority

extend({"wall.open_page": ("打开{page}", "Open {page}")})

#: panel → (page script, its page action)
PAGES: dict[str, tuple[str, str]] = {
    "events": ("views/events.py", "page.events"), "patrol": ("views/patrol.py", "page.patrol"),
    "gate": ("views/gate.py", "page.gate"), "care": ("views/care.py", "page.care"),
    "places": ("views/places.py", "page.places"), "screening": ("views/screening.py", "page.screening"),
    "symptoms": ("views/symptoms.py", "page.symptoms"),
}


def target(panel: str) -> str | None:
    """The page a wall panel links to, or None (kiosk, or the signed-in role may not open it)."""
    page, action = PAGES[panel]
    if state.view().kiosk or not authority.allowed(auth.current_actor(), action):
        return None
    return page


def card(key: str, panel: str, html_text: str, lang: str, *, params: dict[str, str] | None = None,
         after: Callable[[], None] | None = None) -> None:
    """A wall card (`html_text`, escaped by its maker) that opens `panel`'s page when the reader may open it;
    `after` draws more inside it (the wall's highlight button)."""
    with st.container(key=f"kpi-{key}"):
        st.html(html_text)
        page = target(panel)
        if page is not None:
            st.page_link(page, label="›", help=t("kpi.details", lang), query_params=params or {})
        if after is not None:
            after()
