"""Message catalogue for everything a person reads on the dashboard: `t(key, lang)`.

Chinese is the default (the wall and the staff read Chinese); English is for visiting experts and for
developers. Each key maps to one (zh, en) pair; `{name}` placeholders are filled from keyword arguments.
Pages add their own messages with `extend({...})` next to where they use them, so the catalogue grows
with the pages instead of in one place nobody reads.

Vocabulary labels (control states, checkpoint kinds, levels) are not repeated here: they live with their
codes in `geodata.vocab` and are read through `geodata.vocab.label`.
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
    "sealed_buildings": ("封控楼栋", "Sealed buildings"),
    "releases_due_today": ("今日解除", "Releases due today"),
    "checkpoints": ("卡点", "Checkpoints"),
    "checkpoints_understaffed": ("缺岗卡点", "Under-staffed"),
    "entrances_open": ("开放出入口", "Open entrances"),
    "leader": ("负责人", "In charge"),
    "phone": ("电话", "Phone"),
    "address": ("地址", "Address"),
    "situation": ("疫情形势", "Situation"),
    "report_missing": ("今日未上报", "Today's report missing"),
    "control_state": ("管控状态", "Control state"),
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
