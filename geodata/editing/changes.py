"""How a change reads (issue 16 point 6): an audit event's action, time and old → new values in plain words —
"修改楼栋 · 管控状态：常态化防控 → 封闭管理" instead of `building.update` and JSON.

The log itself (geodata.people.audit) keeps what was written; this only words it. Field names come from what a
hand edit calls them (geodata.editing.fields) or the layer's Chinese header (geodata.base.layers), values from the
vocabularies (geodata.base.vocab); what has no word here is shown as stored, never dropped.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from geodata.base.clock import to_second
from geodata.base.layers import LAYERS
from geodata.base.vocab import (
    CASE_KINDS,
    CHECKPOINT_KINDS,
    CHECKPOINT_STATUSES,
    CONTROL_STATES,
    OBSERVATION_KINDS,
    ROLES,
    SEAL_BASES,
    Term,
    label,
)
from geodata.editing.fields import FIELDS
from geodata.people import authority
from geodata.people.scope import ENTITY_LABELS

EMPTY = ("（空）", "(empty)")
YES, NO = ("是", "yes"), ("否", "no")

#: whole actions with a name of their own (the rest are "<verb><record>", below)
ACTION_WORDS: dict[str, tuple[str, str]] = {
    "control.change": ("变更管控状态", "change the control state"),
    "situation.change": ("疫情分级变化", "situation level changed"),
    "persons.view": ("查看人员名单", "viewed a person list"),
    "export": ("导出数据", "export"),
    "import": ("导入数据", "import"),
    "user.sign_in": ("登录", "signed in"),
    "user.sign_out": ("退出登录", "signed out"),
    "observation.sign": ("解除观察签字", "signed the release"),
    "observation.release": ("解除隔离观察", "released from observation"),
    "observation.reexposure": ("再次接触，重新计算观察期", "exposed again: the period restarts"),
    "observation.kind": ("变更隔离方式", "change the observation kind"),
    "observation.assign_signer": ("指定签字人员", "assign a signer"),
    "checkpoint.status": ("开启/关闭卡点", "open or close a checkpoint"),
    "checkpoint.staffing": ("调整卡点值守人数", "change a checkpoint's staffing"),
    "shift.set": ("排班", "set a shift"),
    "shift.roster": ("排班表", "roster"),
    "daily_report.submit": ("报送日报", "submit the daily report"),
    "daily_report.revise": ("更正日报", "revise the daily report"),
    "setting.change": ("修改规则参数", "change a rule setting"),
    "unit.reshape": ("修改单元边界", "reshape a unit"),
    # field work (issue 15): what geodata.fieldwork records, in the words of the ledgers
    "event.import": ("导入事件台账", "import an event ledger"),
    "patrol.import": ("导入巡查日志", "import a patrol log"),
    "team.save": ("组建或调整巡防队", "save a patrol team"),
    "gate.entry": ("卡点进出登记", "register an entry at a checkpoint"),
    "gate.entries": ("卡点进出登记（批量）", "register entries at a checkpoint"),
    "pass.issue_batch": ("批量发放通行证", "issue passes to a compound or building"),
    "pass.revoke": ("作废通行证", "revoke a pass"),
    "pass.move": ("通行证随户迁移", "move a pass with its household"),
    "screening.visits": ("登记入户摸排（批量）", "record household visits"),
    "screening.match": ("返乡人员名单匹配到户", "match a returnee list to households"),
    "care.visit": ("登记探访", "record a care visit"),
    "care.delivery": ("登记送达（代购/定点投放/不见面送达）", "record a delivery"),
    "care.import": ("导入探访送达记录", "import care visits"),
    "supplies.receipt": ("物资入库", "record a supply receipt"),
    "supplies.issue": ("物资出库", "record a supply issue"),
    "supplies.import": ("导入物资出入库", "import supply movements"),
    "place.create": ("新增场所", "add a place"),
    "place.update": ("修改场所", "edit a place"),
    "place.state": ("变更场所状态/在岗人数", "change a place's state or staff on site"),
    "place.move": ("移动场所", "move a place"),
    "place.import": ("导入场所清单", "import the places list"),
    "unowned.create": ("登记无主小区", "add an unowned compound"),
    "unowned.update": ("修改无主小区台账", "edit the unowned-compound ledger"),
    "unowned.import": ("导入无主小区台账", "import the unowned-compound ledger"),
}
#: the last part of an action name → its verb
VERBS: dict[str, tuple[str, str]] = {
    "create": ("新增", "add"), "update": ("修改", "edit"), "delete": ("删除", "delete"), "import": ("导入", "import"),
    "move": ("移动", "move"), "record": ("登记", "record"), "raise": ("发出", "raise"),
    "acknowledge": ("确认", "acknowledge"), "resolve": ("解除", "resolve"), "close": ("办结", "close"),
    "log": ("登记", "log"), "save": ("保存", "save"), "apply": ("实施", "apply"), "discard": ("放弃", "discard"),
    "issue": ("发放", "issue"), "revoke": ("收回", "revoke"), "submit": ("提交", "submit"),
}
#: records the scope's table does not name
MORE_ENTITIES: dict[str, tuple[str, str]] = {
    "compound": ("小区/自然村", "compound"), "community": ("社区", "community"), "alert": ("预警", "alert"),
    "user": ("账号", "account"), "daily_report": ("日报", "daily report"), "road": ("道路", "road"),
    "shift": ("排班", "shift"), "checkpoint_plan": ("卡点方案", "checkpoint plan"), "setting": ("规则参数", "setting"),
    "honour": ("无疫小区申报", "epidemic-free application"), "patrol": ("巡查", "patrol"),
    "care_visit": ("关爱走访", "care visit"), "supplies": ("物资", "supplies"),
    "screening_round": ("入户摸排", "screening round"), "health_check": ("健康随访", "health check"),
    "event": ("事件/诉求", "event"), "patrol_team": ("巡防队", "patrol team"), "place": ("场所", "place"),
    "unowned_compound": ("无主小区", "unowned compound"),
}
#: ledgers handed out as files (`log_view` with what = "export:<ledger>": the CLI's and the pages' downloads)
EXPORTED: dict[str, tuple[str, str]] = {
    "events": ("事件台账和巡查日志", "event ledger and patrol log"), "gate_entries": ("进出登记表", "entry log"),
    "gate_passes": ("通行证台账", "pass register"), "care_list": ("关爱名单", "care list"),
    "care_visits": ("探访送达记录", "care visits"), "places": ("场所清单", "places list"),
    "unowned": ("无主小区台账", "unowned-compound ledger"), "screening": ("摸排结果", "screening results"),
    "followups": ("随访处置台账", "follow-up ledger"),
}
#: fields events carry beyond what a hand edit offers
MORE_FIELDS: dict[str, tuple[str, str]] = {
    "start_date": ("开始日期", "start"), "planned_end": ("计划解除日期", "planned end"),
    "released_on": ("解除日期", "released on"), "reported_on": ("报告日期", "reported on"),
    "exposed_on": ("末次接触日期", "last exposure"), "on": ("日期", "date"), "temperature": ("体温℃", "temperature °C"),
    "symptoms": ("症状", "symptoms"), "flagged": ("异常", "flagged"), "level": ("疫情分级", "situation level"),
    "cluster": ("聚集性疫情", "cluster"), "state": ("状态", "state"), "status": ("状态", "status"),
    "role": ("角色", "role"), "scope": ("管辖范围", "scope"), "display_name": ("姓名", "name"),
    "lon": ("经度", "longitude"), "lat": ("纬度", "latitude"), "unit": ("所属单元", "unit"), "kind": ("类型", "kind"),
    "reason": ("原因", "reason"), "rows": ("条数", "rows"), "inserted": ("新增条数", "rows added"),
    "layer": ("图层", "layer"), "account": ("账号", "account"), "name": ("名称", "name"),
    "cadre_signed_by": ("包保干部签字", "cadre's signature"), "medic_signed_by": ("包保医务人员签字", "medic's signature"),
    "source_case": ("来源病例", "source case"), "cases": ("病例", "cases"), "rule": ("规则", "rule"),
    "basis": ("封锁依据", "basis of the sealing"),  # 封锁 / 硬隔离 (vocab.SEAL_BASES, issue 14 point 5)
    "is_24h": ("24小时值守", "24 h"), "staff_day": ("白班人数", "day staff"), "staff_night": ("夜班人数", "night staff"),
    # field work (issue 15)
    "text": ("内容", "text"), "urgency": ("紧急程度", "urgency"), "tier": ("分级", "tier"),
    "handler": ("办理单位", "handled by"), "resolution": ("办理结果", "what was done"),
    "feedback": ("反馈情况", "feedback"), "note": ("说明", "note"), "number": ("通行证号", "pass number"),
    "direction": ("进出/出入库", "direction"), "fever": ("发热", "fever"), "quantity": ("数量", "quantity"),
    "item": ("物资", "item"), "presence": ("在家情况", "presence"), "staff_on_site": ("在岗人数", "staff on site"),
    "owner": ("责任单位", "owner"), "visited": ("已走访户数", "households visited"),
    "households": ("户数", "households"), "matched": ("已匹配", "matched"), "unmatched": ("未匹配", "unmatched"),
}
#: bookkeeping a reader does not need: internal ids, paths, versions, geometry
HIDDEN = frozenset({"id", "path", "version", "geom", "geometry", "rank", "expires_at", "trigger", "cluster_cases"})
#: fields whose values are vocabulary codes
VOCABS: dict[str, dict[str, Term]] = {"control_state": CONTROL_STATES, "state": CONTROL_STATES, "basis": SEAL_BASES}
KIND_VOCABS: dict[str, dict[str, Term]] = {"observation": OBSERVATION_KINDS, "case": CASE_KINDS,
                                          "checkpoint": CHECKPOINT_KINDS}


def _i(lang: str) -> int:
    return 1 if lang == "en" else 0


def entity_words(entity: str | None, lang: str = "zh") -> str:
    if not entity:
        return ""
    if entity.startswith("export:"):  # a file handed out: 导出 + the ledger
        ledger = EXPORTED.get(entity[7:], (entity[7:], entity[7:]))
        return f"export: {ledger[1]}" if lang == "en" else f"导出{ledger[0]}"
    pair = ENTITY_LABELS.get(entity) or MORE_ENTITIES.get(entity)
    return pair[_i(lang)] if pair else entity


def action_words(action: str | None, entity: str | None = None, lang: str = "zh") -> str:
    """`building.update` → 修改楼栋; an action of the authority table by its name there; else the stored name."""
    if not action:
        return ""
    if action in ACTION_WORDS:
        return ACTION_WORDS[action][_i(lang)]
    if action in authority.ACTIONS:
        a = authority.ACTIONS[action]
        return a.en if lang == "en" else a.zh
    noun, _, verb = action.rpartition(".")
    if verb in VERBS and noun:
        what = entity_words(noun, lang) if noun in ENTITY_LABELS or noun in MORE_ENTITIES else entity_words(entity,
                                                                                                             lang)
        return f"{VERBS[verb][1]} {what}" if lang == "en" else f"{VERBS[verb][0]}{what}"
    return action


def action_filter_words(action: str, lang: str = "zh") -> str:
    """A filter on actions: "checkpoint." (every action on checkpoints) → 卡点/出入口（全部操作）, else its words."""
    if action.endswith("."):
        return f"{entity_words(action[:-1], lang)}" + (" (all actions)" if lang == "en" else "（全部操作）")
    return action_words(action, None, lang)


def field_words(entity: str | None, field: str, lang: str = "zh") -> str:
    """What people call `field` of `entity`: the hand edit's label, an event's, or the layer's header."""
    f = FIELDS.get(entity or "", {}).get(field)
    if f is not None:
        return f.en if lang == "en" else f.zh
    if field in MORE_FIELDS:
        return MORE_FIELDS[field][_i(lang)]
    for schema in LAYERS.values():
        for lf in schema.fields:
            if lf.name == field and lang != "en":
                return lf.zh
    return field


