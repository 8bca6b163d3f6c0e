"""One field registry (geodata.base.layers.RULES) for import and hand edit (issue 13): the staffing bound, yes/no
words, ID numbers and their check digit, genders, phone numbers and text lengths get the same answer whether a
value comes in by a file (a CSV read by loaders.readers, or a frame given to import_frame) or by a form
(geodata.editing.records.update_record) — accepted and stored alike, or refused with the same reason."""
from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point
from sqlalchemy import select

from geodata.base.layers import (
    NO_WORDS,
    RULES,
    STAFF_MAX,
    YES_WORDS,
    bound_problem,
    id_check_char,
    id_number_problem,
    id_number_warning,
    layer_rule,
    length_problem,
)
from geodata.base.problems import Rejected
from geodata.editing import records as editing
from geodata.editing.fields import FIELDS
from geodata.exchange.imports import import_frame
from geodata.store.models import Checkpoint, Person
from geodata.store.writes import write
from loaders.readers import read_layer
from tests.factories import X0, Y0
from tests.geodata.test_scope_city import P1_ID, actor, city  # noqa: F401 — `city` is a fixture

ROOT = Path(__file__).resolve().parents[2]
#: who edits and imports: the grid leader of the grid holding E1 and P1 (edits people and checkpoints there)
WHO = "grid11"
#: what each entity's test record looks like in a file (the fields that place it), beside the value under test
ROWS = {
    "checkpoint": ("checkpoints", Checkpoint, "E1", {"name": "幸福1小区东门", "kind": "compound_entrance",
                                                    "unit_code": "G11K1", "lon": X0 + 0.001, "lat": Y0 + 0.001}),
    "person": ("persons", Person, "P1", {"name": "张三", "household_code": "H1"}),
}


class Verdict:
    """What one path made of a value: the value stored, or the refusal's messages for that field."""

    def __init__(self, stored: Any = None, refused: list[str] | None = None) -> None:
        self.stored, self.refused = stored, refused

    def __repr__(self) -> str:
        return f"refused {self.refused}" if self.refused is not None else f"stored {self.stored!r}"


def _stored(store, entity: str, name: str) -> tuple[Any, int]:
    _, model, code, _ = ROWS[entity]
    with store.read() as s:
        row = s.execute(select(model).where(model.code == code)).scalar_one()
        return getattr(row, name), row.version


def _refusal(err: Rejected, name: str) -> list[str]:
    return [f"{p.message_zh} | {p.message_en}" for p in err.problems if p.field == name]


def by_edit(store, entity: str, name: str, value: Any) -> Verdict:
    _, version = _stored(store, entity, name)
    try:
        write(store, actor(store, WHO), lambda ctx: editing.update_record(
            ctx, entity, ROWS[entity][2], {name: value}, expected_version=version))
    except Rejected as err:
        return Verdict(refused=_refusal(err, name))
    return Verdict(_stored(store, entity, name)[0])


def _row(entity: str, name: str, value: Any) -> dict[str, Any]:
    _, _, code, place = ROWS[entity]
    return {"code": code, **place, name: value}


def by_frame(store, entity: str, name: str, value: Any) -> Verdict:
    """import_frame with a one-row frame, as a caller that built the frame itself gives it."""
    layer = ROWS[entity][0]
    row = _row(entity, name, value)
    if "lon" in row:
        frame = gpd.GeoDataFrame([{**row, "geometry": Point(row.pop("lon"), row.pop("lat"))}], geometry="geometry",
                                 crs="EPSG:4326")
    else:
        frame = pd.DataFrame([row])
    try:
        import_frame(store, actor(store, WHO), layer, frame)
    except Rejected as err:
        return Verdict(refused=_refusal(err, name))
    return Verdict(_stored(store, entity, name)[0])


def by_csv(store, tmp_path: Path, entity: str, name: str, value: Any) -> Verdict:
    """A CSV file read by the file reader and imported, as the CLI and the Import page do."""
    layer = ROWS[entity][0]
    row = _row(entity, name, value)
    path = tmp_path / f"{layer}.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(row))
        w.writeheader()
        w.writerow(row)
    result = read_layer(path, layer)
    if not result.ok:
        return Verdict(refused=[f"{p.message_zh} | {p.message_en}" for p in result.errors])
    try:
        import_frame(store, actor(store, WHO), layer, result.frame.drop(columns="_row"), source=path.name)
    except Rejected as err:
        return Verdict(refused=_refusal(err, name))
    return Verdict(_stored(store, entity, name)[0])


def verdicts(store, tmp_path: Path, entity: str, name: str, value: Any) -> dict[str, Verdict]:
    return {"edit": by_edit(store, entity, name, value), "frame": by_frame(store, entity, name, value),
            "csv": by_csv(store, tmp_path, entity, name, value)}


def assert_refused_by_all(found: dict[str, Verdict], why: tuple[str, str]) -> None:
    """Every path refused the value, each naming the registry's reason in Chinese and English."""
    for path, v in found.items():
        assert v.refused, f"{path}: {v}"
        assert any(why[0] in m and why[1] in m for m in v.refused), f"{path}: {v.refused} lacks {why}"


def assert_stored_by_all(found: dict[str, Verdict], expected: Any) -> None:
    assert {path: (v.refused, v.stored) for path, v in found.items()} == \
        {path: (None, expected) for path in found}


# --- the staffing bound -----------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["staff_day", "staff_night"])
def test_staffing_above_the_bound_is_refused_by_import_and_by_edit_alike(city, tmp_path, field):
    found = verdicts(city, tmp_path, "checkpoint", field, STAFF_MAX + 1)
    assert_refused_by_all(found, bound_problem(RULES["checkpoint"][field], STAFF_MAX + 1))
    assert _stored(city, "checkpoint", field)[0] != STAFF_MAX + 1


