"""Who may do what: the one action table (domain file §5.3, role → view/edit matrix).

Every command asks `require(actor, action, path)` before it writes or reads, and every page decides what to show
(navigation, forms, links, buttons) with `allowed(actor, action, path)` on the same action names — so a page never
offers what the command refuses, nor hides what it allows. A role name is written here and in
geodata.base.vocab (its labels) and nowhere else in geodata: a new rule is a new entry in ACTIONS.

Each action names the roles that may take it, what it is in Chinese and English (for the refusal, which also names
who may), and its scope rule:

- WITHIN: the target's path must lie under the actor's scope (a grid leader edits the buildings of their grid);
- INSIDE: the actor's scope must lie inside the target (a grid leader submits the daily report of their community);
- ANY: not scoped (opening a page, changing the city's settings).

A whole-city scope (None) passes WITHIN; INSIDE needs a scope (system processes pass it). A grant (geodata.people.accounts.grant) admits more roles to
the actions that name it: the "persons" grant lets the command centre and supervisors read person-level records.
System processes (`system:*`, role "system") act for the whole city.
"""
from __future__ import annotations

from dataclasses import dataclass
from geodata.base.problems import PermissionDenied
from geodata.base.vocab import ROLES
from geodata.store.hierarchy import is_under
from geodata.store.writes import Actor

WITHIN, INSIDE, ANY = "within", "inside", "any"
SYSTEM = "system"


@dataclass(frozen=True)
class Action:
    """One thing a person can be allowed to do: by which roles, what it is called, how it is scoped."""

    roles: frozenset[str]
    zh: str
    en: str
    scope: str = WITHIN
    grant: str | None = None  # a grant that admits `granted` roles as well
    granted: frozenset[str] = frozenset()


def _roles(*names: str) -> frozenset[str]:
    return frozenset(names)


#: the signed-in roles that work at a desk (everyone but the wall account)
_STAFF = _roles("command", "supervisor", "community_head", "grid_leader", "health")
#: community and grid staff: the people of their own community/grid (§5.3 "only own community/grid")
_LOCAL = _roles("community_head", "grid_leader")
#: the "persons" grant: whole-area roles that may be given person-level reads (never the wall: a room reads it)
_PERSONS_GRANT = {"grant": "persons", "granted": _roles("command", "supervisor")}

