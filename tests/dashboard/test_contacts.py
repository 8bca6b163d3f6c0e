"""Issue 16: the wall shows counts, never the names and phones of those in charge — and says a name is hidden
rather than "负责人 —" (which reads as "nobody is in charge"). The wall account (viewer) may open /explore; its
cards and tooltips hide unit leaders', building heads' and checkpoint leaders' names and phones too. Who may
read them is decided in geodata (geodata.people.scope.sees_staff_contacts, action "contacts.read").

Runs on the two-street test city (SQLite and PostgreSQL): 第1社区's leader 王书记 13800000000, every building's
head 赵楼长.
"""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from google.protobuf import text_format

from dashboard.mapview.render import hide_contacts
from geodata.people.scope import sees_staff_contacts
from tests.dashboard.test_auth_pages import assert_ran
from tests.dashboard.test_page_security import app  # noqa: F401 — a fixture: the real entry script
from tests.dashboard.test_pages import htmls
from tests.geodata.test_scope_city import USERS, actor, city  # noqa: F401 — `city` is a fixture

NAMES = ("王书记", "13800000000", "赵楼长")
UNICODE_ESCAPE = re.compile(r"\\+u([0-9a-fA-F]{4})")


def _components(at) -> str:
    """Everything the run sent to the browser, as text: each element, and the map component's page (its JSON
    arguments decoded, so that a name is found as the characters it is)."""
    out = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(text_format.MessageToString(proto, as_utf8=True))
            args = getattr(getattr(proto, "component_instance", None), "json_args", "")
            if args:
                out.append(json.dumps(json.loads(args), ensure_ascii=False))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    text = "".join(out)
    while (decoded := UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)) != text:
        text = decoded  # the map's data is JSON inside the page's script: "\\u738b…" → 王…
    return text


def test_hide_contacts_says_hidden_where_a_name_exists_and_leaves_missing_ones_missing():
    frame = pd.DataFrame({"leader_name": ["王书记", None, " "], "leader_phone": ["13800000000", None, None]})
    before = frame.copy()
    shown = hide_contacts(frame, "zh")
    assert list(shown["leader_name"]) == ["已隐藏", None, None]
    assert list(shown["leader_phone"]) == ["已隐藏", None, None]
    assert frame.equals(before), "the caller's frame is not changed"


@pytest.mark.parametrize("username", sorted(USERS))
def test_only_the_wall_account_may_not_read_staff_contacts(city, username):
    assert sees_staff_contacts(actor(city, username)) == (USERS[username][0] != "viewer")
    assert not sees_staff_contacts(None)


def test_the_wall_map_says_leaders_are_hidden_and_never_names_them(app, city):
    at = app("command", "wall")
    assert_ran(at)
    sent = _components(at)
    assert "已隐藏" in sent
    for name in NAMES:
        assert name not in sent


@pytest.mark.parametrize(("query", "names"), [({"code": "C1"}, NAMES[:2]),
                                              ({"code": "G11K1", "building": "G11K1B1"}, NAMES[2:])])
def test_the_wall_account_sees_no_names_or_phones_on_explore(app, city, query, names):
    staff = app("command", "explore", **query)
    assert_ran(staff)
    assert all(n in " ".join(htmls(staff)) for n in names), "staff read the names on the cards"
    wall = app("wall", "explore", **query)
    assert_ran(wall)
    sent = _components(wall)
    for name in names:
        assert name not in sent
    card = next(b for b in htmls(wall) if "gw-card" in b)
    assert "电话" not in card
