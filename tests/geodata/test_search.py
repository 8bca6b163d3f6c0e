"""One search by what people know (issue 16 point 2): units, buildings and checkpoints by name or code anywhere in
the actor's scope; persons by name or ID/phone tail only for those who may read them there; the wall finds none."""
from __future__ import annotations

from geodata.reporting import search
from geodata.store.models import Event
from geodata.store.writes import Actor
from tests.factories import load_small_city
from tests.risk_helpers import add_persons, unit


def test_search_finds_by_name_within_scope_and_persons_only_for_who_may_read_them(store):
    load_small_city(store)
    add_persons(store, [{"code": "R1", "name": "竹寺甲", "building_code": "G21K1B2", "phone": "13912345678",
                         "id_number": "420102199001011236"}])
    head1 = Actor("head1", "community_head", unit(store, "C1").path)
    head2 = Actor("head2", "community_head", unit(store, "C2").path)
    wall = Actor("wall", "viewer")
    command = Actor("command", "command")
    with store.read() as s:
        # a compound deep in the tree, from the city: found by name, with its grid to open
        hits = search.find(s, command, "幸福2小区")
        assert ("unit", "G11K2") in [(h.kind, h.code) for h in hits]
        assert any(h.kind == "building" and h.unit_code == "G11" for h in hits)
        # persons: the head of the person's community by name and by phone tail; not the other head, not the wall
        assert [(h.kind, h.code) for h in search.find(s, head2, "竹寺")] == [("person", "R1")]
        assert [h.code for h in search.find(s, head2, "5678") if h.kind == "person"] == ["R1"]
        assert not [h for h in search.find(s, head1, "竹寺") if h.kind == "person"]
        assert not [h for h in search.find(s, wall, "竹寺") if h.kind == "person"]
        assert not [h for h in search.find(s, command, "竹寺") if h.kind == "person"]  # counts only, no grant
        # a head outside the grid reads the phone masked; nothing outside their community is found
        person = search.find(s, head2, "竹寺")[0]
        assert "13912345678" not in person.detail and "5678" in person.detail
        assert not search.find(s, head1, "第2社区")
        mine = search.find(s, head1, "幸")  # one Chinese character is a word
        assert mine and all(h.unit_code.startswith(("C1", "G1")) for h in mine)
        assert search.find(s, command, "x") == []  # one letter is not a search
    search.search(store, head2, "竹寺")  # persons shown: logged as a view of the register
    with store.read() as s:
        logged = s.query(Event).filter(Event.action == "persons.view", Event.actor == "head2").all()
    assert len(logged) == 1 and logged[0].new["search"] == "竹寺"