ACTIONS: dict[str, Action] = {
    # --- records of the registers (/my-grid, bulk import of existing rows): §5.3 community/grid staff register
    # households, persons, observations and building control state; supervisors keep units and checkpoints;
    # the command centre sets the situation (a building's control state: it seals and lifts, scenario 6)
    "edit.building": Action(_LOCAL | _roles("supervisor", "command", SYSTEM), "修改楼栋（含管控状态）",
                            "edit a building (its control state included)"),
    "edit.unit": Action(_LOCAL | _roles("supervisor", "command", SYSTEM), "修改单元（含小区/自然村管控状态）",
                        "edit a unit (a compound's or village's control state included)"),
    "edit.checkpoint": Action(_LOCAL | _roles("supervisor", "command", SYSTEM), "修改卡点/出入口",
                              "edit a checkpoint or entrance"),
    "edit.household": Action(_LOCAL | _roles(SYSTEM), "修改户信息", "edit a household"),
    "edit.person": Action(_LOCAL | _roles(SYSTEM), "修改人员信息", "edit a person"),
    # registering an observation is editing the observation register (one entry for /my-grid's form and the command)
    "edit.observation": Action(_LOCAL | _roles("health", SYSTEM), "登记或修改隔离观察",
                               "register or edit an observation"),
    # §3.1 case confirmation chain: community/grid staff register cases, health staff report them
    "edit.case": Action(_LOCAL | _roles("health", "supervisor", "command", SYSTEM), "登记或修改病例",
                        "record or edit a case"),
    # §5.3: grid polygons are drawn by the community and reported to the street; the street supervisor (or the
    # command centre) changes them — for units whose parent lies in their scope
    "reshape.unit": Action(_roles("supervisor", "command", SYSTEM), "修改单元边界", "reshape a unit"),
    # §5.3: the street supervisor (the command centre anywhere) plans checkpoints: adds, moves, opens/closes and
    # staffs them, their rosters, saving/applying plans; community staff keep their entrances under edit.checkpoint
    "plan.checkpoints": Action(_roles("supervisor", "command", SYSTEM), "规划和调整卡点", "plan checkpoints"),
    # --- the situation (risk engine)
    "disinfection.record": Action(_LOCAL | _roles("health", "supervisor", SYSTEM), "登记消毒记录",
                                  "record a disinfection"),
    "health_check.record": Action(_LOCAL | _roles("health", SYSTEM), "登记健康随访", "record a health check"),
    # §2.5: release needs the 包保干部 (a cadre) and the 包保医务人员 (health staff)
    "release.sign.cadre": Action(_LOCAL | _roles("supervisor", SYSTEM), "以包保干部身份签字解除",
                                 "sign a release as the responsible cadre"),
    "release.sign.medic": Action(_roles("health", SYSTEM), "以包保医务人员身份签字解除",
                                 "sign a release as the responsible medic"),
    # issue 14 point 4: the named 包保干部/包保医务人员 sign, "or someone the street assigns" (the street supervisor,
    # or the command centre)
    "release.assign": Action(_roles("supervisor", "command", SYSTEM), "指定签字解除人员",
                             "assign who signs a release"),
    # §2.2 / 000 §3: expert assessment by 市卫健委, then the command centre decides
    "assessment.record": Action(_roles("health", "command", SYSTEM), "登记专家评估", "record an expert assessment"),
    "control.lift": Action(_roles("command"), "决定解除疫点/封锁", "decide to lift a sealing"),
    "alert.acknowledge": Action(_roles("command"), "确认预警", "acknowledge an alert"),
    # §5.3: the command centre sets levels and their thresholds
    "settings.set": Action(_roles("command"), "修改规则参数和分级方案", "change rule parameters and schemes", ANY),
    # --- reads
    "persons.read": Action(_LOCAL | _roles(SYSTEM), "查看人员明细", "see person-level records", **_PERSONS_GRANT),
    # health staff see the observees of their assignment (§5.3), not the general register
    "observees.read": Action(_LOCAL | _roles("health", SYSTEM), "查看隔离观察对象、病例和健康随访",
                             "see observees, cases and health checks", **_PERSONS_GRANT),
    # full ID numbers and phones outside one's own grid (everyone else: scope.sees_identifiers, the grid rule)
    "identifiers.read_all": Action(_roles(SYSTEM), "查看全市完整身份证号和电话",
                                   "see full ID numbers and phones anywhere", ANY),
    "audit.read": Action(_STAFF | _roles(SYSTEM), "查看操作日志", "read the audit log", ANY),
    # names and phones of the people in charge (unit leaders, building heads, checkpoint leaders): staff call
    # them; the wall account shows a room counts, never names (issue 16)
    "contacts.read": Action(_STAFF | _roles(SYSTEM), "查看负责人姓名和电话", "see the names and phones of those in charge",
                            ANY),
    # --- files
    "import": Action(_roles(SYSTEM, "command", "supervisor", "community_head", "grid_leader"), "导入数据",
                     "import data", ANY),
    # --- the daily report: §5.3 community head / grid leader submit their community's (zero) report
    "report.submit": Action(_LOCAL | _roles(SYSTEM), "报送社区日报", "submit a community's daily report", INSIDE),
    # --- residents' requests (scenario 21: 小事不出社区，大事不出街道)
    "issue.log": Action(_LOCAL | _roles("supervisor", SYSTEM), "登记民情事项", "log a resident's request"),
    "issue.close.general": Action(_LOCAL | _roles("supervisor", SYSTEM), "办结一般性事项", "close a general request"),
    "issue.close.community": Action(_roles("community_head", "supervisor", SYSTEM), "办结社区办理的事项",
                                    "close a request handled by the community"),
    "issue.close.street": Action(_roles("supervisor", SYSTEM), "办结街道办理的事项",
                                 "close a request handled by the street"),
    # --- 无疫小区 (§2.9; §5.3 "flag granted/revoked only by county/city HQ"; supervisors do the street review)
    "honours.apply": Action(_LOCAL | _roles(SYSTEM), "创建无疫小区申报", "start an application"),
    "honours.attach": Action(_LOCAL | _roles(SYSTEM), "上传佐证资料", "attach evidence"),
    "honours.self_assess": Action(_LOCAL | _roles(SYSTEM), "提交自评", "submit the self-assessment"),
    "honours.street_review": Action(_roles("supervisor", SYSTEM), "街道初审", "review for the street"),
    "honours.county_evaluate": Action(_roles("command"), "县级评估（明查暗访）", "evaluate for the county"),
    "honours.publish_notice": Action(_roles("command"), "公示", "publish the notice"),
    "honours.award": Action(_roles("command"), "授旗", "award the flag"),
    "honours.reject": Action(_roles("command"), "驳回申报", "reject the application"),
    "honours.revoke": Action(_roles("command"), "取消授旗", "revoke the flag"),
    "honours.sync": Action(_roles("command", SYSTEM), "核查并取消发生病例小区的授旗",
                           "revoke the flags of compounds with a new case", ANY),
    # --- sessions: the wall screen stays signed in for days without an idle timeout (a room reads it)
    "session.wall": Action(_roles("viewer"), "大屏长期保持登录", "stay signed in as the wall screen", ANY),
    # --- pages (the navigation shows them, the gate and each page check): the wall account reads counts (the
    # wall, /explore), never the staff lists of the other pages
    "page.wall": Action(_roles("command", "viewer"), "打开指挥大屏", "open the wall", ANY),
    "page.explore": Action(frozenset(ROLES), "打开地图浏览", "open the map explorer", ANY),
    "page.my_grid": Action(_STAFF, "打开我的网格", "open my grid", ANY),
    "page.checkpoints": Action(_STAFF, "打开卡点规划", "open the checkpoint planner", ANY),
    "page.reports": Action(_STAFF, "打开日报", "open the daily reports", ANY),
    "page.honours": Action(_STAFF, "打开无疫小区", "open the epidemic-free compounds", ANY),
    "page.import": Action(_STAFF, "打开数据导入", "open the data import", ANY),
    "page.audit": Action(_STAFF, "打开操作日志", "open the audit log", ANY),
}

