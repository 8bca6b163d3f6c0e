"""Message catalogue for everything a person reads on the dashboard: `t(key, lang)`.

Chinese is the default (the wall and the staff read Chinese); English is for visiting experts and for
developers. Each key maps to one (zh, en) pair; `{name}` placeholders are filled from keyword arguments.
Pages add their own messages with `extend({...})` next to where they use them, so the catalogue grows
with the pages instead of in one place nobody reads.

Vocabulary labels (control states, checkpoint kinds, levels) are not repeated here: they live with their
codes in `geodata.base.vocab` and are read through `geodata.base.vocab.label`.
"""
from __future__ import annotations

from collections.abc import Mapping

LANGS = ("zh", "en")

#: shown wherever a figure or text is missing, in every language
MISSING = "—"

MESSAGES: dict[str, tuple[str, str]] = {
    # unit figures (tooltips, tables)
    "households": ("户数", "Households"),
    "population": ("人数", "Population"),
    "party_members": ("党员", "Party members"),
    "vulnerable": ("弱势群体", "Vulnerable"),
    "buildings": ("楼栋", "Buildings"),
    "obs_total": ("医学观察", "Under observation"),
    "obs_home": ("居家观察", "Home observation"),
    "obs_central": ("集中隔离", "Centralised"),
    "obs_self": ("自我隔离", "Self-isolation"),
    "obs_temp": ("留观", "Temporary"),
    "cases": ("病例", "Cases"),
    "cases_confirmed": ("累计确诊", "Confirmed"),
    "cases_7d": ("近7日", "Last 7 days"),
    "new_cases_today": ("今日新增", "New today"),
    "sealed_buildings": ("封锁/硬隔离楼栋", "Sealed buildings"),
    "sealed_villages": ("封锁/硬隔离自然村", "Sealed natural villages"),
    "locked_down": ("封锁/硬隔离", "Sealed"),
    "epidemic_spots": ("疫点（待消毒）", "Epidemic spots (to disinfect)"),
    "releases_due_today": ("今日解除", "Releases due today"),
    "checkpoints": ("卡点", "Checkpoints"),
    "checkpoints_understaffed": ("缺岗卡点", "Under-staffed"),
    "entrances_open": ("开放出入口", "Open entrances"),
    "leader": ("负责人", "In charge"),
    "contacts.hidden": ("已隐藏", "hidden"),
    "choose_many": ("请选择（可多选）", "Choose one or more"),
    "upload.button": ("选择文件", "Upload"),
    "upload.limit": ("单个文件不超过 {mb}MB", "{mb}MB per file"),
    "phone": ("电话", "Phone"),
    "address": ("地址", "Address"),
    "situation": ("疫情形势", "Situation"),
    "report_missing": ("今日未上报", "Today's report missing"),
    "control_state": ("管控状态", "Control state"),
    "tip.seal_basis": ("依据：{b}", "Basis: {b}"),  # a sealing's basis, 封锁 / 硬隔离 (vocab.SEAL_BASES)
    "staffing": ("值守", "Staffing"),
    "staff_day_night": ("白班/夜班", "Day/night staff"),
    "status": ("状态", "Status"),
    "count_suffix": ("{n}个", "{n}"),
    # situation levels (domain file: 社区防控分级); a configured scheme brings its own labels
    "situation.S0": ("未发现病例", "No cases"),
    "situation.S1": ("出现病例", "Cases reported"),
    "situation.S2": ("社区传播", "Community spread"),
    "situation.none": ("无数据", "No data"),
    # map themes and legends
    "theme.situation": ("疫情形势", "Situation"),
    "theme.observations": ("医学观察人数", "People under observation"),
    "theme.checkpoints": ("卡点值守", "Checkpoint staffing"),
    "legend.buildings": ("楼栋管控状态", "Building control state"),
    "legend.checkpoints": ("卡点", "Checkpoints"),
    "legend.zero": ("0", "0"),
    "legend.range": ("{lo}–{hi}", "{lo}–{hi}"),
    "legend.no_data": ("无数据", "No data"),
    "legend.size_note": ("圆点大小 = 观察人数", "Dot size = people under observation"),
    "legend.hollow_closed": ("空心 = 已关闭", "Hollow = closed"),
    # checkpoint staffing of a unit's entrances (theme "checkpoints")
    "staffing.staffed": ("全部在岗", "All staffed"),
    "staffing.some_under": ("部分缺岗", "Some under-staffed"),
    "staffing.all_under": ("全部缺岗", "All under-staffed"),
    "staffing.none": ("无卡点", "No checkpoints"),
    # one checkpoint's staffing and status
    "staffing.ok": ("在岗", "Staffed"),
    "staffing.under": ("人手不足", "Under-staffed"),
    "staffing.unstaffed": ("无人值守", "Unstaffed"),
    "staffing.closed": ("已关闭", "Closed"),
    # --- pages (dashboard/app.py, pages/, components/) ---
    "app.title": ("网格防控一张图", "Grid epidemic control map"),
    "nav.wall": ("指挥大屏", "Command wall"),
    "nav.explore": ("逐级查看", "Drill down"),
    "nav.import": ("数据导入", "Import"),
    "nav.checkpoints": ("卡点规划", "Checkpoints"),
    "nav.reports": ("日报", "Daily reports"),
    "nav.honours": ("无疫小区", "Epidemic-free compounds"),
    "nav.my_grid": ("我的网格", "My grid"),
    "nav.audit": ("操作日志", "Audit log"),
    "nav.symptoms": ("症状预警处置", "Symptom alerts"),
    "nav.signers": ("指定签字人员", "Release signers"),
    "nav.care": ("关爱服务", "Care list"),
    "nav.places": ("场所与物资", "Places and supplies"),
    "nav.screening": ("入户摸排", "Screening"),
    "nav.events": ("事件办理", "Events"),
    "nav.patrol": ("网格巡查", "Patrols"),
    "nav.gate": ("卡点登记", "Gate log"),
    "nav.login": ("登录", "Sign in"),
    "flag.title": ("无疫小区", "Epidemic-free compound"),
    "flag.awarded": ("已授旗", "Flag awarded"),
    "flag.revoked": ("已取消授旗", "Flag revoked"),
    "ctl.lang": ("语言 / Language", "语言 / Language"),
    "ctl.as_of": ("查看日期", "As of"),
    "ctl.theme": ("地图专题", "Map theme"),
    "ctl.today": ("回到今天", "Back to today"),
    "as_of.today": ("{day} 实时", "{day}, live"),
    "as_of.past": ("历史回看：{day}", "Past day: {day}"),
    "updated_at": ("更新于 {time}", "Updated {time}"),
    "no_data": ("数据库中还没有单元。请先导入数据，或运行 python -m loaders demo 生成演示城市。",
                "The database has no units yet. Import data, or run python -m loaders demo for a demo city."),
    # KPI strip
    "kpi.new_cases_today": ("今日新增病例", "New cases today"),
    "kpi.cases_7d": ("近7日病例", "Cases, last 7 days"),
    "kpi.observations": ("医学观察人数", "Under observation"),
    "kpi.locked_down": ("封锁/硬隔离", "Sealed"),
    "kpi.locked_down.buildings": ("楼栋", "buildings"),
    "kpi.locked_down.villages": ("自然村", "villages"),
    "kpi.epidemic_spots": ("另有疫点 {n} 处（不计入）", "plus {n} epidemic spot(s), not counted"),
    "kpi.situation": ("社区疫情分级", "Communities by situation"),
    "kpi.situation_pending": ("待风险研判", "awaiting risk engine"),
    "kpi.understaffed": ("缺岗卡点", "Under-staffed checkpoints"),
    "kpi.releases_due": ("今日应解除", "Releases due today"),
    "kpi.releases_overdue": ("逾期未解除", "Overdue releases"),
    "kpi.details": ("明细", "Details"),
    "kpi.obs_home": ("居家", "home"),
    "kpi.obs_central": ("集中", "central"),
    "kpi.obs_self": ("自我", "self"),
    "kpi.obs_temporary": ("留观", "temp."),
    "obs_temporary": ("留观", "Temporary"),
    "persons": ("登记人员", "Registered persons"),
    "releases_overdue": ("逾期未解除", "Overdue releases"),
    "checkpoints_unstaffed": ("无人值守卡点", "Unstaffed checkpoints"),
    # explore page
    "explore.unknown_code": ("没有编码为 {code} 的单元。", "No unit has the code {code}."),
    "explore.children": ("下辖{level}（{n}）", "Below: {level} ({n})"),
    "explore.no_children": ("没有下级单元。", "No units below."),
    "explore.search": ("按名称或编码查找", "Find by name or code"),
    "explore.search_hint": ("输入名称或编码的一部分，例如“幸福”或“4201”", "Part of a name or code"),
    "explore.hint": ("点击地图上的区域或表格中的一行进入下一级；浏览器“后退”返回上一级。",
                     "Click an area on the map or a row of the table to go down; the browser's Back goes up."),
    "explore.focus": ("只列出{what}大于 0 的社区", "Only communities where {what} > 0"),
    "explore.focus_clear": ("显示全部", "Show all"),
    "explore.building_missing": ("本单元内没有编码为 {code} 的楼栋。", "No building {code} in this unit."),
    "explore.checkpoint_missing": ("本单元内没有编码为 {code} 的卡点。", "No checkpoint {code} in this unit."),
    "card.history": ("修改历史", "Change history"),
    "scope.outside": ("超出您的管辖范围，不能查看此单元。", "Outside your scope: this unit cannot be shown."),
    "explore.persons_note": ("人员名单请在“我的网格”中按管辖范围查看，此处只显示人数。",
                             "Person lists are on “My grid”, within your scope; only counts are shown here."),
    "explore.buildings": ("楼栋（{n}）", "Buildings ({n})"),
    "table.name": ("名称", "Name"),
    "table.code": ("编码", "Code"),
    "table.parent": ("所属", "Within"),
    "card.code": ("编码", "Code"),
    "card.leader": ("{title}", "{title}"),
    "card.households": ("户数", "Households"),
    "card.entrances": ("开放出入口 / 卡点", "Open entrances / checkpoints"),
    "card.cases": ("病例（近7日 / 累计确诊）", "Cases (7 days / confirmed)"),
    "card.building": ("楼栋", "Building"),
    "card.building_leader": ("楼栋长", "Building head"),
    "card.control": ("管控状态", "Control state"),
    "card.control_reason": ("管控原因", "Reason"),
    "card.obs_in_building": ("在观察人数", "Under observation"),
    "card.cases_in_building": ("病例数", "Cases"),
    "card.close": ("关闭卡片", "Close card"),
    "card.checkpoint": ("卡点", "Checkpoint"),
    "card.cp_kind": ("类型", "Kind"),
    "card.cp_status": ("出入口状态", "Status"),
    "card.cp_staff": ("值守人数（标准）", "On duty (norm)"),
    "card.cp_24h": ("24小时值守", "Guarded 24 h"),
    "card.cp_closed": ("出入口已关闭，无需值守", "closed: no guard needed"),
    "card.cp_leader": ("负责人", "In charge"),
    "card.cp_unit": ("所在", "At"),
    "card.cp_plan": ("在卡点规划中查看", "Open in the checkpoint planner"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "card.floors": ("层数 / 单元", "Floors / stair units"),
}


def t(key: str, lang: str = "zh", **kw: object) -> str:
    """The message `key` in `lang` (zh when the language is unknown), with `{placeholders}` filled from `kw`.

    An unknown key returns the key itself: a visible, greppable gap on screen is better than a crash on the
    wall.
    """
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**kw) if kw else text


