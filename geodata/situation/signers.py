"""Who signs a release (issue 14 points 4 and 6): the board of open observations with their named 包保干部 and
包保医务人员, what the reader may sign, and the accounts the street may assign (geodata.situation.observations
.assign_signer is the command; `named_signer` the one rule of who signs).

No person names here: an observation is shown by its code, its community and its dates, so the street's page needs
no person-level grant; the community's own page joins names under its own scope rules.
"""
from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geodata.people import authority, scope
from geodata.people.accounts import actor_of
from geodata.situation.observations import SIGN_ROLES, named_signer
from geodata.store.hierarchy import path_upper_bound
from geodata.store.models import Observation, Unit, User

BOARD_COLUMNS = ["code", "path", "community", "kind", "start_date", "planned_end", "cadre", "medic",
                 "cadre_signed_by", "medic_signed_by", "may_sign", "version"]


def _who(account: str | None, name: str | None) -> str:
    if account and name:
        return f"{name}（{account}）"
    return account or name or ""


def signing_board(session: Session, actor: Any, path: str, codes: list[str] | None = None) -> pd.DataFrame:
    """Open observations under `path` (or just `codes`), each with who must sign as cadre and medic and the roles
    `actor` may sign now (`may_sign`: named, holding the action, not yet signed). Refused outside the reader's
    scope."""
    scope.require_read(actor, path)
    q = select(Observation).where(Observation.released_on.is_(None), Observation.path >= path,
                                  Observation.path < path_upper_bound(path)).order_by(Observation.planned_end,
                                                                                      Observation.code)
    if codes is not None:
        q = q.where(Observation.code.in_(codes))
    rows = session.execute(q).scalars().all()
    community_ids = {int(o.path.strip("/").split("/")[3]) for o in rows if len(o.path.strip("/").split("/")) > 3}
    names = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(community_ids))).all()) \
        if community_ids else {}
    out = []
    for o in rows:
        parts = o.path.strip("/").split("/")
        mine = [r for r in SIGN_ROLES
                if not (o.cadre_signed_by if r == "cadre" else o.medic_signed_by)
                and authority.allowed(actor, f"release.sign.{r}", o.path) and named_signer(session, actor, o, r)]
        out.append((o.code, o.path, names.get(int(parts[3])) if len(parts) > 3 else None, o.kind, o.start_date,
                    o.planned_end, _who(o.cadre_account, o.cadre_name), _who(o.medic_account, o.medic_name),
                    o.cadre_signed_by, o.medic_signed_by, mine, o.version))
    return pd.DataFrame(out, columns=BOARD_COLUMNS)


def assignable(session: Session, actor: Any, observation_code: str, role: str) -> pd.DataFrame:
    """The active accounts that may sign as `role` at this observation's place (what assign_signer accepts):
    username and display name, for the street's choice. Refused unless `actor` may assign signers there."""
    obs = session.execute(select(Observation).where(Observation.code == observation_code)).scalar_one()
    authority.require(actor, "release.assign", obs.path)
    users = session.execute(select(User).where(User.active.is_(True)).order_by(User.username)).scalars().all()
    rows = [(u.username, u.display_name) for u in users
            if authority.allowed(actor_of(session, u), f"release.sign.{role}", obs.path)]
    return pd.DataFrame(rows, columns=["username", "display_name"])
