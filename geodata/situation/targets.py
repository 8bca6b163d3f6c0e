"""What a control measure acts on, and the date rule every measure shares.

A *target* is a building, or a compound — above all a rural natural village, which "can be sealed just like a
building" (§1.1 building ↔ natural village, scenario 23). Control states (geodata.situation.control) and
disinfection records (geodata.situation.disinfection) both name their target by code; this module sits below
both so that a state change can re-judge the disinfection norm of the days it touches without an import cycle.

No measure is recorded for a day that has not come yet (issue 14 point 10): a disinfection, an expert
assessment or a lift decision dated tomorrow would count towards a lift, or clear a shortfall, in advance.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.base.problems import Problem, Rejected
from geodata.base.vocab import Level
from geodata.people import reach
from geodata.store.models import Building, Case, Unit
from geodata.store.writes import Actor


@dataclass
class Target:
    """A building, or a compound / natural village, whose control state can change."""

    kind: str  # building | compound
    row: Building | Unit

    @property
    def code(self) -> str:
        return self.row.code

    @property
    def path(self) -> str:
        return self.row.path

    @property
    def state(self) -> str:
        return self.row.control_state or "normal"

    @property
    def since(self) -> dt.date | None:
        return self.row.control_since

    @property
    def is_village(self) -> bool:
        return self.kind == "compound" and self.row.kind == "natural_village"

    def ids(self) -> dict[str, int | None]:
        if self.kind == "building":
            return {"building_id": self.row.id, "compound_id": None}
        return {"building_id": None, "compound_id": self.row.id}

    def unit_id(self) -> int:
        """The unit an alert about this target hangs on: the village/compound itself, or a building's compound
        (its grid when it has none)."""
        if self.kind == "compound":
            return self.row.id
        return self.row.compound_id or self.row.grid_id

    def cases_filter(self):  # noqa: ANN201 — an SQL condition on Case
        return Case.building_id == self.row.id if self.kind == "building" else Case.compound_id == self.row.id


def resolve_target(session: Session, code: str, actor: Actor | None = None, action: str | None = None) -> Target:
    """The building, else the compound / natural village, of `code`. With `actor`: after the role of `action`, one
    answer for a code that is unknown and one outside a scoped actor's scope (geodata.people.reach, issue 18)."""
    reach.role_first(actor, action)
    building = session.execute(select(Building).where(Building.code == code)).scalar_one_or_none()
    if building is not None and not reach.hidden(actor, building.path):
        return Target("building", building)
    unit = session.execute(
        select(Unit).where(Unit.code == code, Unit.level == int(Level.COMPOUND))).scalar_one_or_none()
    if unit is not None and not reach.hidden(actor, unit.path):
        return Target("compound", unit)
    if actor is None:
        raise Rejected([Problem(f"楼栋或小区/自然村编码不存在: {code}",
                                f"no building or compound/village with code {code!r}", field="target_code")])
    raise reach.refusal(actor, ("楼栋或小区/自然村编码", "building or compound/village code"), code, "target_code")


def not_after_today(on: dt.date, what_zh: str, what_en: str, field: str = "on") -> dt.date:
    """`on`, or a refusal in both languages when it is after today (back-dated records are allowed)."""
    today = dt.date.today()
    if on > today:
        raise Rejected([Problem(f"{what_zh}日期 {on} 晚于今天 {today}，不能预先登记",
                                f"the {what_en} date {on} is after today ({today}): it cannot be recorded in "
                                f"advance", field=field)])
    return on