#: grants (geodata.people.accounts.grant) and what they are
GRANTS: dict[str, tuple[str, str]] = {"persons": ("查看人员明细", "see person-level records")}


def action(name: str) -> Action:
    """The entry `name`; an unknown name is a programming error (KeyError), never a silent refusal."""
    return ACTIONS[name]


def grantable(kind: str) -> frozenset[str]:
    """The roles that may hold the grant `kind` (the roles some action admits with it)."""
    return frozenset().union(*(a.granted for a in ACTIONS.values() if a.grant == kind))


def grants_of(actor: Actor) -> frozenset[str]:
    """Rights granted to this user beyond their role that their role may hold (a signed-in actor carries them,
    see geodata.people.accounts)."""
    granted = frozenset(getattr(actor, "grants", ()) or ())
    return frozenset(g for g in granted if actor.role in grantable(g))


def role_may(role: str, name: str) -> bool:
    """May any user of `role` take action `name` (no grant, no scope)? For what knows only a role."""
    return role in ACTIONS[name].roles


def _role_ok(actor: Actor, a: Action) -> bool:
    return actor.role in a.roles or (a.grant is not None and a.grant in grants_of(actor) and actor.role in a.granted)


def _scope_ok(actor: Actor, a: Action, path: str | None) -> bool:
    if path is None or a.scope == ANY:
        return True
    if a.scope == INSIDE:  # a person without a scope is inside no unit; system processes act for every unit
        return actor.role == SYSTEM or (actor.scope_path is not None and is_under(actor.scope_path, path))
    return is_under(path, actor.scope_path)


def allowed(actor: Actor | None, name: str, path: str | None = None) -> bool:
    """May `actor` (None: nobody signed in) take action `name` on something at `path` (None: no target)?"""
    a = ACTIONS[name]
    return actor is not None and _role_ok(actor, a) and _scope_ok(actor, a, path)


def who(name: str, lang: str = "zh") -> str:
    """The roles that may take `name`, named in `lang` (system processes are not named)."""
    i, sep = (1, ", ") if lang == "en" else (0, "、")
    return sep.join(ROLES[r][i] for r in ROLES if r in ACTIONS[name].roles)


def require(actor: Actor | None, name: str, path: str | None = None, *, doing: tuple[str, str] | None = None) -> None:
    """Raise PermissionDenied (Chinese and English, naming who may) unless `actor` may take `name` at `path`.

    `doing` names the refused step in the caller's words (zh, en) when the action covers several ("保存或实施卡点方案"
    under plan.checkpoints); the roles still come from the table."""
    a = ACTIONS[name]
    zh, en = doing or (a.zh, a.en)
    if actor is None or not _role_ok(actor, a):
        raise PermissionDenied(f"无权{zh}（仅限：{who(name)}）", f"not allowed to {en} (only: {who(name, 'en')})")
    if not _scope_ok(actor, a, path):
        raise PermissionDenied(f"超出您的管辖范围，无法{zh}", f"outside your scope: cannot {en}")
