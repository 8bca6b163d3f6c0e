"""Messages of the sign-in, editing and audit pages, and `plain()`, the one way data reaches Markdown.

Streamlit renders Markdown in st.markdown, st.caption, st.error/st.warning/st.success and widget labels: a name
typed as `![x](http://…)` would become an image fetched from outside, `[x](javascript:…)` a link, `$x$` a
formula. Data (names, codes, reasons, and refusal messages that quote what was typed) is therefore passed
through `plain()` whenever it goes into one of those; tables (st.dataframe, st.data_editor) and st.text show text
as it is and need nothing.
"""
from __future__ import annotations

from dashboard.i18n import extend, t
from geodata.base.vocab import role_label  # re-exported: the role names live in geodata.base.vocab

_MARKDOWN_SPECIAL = "\\`*_{}[]()#+-.!|<>~:$&"


def plain(text: object) -> str:
    """`text` backslash-escaped so Markdown shows it verbatim (no links, images, HTML, formulas)."""
    s = "" if text is None else str(text)
    out = "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in s)
    # a line break inside a message would start a new Markdown block (a heading, a list): keep it on one line
    return out.replace("\r", " ").replace("\n", " ")


def both(zh: str, en: str, lang: str) -> str:
    """A geodata message (Chinese and English) in the reader's language first, escaped for Markdown."""
    first, second = (en, zh) if lang == "en" else (zh, en)
    return plain(first) + ("  \n" + plain(second) if second and second != first else "")


