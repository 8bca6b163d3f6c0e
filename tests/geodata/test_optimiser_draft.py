"""The optimiser's headline and the draft it makes agree (issue 16 point 4): staffed posts the answer does not need
stay in the draft unless released, and the figures say how many."""
from __future__ import annotations

from shapely.geometry import box

from geodata.checkpoints.optimise import suggest
from tests.factories import X0, Y0, load_small_city
from tests.geodata.test_planning_optimiser import _entrances, _street


def test_posts_the_draft_keeps_are_counted_unless_released(store):
    load_small_city(store)
    _entrances(store, [("A1", "G12K2", 0.0394, 0.0297, 0, 0), ("A2", "G12K2", 0.0394, 0.0303, 0, 0),
                       ("A3", "G22K1", 0.0406, 0.0297, 0, 0), ("A4", "G22K1", 0.0406, 0.0303, 4, 2)])
    area = _street(store)
    zone = box(X0 + 0.035, Y0 + 0.025, X0 + 0.045, Y0 + 0.035)
    centre = (X0 + 0.0400, Y0 + 0.0300)
    kept = suggest(area, radius_m=100, zone=zone, extra_points=[centre])
    # one new post covers all four gates; A4's guards stay in the draft: two posts after it, not one
    assert kept.figures["checkpoints"] == 1
    assert kept.figures["left_staffed"] == 1 and kept.figures["posts_after"] == 2
    assert [i.action for i in kept.items] == ["add"]
    released = suggest(area, radius_m=100, zone=zone, extra_points=[centre], release_unchosen=True)
    assert released.figures["left_staffed"] == 0 and released.figures["posts_after"] == 1
    assert [(i.action, i.code) for i in released.items] == [("add", None), ("staff", "A4")]
