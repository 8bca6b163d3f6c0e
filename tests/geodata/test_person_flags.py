"""An ID number with a wrong check digit is kept (issue 17) and flagged wherever the person is listed: the flag is
computed from the stored number, so a list whose numbers are masked for the reader still carries it."""
from __future__ import annotations

import pandas as pd

from geodata.base.layers import id_check_char
from geodata.editing import records as editing
from geodata.people import persons
from geodata.store.writes import write
from tests.dashboard.test_auth_pages import app, assert_ran, frames, texts  # noqa: F401 — `app` is a fixture
from tests.geodata.test_scope_city import P1_ID, actor, city  # noqa: F401 — `city` is a fixture

#: P1's number with its check digit changed: well formed, so stored, but wrong
BAD_P1_ID = P1_ID[:17] + next(c for c in "0123456789X" if c != id_check_char(P1_ID[:17]))
VALID_P3_ID = "420102198505051237"


def give_p1_a_wrong_check_digit(store) -> None:
    """A hand edit stores the number with a warning, as an import does (geodata.base.layers.id_number_warning)."""
    write(store, actor(store, "grid11"), lambda ctx: editing.update_record(
        ctx, "person", "P1", {"id_number": BAD_P1_ID}, expected_version=1, reason="台账号码"))


def _flags(frame: pd.DataFrame) -> dict[str, bool]:
    return dict(zip(frame["code"], frame[persons.ID_CHECK_FLAG], strict=True))


def test_with_id_flags_marks_only_wrong_check_digits():
    frame = pd.DataFrame({"id_number": [BAD_P1_ID, P1_ID, VALID_P3_ID, None, "12345", f" {BAD_P1_ID} "]})
    assert list(persons.with_id_flags(frame)[persons.ID_CHECK_FLAG]) == [True, False, False, False, False, True]
    assert persons.with_id_flags(frame.iloc[:0])[persons.ID_CHECK_FLAG].dtype == bool


def test_a_person_with_a_wrong_check_digit_is_flagged_and_a_valid_one_is_not(city):  # noqa: F811
    give_p1_a_wrong_check_digit(city)
    listed = persons.persons_in(city, actor(city, "commandp"), "420100")
    assert _flags(listed)["P1"] is True and _flags(listed)["P3"] is False
    assert not any(v for code, v in _flags(listed).items() if code != "P1")
    assert persons.person(city, actor(city, "grid11"), "P1")[persons.ID_CHECK_FLAG] is True
    assert persons.person(city, actor(city, "head2"), "P3")[persons.ID_CHECK_FLAG] is False
    observed = persons.observations_in(city, actor(city, "grid11"), "G11")
    assert _flags(observed.rename(columns={"code": "obs", "person_code": "code"}))["P1"] is True


def test_the_flag_survives_masking(city):  # noqa: F811
    """head1 sees P1 masked (not their own grid); the flag is computed before masking, from the real number."""
    give_p1_a_wrong_check_digit(city)
    listed = persons.persons_in(city, actor(city, "head1"), "C1").set_index("code")
    assert listed.loc["P1", "identifiers_masked"] and listed.loc["P1", "id_number"] != BAD_P1_ID
    assert listed.loc["P1", persons.ID_CHECK_FLAG]
    assert not persons.with_id_flags(listed.reset_index())[persons.ID_CHECK_FLAG].any()  # why: masked has no check


def test_my_grid_shows_the_flag_beside_the_person(app, city):  # noqa: F811
    """/my-grid → households & persons: the flagged person carries the badge in both languages' heading."""
    give_p1_a_wrong_check_digit(city)
    at = app("grid11", "my_grid", code="G11", section="households")
    assert_ran(at)
    people = next(f for f in frames(at) if "身份证号校验位不符" in f.columns).set_index("编码")
    assert people.loc["P1", "身份证号校验位不符"] == "⚠ 校验位不符"
    assert set(people.drop(index="P1")["身份证号校验位不符"]) == {""}
    assert "有 1 人的身份证号校验位不符" in texts(at)