extend({
    # sign-in
    "auth.title": ("登录", "Sign in"),
    "auth.username": ("用户名", "Username"),
    "auth.password": ("密码", "Password"),
    "auth.submit": ("登录", "Sign in"),
    "auth.sign_out": ("退出登录", "Sign out"),
    "auth.signed_in_as": ("当前用户：{name}（{role}）", "Signed in as {name} ({role})"),
    "auth.scope": ("管辖范围：{scope}", "Scope: {scope}"),
    "auth.need": ("请先登录。", "Please sign in."),
    "auth.wait": ("请等待 {s} 秒后再试。", "Wait {s} s before trying again."),
    "auth.role_refused": ("您的角色（{role}）不能打开此页面。", "Your role ({role}) cannot open this page."),
    "auth.hint": ("忘记密码请联系管理员（python -m loaders users reset-password）。",
                  "Forgot your password? Ask an administrator (python -m loaders users reset-password)."),
    "auth.done": ("已登录。", "Signed in."),
    "auth.go": ("打开{page}", "Open {page}"),
    "nav.my_grid": ("我的网格", "My grid"),
    "nav.audit": ("操作日志", "Audit log"),
    "nav.login": ("登录", "Sign in"),
    # my grid
    "mg.refused": ("无权查看：", "Not allowed: "),
    "mg.pick": ("选择下级单元", "Open a unit below"),
    "mg.section": ("内容", "Section"),
    "mg.sec.status": ("概况", "Status"),
    "mg.sec.buildings": ("楼栋", "Buildings"),
    "mg.sec.checkpoints": ("出入口/卡点", "Entrances"),
    "mg.sec.observations": ("隔离观察", "Observations"),
    "mg.sec.cases": ("病例", "Cases"),
    "mg.sec.households": ("户与人员", "Households & persons"),
    "mg.sec.map": ("地图编辑", "Map editing"),
    "mg.sec.history": ("记录历史", "Record history"),
    "mg.no_buildings": ("本单元没有楼栋。", "No buildings in this unit."),
    "mg.no_rows": ("没有记录。", "Nothing recorded."),
    "mg.ledger_hint": ("直接在表格中修改，再点“保存修改”；多行修改一次保存，要么全部成功，要么全部不保存。",
                       "Edit cells, then Save: all changed rows are saved together, or none."),
    "mg.save": ("保存修改", "Save changes"),
    "mg.reason": ("修改原因", "Reason for the change"),
    "mg.saved": ("已保存 {n} 条。", "Saved {n}."),
    "mg.nothing": ("没有修改。", "Nothing changed."),
    "mg.conflict_title": ("保存冲突：记录已被他人修改", "Conflict: the record was changed by someone else"),
    "mg.conflict_field": ("字段", "Field"),
    "mg.conflict_yours": ("您的值", "Your value"),
    "mg.conflict_theirs": ("当前值", "Current value"),
    "mg.conflict_keep_mine": ("仍用我的值保存", "Save my values anyway"),
    "mg.conflict_take_theirs": ("放弃我的修改", "Discard my change"),
    "mg.conflict_read": ("读取时的值", "Value when read"),
    "mg.held": ("按读取时的版本保存（{code}，第 {version} 版）；其间他人的修改会作为冲突提示，不会被覆盖。",
                "Saved against the version read ({code}, version {version}): a change by someone else meanwhile "
                "is shown as a conflict, never overwritten."),
    "mg.reload": ("重新读取", "Reload"),
    "mg.control_form": ("设置楼栋管控状态", "Set a building's control state"),
    "mg.building": ("楼栋", "Building"),
    "mg.state": ("管控状态", "Control state"),
    "mg.control_reason": ("原因（必填）", "Reason (required)"),
    "mg.entrance_form": ("出入口状态与值守", "Entrance status and staffing"),
    "mg.checkpoint": ("出入口/卡点", "Entrance / checkpoint"),
    "mg.status": ("状态", "Status"),
    "mg.staff_day": ("白班人数", "Day staff"),
    "mg.staff_night": ("夜班人数", "Night staff"),
    "mg.is_24h": ("24小时值守", "Staffed 24 h"),
    "mg.case_form": ("登记病例", "Record a case"),
    "mg.case_edit": ("修改病例", "Edit a case"),
    "mg.kind": ("类型", "Kind"),
    "mg.reported_on": ("报告日期", "Reported on"),
    "mg.person": ("人员", "Person"),
    "mg.none": ("（无）", "(none)"),
    "mg.stair_unit": ("单元号", "Stair unit"),
    "mg.worksite": ("工地", "Worksite"),
    "mg.source_known": ("来源明确", "Source known"),
    "mg.note": ("备注", "Note"),
    "mg.obs_form": ("登记隔离观察", "Start an observation"),
    "mg.obs_edit": ("修改隔离观察", "Edit an observation"),
    "mg.start": ("开始日期", "Start"),
    "mg.place": ("隔离地点", "Place"),
    "mg.obs_reason": ("隔离原因", "Reason"),
    "mg.origin": ("来源地", "Origin"),
    "mg.cadre": ("包保干部", "Responsible cadre"),
    "mg.medic": ("包保医务人员", "Responsible medic"),
    "mg.planned_end": ("计划解除日期", "Planned end"),
    "mg.check_form": ("登记每日健康随访", "Record a daily health check"),
    "mg.observation": ("隔离观察记录", "Observation"),
    "mg.temperature": ("体温 ℃", "Temperature ℃"),
    "mg.symptoms": ("症状", "Symptoms"),
    "mg.no_symptoms": ("无症状（有则点选）", "None (pick any present)"),
    "mg.checked_on": ("随访日期", "Date"),
    "mg.release_form": ("解除隔离签字", "Release sign-off"),
    "mg.sign_as": ("签字身份", "Sign as"),
    "mg.sign": ("签字", "Sign"),
    "mg.submit": ("提交", "Submit"),
    "mg.done": ("已保存。", "Saved."),
    "mg.masked_note": ("身份证号和电话仅对本人所在网格的工作人员完整显示；每次查看名单都会记录在操作日志中。",
                       "ID numbers and phones are shown in full only to the staff of the person's own grid; every "
                       "view of a list is recorded in the audit log."),
    "mg.persons": ("人员", "Persons"),
    "mg.households": ("户", "Households"),
    "mg.move_title": ("移动出入口/卡点：选择一个，再在地图上点击新位置", "Move an entrance: pick one, then click its new place"),
    "mg.add_title": ("新增出入口/卡点：在地图上点击位置", "Add an entrance: click its place on the map"),
    "mg.clicked": ("地图上点选的位置：{lon}, {lat}", "Point clicked on the map: {lon}, {lat}"),
    "mg.click_first": ("请先在地图上点击一个位置。", "Click a place on the map first."),
    "mg.move": ("移到此处", "Move here"),
    "mg.add": ("在此处新增", "Add here"),
    "mg.name": ("名称", "Name"),
    "mg.reshape_title": ("调整下级单元边界（街道督导/指挥部）", "Reshape a unit below (supervisor / command centre)"),
    "mg.reshape_unit": ("要调整的单元", "Unit to reshape"),
    "mg.reshape_text": ("新边界：GeoJSON 或 WKT（WGS-84 经纬度）", "New boundary: GeoJSON or WKT (WGS-84 degrees)"),
    "mg.reshape_file": ("或上传 GeoJSON 文件", "or upload a GeoJSON file"),
    "mg.reshape_current": ("当前边界（GeoJSON）", "Current boundary (GeoJSON)"),
    "mg.reshape_save": ("检查并保存边界", "Check and save the boundary"),
    "mg.reshape_drawn": ("使用地图上画的多边形", "Use the polygon drawn on the map"),
    "mg.reshape_no_draw": ("地图绘制工具（Leaflet.draw）尚未部署到本机，请粘贴或上传新边界。",
                           "The map drawing tool (Leaflet.draw) is not installed here: paste or upload the shape."),
    "mg.history_pick": ("查看记录的修改历史", "Open a record's history"),
    "mg.entity": ("记录类型", "Record kind"),
    "mg.code": ("编码", "Code"),
    "mg.open_history": ("查看历史", "Show history"),
    "mg.warning": ("提示", "Note"),
    # audit page
    "au.title": ("操作日志", "Audit log"),
    "au.user": ("操作人", "User"),
    "au.action": ("操作", "Action"),
    "au.since": ("起始日期", "From"),
    "au.until": ("截止日期", "To"),
    "au.limit": ("最多显示", "Show at most"),
    "au.any": ("全部", "All"),
    "au.history_of": ("{entity} {code} 的修改历史", "History of {entity} {code}"),
    "au.rows": ("共 {n} 条（最新在前）", "{n} events (newest first)"),
    "au.at": ("时间", "When"),
    "au.old": ("原值", "Old"),
    "au.new": ("新值", "New"),
    "au.reason": ("原因", "Why"),
    "au.path_unit": ("所属单元", "Unit"),
})


def entity_label(entity: str, lang: str) -> str:
    from geodata.people.scope import ENTITY_LABELS

    zh, en = ENTITY_LABELS.get(entity, (entity, entity))
    return en if lang == "en" else zh


__all__ = ["both", "entity_label", "plain", "role_label", "t"]
