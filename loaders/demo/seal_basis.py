"""The basis of the demo city's sealings (issue 14 point 5, vocab.SEAL_BASES): one control state `sealed`, stored
with why. The generator (loaders.demo.situation) seals by the rules — a cluster's buildings (S1_unit, S2) and a
natural village with a case — which is 硬隔离 (000 §1(三), §3(二)); on a believable day the health commission has
also advised 封锁 of a few of those buildings (000 §3(一)4: 宿舍(公寓)、楼栋): every fourth sealed building by code,
so the mix is the same for a seed and exists at every scale that has a sealed building. Two UPDATEs, any scale."""
from __future__ import annotations

from sqlalchemy import text

from geodata.store.writes import WriteContext

#: one sealed building in LOCKDOWN_EVERY is a 封锁 on advice; the rest are the rules' 硬隔离
LOCKDOWN_EVERY = 4


def build_seal_basis(ctx: WriteContext, city: object = None) -> dict[str, int]:
    """Record the basis of every sealed building and natural village of a freshly generated city."""
    conn = ctx.session.connection()
    villages = conn.execute(text(
        "UPDATE units SET control_basis = 'hard_isolation' WHERE control_state = 'sealed'")).rowcount
    codes = conn.execute(text("SELECT code FROM buildings WHERE control_state = 'sealed' ORDER BY code")).scalars()
    lockdown = {c for i, c in enumerate(codes) if i % LOCKDOWN_EVERY == 0}
    hard = conn.execute(text(
        "UPDATE buildings SET control_basis = 'hard_isolation' WHERE control_state = 'sealed'")).rowcount
    if lockdown:
        conn.execute(text("UPDATE buildings SET control_basis = 'lockdown' WHERE code = :c"),
                     [{"c": c} for c in sorted(lockdown)])
    return {"villages": int(villages), "buildings_hard_isolation": int(hard) - len(lockdown),
            "buildings_lockdown": len(lockdown)}