def test_staffing_at_the_bound_is_stored_by_import_and_by_edit_alike(city, tmp_path):
    assert_stored_by_all(verdicts(city, tmp_path, "checkpoint", "staff_day", STAFF_MAX), STAFF_MAX)


def test_the_staffing_bound_is_written_once():
    """Every staffing check and widget reads `STAFF_MAX`: the number itself appears beside staffing words only
    where the registry defines it (it was written in editing, checkpoints, rosters, plans and two pages)."""
    staffing = re.compile(r"staff|人数|值守|max_value", re.IGNORECASE)
    found = []
    for folder in ("geodata", "loaders", "dashboard"):
        for path in (ROOT / folder).rglob("*.py"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if re.search(r"(?<![\d,.])500(?![\d,])", line) and staffing.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{n}")
    assert found == ["geodata/base/layers.py:" + str(_line_of_staff_max())]
    assert FIELDS["checkpoint"]["staff_day"].rule is RULES["checkpoint"]["staff_day"]
    assert layer_rule("checkpoints", "staff_night").hi == STAFF_MAX == 500


def _line_of_staff_max() -> int:
    lines = (ROOT / "geodata" / "base" / "layers.py").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if line.startswith("STAFF_MAX = "))


# --- yes/no words ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["是", "否", "√", "×", "有", "无", "yes", "N", "true", "0", "明确", "不是"])
def test_a_yes_no_word_means_the_same_to_import_and_to_edit(city, tmp_path, word):
    expected = word.lower() in YES_WORDS
    assert expected or word.lower() in NO_WORDS
    found = {}
    for path, save in (("edit", by_edit), ("frame", by_frame), ("csv", by_csv)):
        by_edit(city, "checkpoint", "is_24h", not expected)  # the other answer first: each path has to change it
        assert _stored(city, "checkpoint", "is_24h")[0] is (not expected)
        args = (city, tmp_path) if path == "csv" else (city,)
        found[path] = save(*args, "checkpoint", "is_24h", word)
    assert_stored_by_all(found, expected)


def test_a_word_that_is_neither_yes_nor_no_is_refused_by_import_and_by_edit(city, tmp_path):
    assert_refused_by_all(verdicts(city, tmp_path, "checkpoint", "is_24h", "也许"), ("是 或 否", "yes or no"))


# --- ID numbers --------------------------------------------------------------------------------------------


def _with_wrong_check_digit(number: str) -> str:
    right = id_check_char(number[:17])
    return number[:17] + next(c for c in "0123456789X" if c != right)


def test_an_id_number_with_a_wrong_check_digit_is_stored_and_flagged_by_import_and_by_edit(city, tmp_path):
    """A wrong check digit is a flag, not a refusal (issue 17): every path stores the number as typed, and the
    registry names the flag (imports list it by row)."""
    wrong = _with_wrong_check_digit("110105198002020048")
    assert id_number_problem(wrong) is None
    why = id_number_warning(wrong)
    assert why is not None and "校验位" in why[0] and "check digit" in why[1]
    assert id_number_warning("110105198002020048") is None
    assert_stored_by_all(verdicts(city, tmp_path, "person", "id_number", wrong), wrong)
    flagged = import_frame(city, actor(city, WHO), "persons", pd.DataFrame([_row("person", "id_number", wrong)]))
    assert [(p.severity, p.field, p.message_zh.endswith(why[0])) for p in flagged.problems] == \
        [("warning", "id_number", True)]


@pytest.mark.parametrize("malformed", ["11010519800202004", "1101051980020200481", "11010519800202004A",
                                       "X10105198002020048"])
def test_a_malformed_id_number_is_refused_by_import_and_by_edit(city, tmp_path, malformed):
    assert_refused_by_all(verdicts(city, tmp_path, "person", "id_number", malformed), id_number_problem(malformed))


def test_a_valid_id_number_is_stored_alike_by_import_and_by_edit(city, tmp_path):
    """Lower-case x and full-width digits (typed on a Chinese keyboard) are the same number to both paths."""
    number = "42010619800101100X"
    assert id_number_problem(number) is None
    assert_stored_by_all(verdicts(city, tmp_path, "person", "id_number", "４２010619800101100x"), number)


# --- text lengths, genders, phone numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(("entity", "field"), [("checkpoint", "name"), ("checkpoint", "leader_name"),
                                               ("person", "name")])
def test_text_longer_than_its_column_is_refused_by_import_and_by_edit(city, tmp_path, entity, field):
    limit = RULES[entity][field].max_len
    assert_refused_by_all(verdicts(city, tmp_path, entity, field, "长" * (limit + 1)),
                          length_problem("长" * (limit + 1), limit))
    assert_stored_by_all(verdicts(city, tmp_path, entity, field, "长" * limit), "长" * limit)


def test_gender_words_and_phone_numbers_get_the_same_answer_by_import_and_by_edit(city, tmp_path):
    assert_stored_by_all(verdicts(city, tmp_path, "person", "gender", "女性"), "女")
    assert_refused_by_all(verdicts(city, tmp_path, "person", "gender", "未知"), ("男 或 女", "male"))
    assert_stored_by_all(verdicts(city, tmp_path, "person", "phone", "１３９ 0000 1111"), "139 0000 1111")
    assert_refused_by_all(verdicts(city, tmp_path, "person", "phone", "call me"), ("格式不正确", "not a phone"))