def value_words(entity: str | None, field: str, value: Any, lang: str = "zh") -> str:
    """A stored value as a reader says it: labels for codes, 是/否, ISO dates, lists joined; empty says so."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "" or value == []:
        return EMPTY[_i(lang)]
    if isinstance(value, bool):
        return (YES if value else NO)[_i(lang)]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:16].replace("T", " ")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ("、" if lang != "en" else ", ").join(value_words(entity, field, v, lang) for v in value)
    if isinstance(value, dict):
        return describe(entity, None, value, lang)
    text = str(value)
    vocab = VOCABS.get(field) or (KIND_VOCABS.get(entity or "") if field == "kind" else None)
    if field == "status" and entity == "checkpoint":
        vocab = CHECKPOINT_STATUSES
    if field == "role" and text in ROLES:
        return ROLES[text][_i(lang)]
    return label(vocab, text, lang) if vocab else text


def _shown(field: str) -> bool:
    return field not in HIDDEN and not field.endswith("_id")


def describe(entity: str | None, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None,
             lang: str = "zh") -> str:
    """The change in words, one field after another: "管控状态：常态化防控 → 封闭管理；管控原因：（空） → 疫点"; a
    new record lists its values, a removed one what it had. Unchanged fields are left out."""
    old = old if isinstance(old, Mapping) else ({} if old is None else {"…": old})
    new = new if isinstance(new, Mapping) else ({} if new is None else {"…": new})
    parts = []
    for field in dict.fromkeys([*old, *new]):
        if not _shown(field):
            continue
        name = field_words(entity, field, lang) if field != "…" else ""
        head = f"{name}：" if lang != "en" and name else (f"{name}: " if name else "")
        if field in old and field in new:
            if old[field] == new[field]:
                continue
            parts.append(f"{head}{value_words(entity, field, old[field], lang)} → "
                         f"{value_words(entity, field, new[field], lang)}")
        elif field in new:
            parts.append(f"{head}{value_words(entity, field, new[field], lang)}")
        else:
            parts.append(f"{head}{value_words(entity, field, old[field], lang)} → {EMPTY[_i(lang)]}")
    return ("；" if lang != "en" else "; ").join(parts)


def in_words(frame: Any, lang: str = "zh") -> Any:
    """An events frame (geodata.people.audit.events / history) with `at` in local time, `action` in words and a
    `change` column (old → new in words) in place of the JSON of `old` and `new`."""
    def clean(v: Any) -> Any:
        return None if isinstance(v, float) and math.isnan(v) else v

    out = frame.copy()
    out["change"] = [describe(e, clean(o), clean(n), lang)
                     for e, o, n in zip(out["entity"], out["old"], out["new"], strict=True)]
    out["action"] = [action_words(a, e, lang) for a, e in zip(out["action"], out["entity"], strict=True)]
    out["entity"] = [entity_words(e, lang) for e in out["entity"]]
    # to the second, on the same clock as the 16:00 cut-off (geodata.reporting.reports.cutoff_at)
    out["at"] = [to_second(clean(a)) if not isinstance(a, str) else a for a in out["at"]]
    if "reason" in out.columns:  # no reason given: blank, not "None"
        out["reason"] = [r if isinstance(r, str) else "" for r in out["reason"]]
    return out.drop(columns=["old", "new"])
