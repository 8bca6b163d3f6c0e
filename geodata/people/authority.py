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
    # issue 14 point 3 (004 (一)4 上传机制 社区→街乡镇→区卫生健康部门): the street and the district health role record
    # what was done about a symptom alert (上门收治/转诊/排除); only that clears it
    "symptom.follow_up": Action(_roles("supervisor", "health", "command", SYSTEM), "登记症状预警的随访处置",
                                "record the follow-up of a symptom alert"),
    # issue 14 point 3: a resident not under observation reported with symptoms (the same symptom alert), by the
    # staff who see the person — at the person's place
    "symptom.report": Action(_LOCAL | _roles("health", "supervisor", "command", SYSTEM), "上报有症状居民",
                             "report a resident with symptoms"),
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
    # --- requests and events routed to done (issue 15; 003 §一 5, §八 六; 004 接诉即办). Scoped by place: logging,
    # notes, moving and reopening on the event's grid (a move also on the new one); forwarding and closing on the
    # unit that handles it now (grid → community → street → district), so only that unit's staff (or those above
    # it) pass it on or close it — a grid worker cannot close what the street handles
    "event.log": Action(_LOCAL | _roles("supervisor", "command", SYSTEM), "登记事件或诉求", "log an event or request"),
    "event.read": Action(_STAFF | _roles(SYSTEM), "查看事件", "see events"),
    "event.note": Action(_LOCAL | _roles("supervisor", "command", SYSTEM), "记录事件办理情况",
                         "add a note to an event"),
    "event.move": Action(_LOCAL | _roles("supervisor", "command", SYSTEM), "更正事件位置", "move an event"),
    "event.forward": Action(_LOCAL | _roles("supervisor", "command", SYSTEM), "上报（移交上级办理）",
                            "forward an event up"),
    "event.close": Action(_LOCAL | _roles("supervisor", "command", SYSTEM), "办结事件并反馈",
                          "close an event with feedback"),
    "event.reopen": Action(_LOCAL | _roles("supervisor", "command", SYSTEM), "重新打开已办结事件",
                           "reopen a closed event"),
    # --- daily patrols and patrol teams (issue 15; 003 §八 七.1, 001 §十 巡防队)
    "patrol.record": Action(_LOCAL | _roles(SYSTEM), "登记网格巡查", "record a patrol"),
    "patrol.read": Action(_STAFF | _roles(SYSTEM), "查看巡查日志", "see the patrol log"),
    "team.edit": Action(_roles("community_head", "supervisor", "command", SYSTEM), "组建或调整巡防队",
                        "form or change a patrol team"),
    # --- checkpoint entry registration and household passes (issue 15; 000 §1(二)2–4, §1(五); 001 §十四 三): the
    # community and grid staff on duty at a checkpoint register who comes and goes there (the checkpoint's place
    # must lie in their scope); the community (or the street) issues, revokes and reissues its households' passes
    "gate.register": Action(_LOCAL | _roles(SYSTEM), "登记卡点人员车辆进出", "register entries at a checkpoint"),
    "gate.read": Action(_STAFF | _roles(SYSTEM), "查看卡点进出登记", "see a checkpoint's entry log"),
    "pass.issue": Action(_LOCAL | _roles("supervisor", SYSTEM), "发放、作废或补发通行证",
                         "issue, revoke or reissue household passes"),
    "pass.read": Action(_LOCAL | _roles("supervisor", SYSTEM), "查看通行证台账", "see the pass register"),
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
    # a confirmed case only proposes the revocation (issue 14 point 12, 001 §七): the HQ confirms ("honours.revoke")
    # or keeps the flag with a reason
    "honours.dismiss_revocation": Action(_roles("command"), "驳回取消授旗建议（保留旗帜）",
                                         "dismiss a flag revocation proposal (keep the flag)"),
    "honours.sync": Action(_roles("command", SYSTEM), "核查已授旗小区的病例并提出取消授旗建议",
                           "propose revoking the flags of compounds with a new case", ANY),
    # --- door-to-door screening rounds (issue 15; 004 (一)1–2): a street or community starts and closes a round and
    # receives the district's returnee lists; community and grid staff knock on the doors of their own places
    "screening.start": Action(_roles("community_head", "supervisor", "command", SYSTEM), "发起入户摸排",
                              "start a screening round"),
    "screening.import": Action(_roles("community_head", "supervisor", "command", SYSTEM), "导入返乡人员名单",
                               "import a returnee list"),
    "screening.visit": Action(_LOCAL | _roles(SYSTEM), "登记入户摸排", "record a household visit"),
    "screening.close": Action(_roles("community_head", "supervisor", "command", SYSTEM), "结束摸排并向街道报告",
                              "close a round and report to the street"),
    # --- care of the vulnerable, supplies, places (issue 15 part 4; 000 §1(四)5, §1(六); 002 item 1; 004 民政): grid
    # and community staff keep the care list and record visits/deliveries; person-level, so supervisors and the
    # command centre read it only with the "persons" grant
    "care.read": Action(_LOCAL | _roles(SYSTEM), "查看关爱名单", "see the care list", **_PERSONS_GRANT),
    "care.record": Action(_LOCAL | _roles(SYSTEM), "登记探访和送达", "record a care visit or delivery"),
    "supplies.record": Action(_LOCAL | _roles("supervisor", SYSTEM), "登记物资出入库", "record a supply receipt or issue"),
    "places.edit": Action(_LOCAL | _roles("supervisor", "command", SYSTEM), "登记或修改场所及其状态",
                          "record or change a place and its state"),
    "unowned.edit": Action(_roles("community_head", "supervisor", "command", SYSTEM), "登记或修改无主小区台账",
                           "record or change the unowned-compound ledger"),
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
    "page.events": Action(_STAFF, "打开事件办理", "open events", ANY),
    "page.patrol": Action(_STAFF, "打开网格巡查", "open patrols", ANY),
    "page.care": Action(_LOCAL | _roles("supervisor", "command"), "打开关爱服务", "open the care list", ANY),
    "page.places": Action(_STAFF, "打开场所与物资", "open places and supplies", ANY),
    "page.symptoms": Action(_roles("supervisor", "health", "command"), "打开症状预警处置", "open the symptom alerts",
                            ANY),
    "page.signers": Action(_roles("supervisor", "command"), "打开指定签字人员", "open the release signers", ANY),
    "page.screening": Action(_STAFF, "打开入户摸排", "open the screening rounds", ANY),
    "page.gate": Action(_LOCAL | _roles("supervisor", "command"), "打开卡点登记", "open the gate log", ANY),
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