def extend(messages: Mapping[str, tuple[str, str]]) -> None:
    """Add messages; re-adding the same text is fine, changing an existing key's text is an error."""
    for key, pair in messages.items():
        if len(pair) != len(LANGS):
            raise ValueError(f"message {key!r} needs one text per language {LANGS}, got {pair!r}")
        old = MESSAGES.get(key)
        if old is not None and tuple(old) != tuple(pair):
            raise ValueError(f"message {key!r} already means {old!r}, not {pair!r}")
        MESSAGES[key] = (pair[0], pair[1])


def widget_css(lang: str, max_upload_mb: int) -> str:
    """CSS that puts Chinese in place of the English Streamlit writes into the file uploader and has no option to
    change ("Upload", "200MB per file • CSV"): Chinese screens must not mix languages (issue 16). Empty in English.
    `max_upload_mb` is the server's limit (server.maxUploadSize in .streamlit/config.toml)."""
    if lang == "en":
        return ""
    button = t("upload.button", lang).replace('"', "")
    limit = t("upload.limit", lang, mb=int(max_upload_mb)).replace('"', "")
    drop = '[data-testid="stFileUploaderDropzone"]'
    return (
        "<style>"
        f'{drop} button [data-testid="stMarkdownContainer"] p {{ display: none; }}'
        f'{drop} button [data-testid="stMarkdownContainer"]::after {{ content: "{button}"; }}'
        '[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }'
        f'[data-testid="stFileUploaderDropzoneInstructions"] > div::after {{ content: "{limit}"; '
        "font-size: 0.875rem; }"
        "</style>"
    )
