"""Who may run which command of the risk engine (domain file §5.3, role → edit matrix), and within which scope.

One table, so that a page can ask "may this user do X here?" with the same answer the command gives. Every
command checks here before it writes; a refusal is a `geodata.people.scope.PermissionDenied` with a Chinese and an
English message. System processes (`system:*`) act for the whole city.
"""
from __future__ import annotations

from geodata.base.problems import PermissionDenied
from geodata.people.accounts import ROLES
from geodata.store.hierarchy import is_under
from geodata.store.writes import Actor

#: command → roles allowed, with what the command is in Chinese and English (for the refusal message)
COMMANDS: dict[str, tuple[frozenset[str], str, str]] = {
    # community/grid staff register cases and health staff report them (§3.1 case confirmation chain)
    "record_case": (frozenset({"community_head", "grid_leader", "health", "supervisor", "command", "system"}),
                    "登记病例", "record a case"),
    # §5.3: building control state is edited by community heads / grid leaders; supervisors and HQ above them
    "set_control": (frozenset({"community_head", "grid_leader", "supervisor", "command", "system"}),
                    "设置楼栋/自然村管控状态", "set a building's or village's control state"),
    "record_disinfection": (frozenset({"community_head", "grid_leader", "health", "supervisor", "system"}),
                            "登记消毒记录", "record a disinfection"),
    "start_observation": (frozenset({"community_head", "grid_leader", "health", "supervisor", "system"}),
                          "登记隔离观察", "start an observation"),
    "record_health_check": (frozenset({"health", "grid_leader", "community_head", "system"}),
                            "登记健康随访", "record a health check"),
    # §2.5: release needs the 包保干部 (a cadre) and the 包保医务人员 (health staff)
    "sign_release_cadre": (frozenset({"community_head", "grid_leader", "supervisor", "system"}),
                           "以包保干部身份签字解除", "sign a release as the responsible cadre"),
    "sign_release_medic": (frozenset({"health", "system"}),
                           "以包保医务人员身份签字解除", "sign a release as the responsible medic"),
    # §2.2 / 000 §3: expert assessment by 市卫健委, then the command centre decides
    "record_expert_assessment": (frozenset({"health", "command", "system"}),
                                 "登记专家评估", "record an expert assessment"),
    "decide_lift": (frozenset({"command"}), "决定解除封锁/疫点", "decide to lift a sealing"),
    "acknowledge_alert": (frozenset({"command"}), "确认预警", "acknowledge an alert"),
}


def allowed(actor: Actor, command: str, path: str | None = None) -> bool:
    roles = COMMANDS[command][0]
    return actor.role in roles and (path is None or is_under(path, actor.scope_path))


def require(actor: Actor, command: str, path: str | None = None) -> None:
    """Raise PermissionDenied unless `actor` may run `command` on something at `path`."""
    roles, zh, en = COMMANDS[command]
    if actor.role not in roles:
        who_zh = "、".join(ROLES.get(r, (r, r))[0] for r in sorted(roles) if r != "system")
        who_en = ", ".join(ROLES.get(r, (r, r))[1] for r in sorted(roles) if r != "system")
        raise PermissionDenied(f"无权{zh}（仅限：{who_zh}）", f"not allowed to {en} (only: {who_en})")
    if path is not None and not is_under(path, actor.scope_path):
        raise PermissionDenied(f"超出您的管辖范围，无法{zh}", f"outside your scope: cannot {en}")
