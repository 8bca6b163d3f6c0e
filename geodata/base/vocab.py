"""Controlled vocabularies: stored codes (English) with their Chinese and English labels.

Codes are what the database holds; labels are what people read. Importers accept any of code, Chinese label
or the synonyms listed here without asking (居家隔离 → home, 集中隔离 → central); a value that is none of them stops
an import with a choice — map it to a known term for that file (/import, or `--map` on the CLI) or refuse. Sources are the domain file sections named per vocabulary.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Level(IntEnum):
    """Levels of the unit tree (domain file §1.1). Buildings, households and persons hang below COMPOUND."""

    CITY = 1  # 市
    DISTRICT = 2  # 区/县
    STREET = 3  # 街道/乡镇
    COMMUNITY = 4  # 社区/村
    GRID = 5  # 网格
    COMPOUND = 6  # 小区/自然村


LEVEL_LABELS: dict[Level, tuple[str, str]] = {
    Level.CITY: ("市", "City"),
    Level.DISTRICT: ("区/县", "District"),
    Level.STREET: ("街道/乡镇", "Street"),
    Level.COMMUNITY: ("社区/村", "Community"),
    Level.GRID: ("网格", "Grid"),
    Level.COMPOUND: ("小区/自然村", "Compound"),
}

#: import layer name -> unit level
UNIT_LAYERS: dict[str, Level] = {
    "city": Level.CITY,
    "districts": Level.DISTRICT,
    "streets": Level.STREET,
    "communities": Level.COMMUNITY,
    "grids": Level.GRID,
    "compounds": Level.COMPOUND,
}

#: title of the person responsible at each level (domain file §1.1)
LEADER_TITLES: dict[Level, tuple[str, str]] = {
    Level.CITY: ("指挥长", "Commander"),
    Level.DISTRICT: ("指挥长", "Commander"),
    Level.STREET: ("街道书记", "Street secretary"),
    Level.COMMUNITY: ("社区书记", "Community secretary"),
    Level.GRID: ("网格长", "Grid leader"),
    Level.COMPOUND: ("小区负责人", "Compound head"),
}


@dataclass(frozen=True)
class Term:
    code: str
    zh: str
    en: str
    synonyms: tuple[str, ...] = ()


def _vocab(*terms: Term) -> dict[str, Term]:
    return {t.code: t for t in terms}


# Unit kinds (domain file §2.8)
UNIT_KINDS = _vocab(
    Term("urban", "城镇", "Urban"),
    Term("rural", "农村", "Rural", ("乡镇", "村")),
    Term("property_managed", "物管小区", "Property-managed compound", ("物管",)),
    Term("self_managed", "自管小区", "Self-managed compound", ("自管",)),
    Term("work_unit", "单位小区", "Work-unit compound", ("单位", "单位宿舍")),
    Term("ownerless", "无主小区", "Ownerless compound", ("无主",)),
    Term("open_settlement", "开放式居民点", "Open settlement", ("开放式",)),
    Term("natural_village", "自然村", "Natural village", ("村民组", "自然组")),
    Term("dedicated", "专属网格", "Dedicated grid", ("商圈", "楼宇", "专业市场", "产业园区")),
)

# Building / compound control states (domain file §2.3)
CONTROL_STATES = _vocab(
    Term("normal", "常态化防控", "Normal", ("正常", "常态")),
    Term("closed", "封闭管理", "Closed management", ("封闭", "封闭式管理")),
    Term("sealed", "封锁/硬隔离", "Sealed", ("封锁", "硬隔离", "封控", "楼栋封锁", "宿舍封锁", "封闭式硬隔离")),
    Term("epidemic_spot", "疫点", "Epidemic spot", ("疫点",)),
    Term("lifted", "已解除", "Lifted", ("解除", "解封")),
)

# The basis of a `sealed` control state (issue 14 point 5; one state, two words on screen): 封锁 — "宿舍(公寓)、楼栋等
#防控区域封锁" on the health commission's advice (000 §3(一)4), set by hand; 硬隔离 — a natural village with a confirmed
# case ("封闭式硬隔离", 000 §1(三)) or a cluster's 楼宇、院落 (000 §3(二)), set by the rules (geodata.situation.control)
SEAL_BASES = _vocab(
    Term("lockdown", "封锁", "Lockdown", ("楼栋封锁", "宿舍封锁")),
    Term("hard_isolation", "硬隔离", "Hard isolation", ("封闭式硬隔离",)),
)


@dataclass(frozen=True)
class ControlChoice:
    """A control state as a person picks or reads it: `sealed` is two choices, 封锁 and 硬隔离 (issue 14 "Words":
    000 §3(一)4 and §1(三)/§3(二) name two states), stored as the state `sealed` with its basis."""

    code: str
    state: str
    basis: str | None = None

    def label(self, lang: str = "zh") -> str:
        return control_label(self.state, self.basis, lang)


#: every control choice, in the states' order with `sealed` split by basis; the code of a choice is its state's, or
#: the basis's for a sealing. "sealed" alone is a sealing recorded without a basis (read "封锁/硬隔离"), kept so that
#: such a row still has a choice, never offered for a new sealing (geodata.situation.control.control_choices)
CONTROL_CHOICES: dict[str, ControlChoice] = {c.code: c for c in (
    ControlChoice("normal", "normal"), ControlChoice("closed", "closed"),
    ControlChoice("lockdown", "sealed", "lockdown"), ControlChoice("hard_isolation", "sealed", "hard_isolation"),
    ControlChoice("sealed", "sealed"), ControlChoice("epidemic_spot", "epidemic_spot"),
    ControlChoice("lifted", "lifted"))}


def named_seal_basis(word: object) -> str | None:
    """The basis a control-state word names (a file's cell, a form's word): 封锁 / 楼栋封锁 → lockdown, 硬隔离 /
    封闭式硬隔离 → hard_isolation; None for a word that names a sealing but no basis (封控, sealed, 封锁/硬隔离) and
    for any other state — whoever records the sealing decides then (geodata.situation.control.MANUAL_BASIS)."""
    if parse_term(CONTROL_STATES, word) != "sealed":
        return None
    return parse_term(SEAL_BASES, word)


def control_choice(state: str | None, basis: str | None = None) -> str | None:
    """The choice code of a stored (state, basis): a sealing by its basis, any other state by itself."""
    if state == "sealed" and basis in SEAL_BASES:
        return basis
    return state

# Observation (quarantine/isolation) kinds (domain file §2.5)
OBSERVATION_KINDS = _vocab(
    Term("home", "居家医学观察", "Home observation", ("居家隔离", "居家观察", "居家", "居家隔离医学观察",
                                                      "居家隔离观察", "居家医学隔离观察")),
    Term("central", "集中隔离医学观察", "Centralised observation", ("集中隔离", "集中观察", "集中", "集中医学观察",
                                                                "集中隔离观察", "集中隔离点", "酒店隔离")),
    Term("self", "自我隔离", "Self-isolation", ("主动自行隔离", "自行隔离")),
    Term("temporary", "留观", "Temporary observation", ("临时医学观察", "留置观察")),
)

# Case kinds (domain file §2.4)
CASE_KINDS = _vocab(
    Term("confirmed", "确诊病例", "Confirmed case", ("确诊", "确诊患者")),
    Term("suspected", "疑似病例", "Suspected case", ("疑似", "可疑病例")),
    Term("asymptomatic", "无症状感染者", "Asymptomatic", ("无症状", "无症状感染")),
    Term("close_contact", "密切接触者", "Close contact", ("密接", "密切接触")),
)

# Checkpoint kinds (domain file §2.7) with staffing norms used by the checkpoint rules.
CHECKPOINT_KINDS = _vocab(
    Term("compound_entrance", "小区出入口", "Compound entrance", ("出入口", "进出口", "出入通道", "门岗")),
    Term("community_checkpoint", "社区卡点", "Community checkpoint", ("疫情防控卡点", "卡点", "卡口")),
    Term("police_urban", "城区卡点", "Urban police checkpoint", ("公安卡点",)),
    Term("police_border", "县界卡点", "County-border checkpoint", ("县界",)),
    Term("highway", "高速站卡点", "Highway-station checkpoint", ("高速", "高速卡点")),
)

# Road kinds: the Chinese urban road classes (GB 50220 / CJJ 37: 快速路、主干路、次干路、支路) plus the lanes inside
# compounds and footpaths; the OpenStreetMap `highway` values are synonyms, so an OSM extract imports as it is.
# Every kind is walkable for coverage (geodata.checkpoints.roadnet): a guard walks along a main road's pavement too.
ROAD_KINDS = _vocab(
    Term("highway", "快速路", "Expressway", ("高速公路", "高速", "快速路", "motorway", "trunk", "motorway_link",
                                          "trunk_link")),
    Term("primary", "主干道", "Primary road", ("主干路", "主路", "primary_link")),
    Term("secondary", "次干道", "Secondary road", ("次干路", "secondary_link")),
    Term("tertiary", "支路", "Branch road", ("支路", "街巷", "tertiary_link", "unclassified", "branch")),
    Term("residential", "小区道路", "Residential lane", ("小区内部道路", "居住区道路", "巷道", "service",
                                                     "living_street", "lane")),
    Term("footway", "步行道", "Footway", ("人行道", "步道", "游步道", "path", "pedestrian", "steps",
                                       "cycleway", "track")),
)

CHECKPOINT_STATUSES = _vocab(
    Term("open", "开放", "Open", ("开", "启用")),
    Term("closed", "关闭", "Closed", ("关", "封闭", "停用")),
)

# Person tags (domain file §2.6): vulnerable and service categories, party membership.
PERSON_TAGS = _vocab(
    Term("elderly_alone", "独居老人", "Elderly living alone", ("独居",)),
    Term("empty_nest", "空巢老人", "Empty-nest elderly", ("空巢",)),
    Term("left_behind", "留守老人", "Left-behind elderly", ("留守",)),
    Term("disabled_elderly", "失能老人", "Disabled elderly", ("失能",)),
    Term("infant", "婴幼儿", "Infant"),
    Term("pregnant", "孕产妇", "Pregnant/post-partum"),
    Term("low_income", "低保", "Minimum-subsistence", ("低保户", "低保家庭")),
    Term("disabled", "残疾人", "Disabled", ("残疾",)),
    Term("chronic", "慢性病", "Chronic disease", ("慢病",)),
    # 004 民政: 分散供养特困人员 (people in extreme poverty supported at home); on the care list (geodata.fieldwork.care)
    Term("destitute", "分散供养特困人员", "Destitute, supported at home", ("特困人员", "特困", "分散供养")),
    Term("party_member", "党员", "Party member"),
    Term("returnee", "返乡人员", "Returnee", ("返乡", "返程")),
)
VULNERABLE_TAGS = frozenset(
    {"elderly_alone", "empty_nest", "left_behind", "disabled_elderly", "infant", "pregnant", "low_income", "disabled"}
)

RESIDENT_TYPES = _vocab(
    Term("resident", "常住", "Resident", ("户籍", "常住人口")),
    Term("temporary", "暂住", "Temporary resident", ("暂住人口", "外口")),
    Term("floating", "流动", "Floating", ("流动人口",)),
)


def label(vocab: dict[str, Term], code: str | None, lang: str = "zh") -> str:
    """The label of `code` in `lang`, or the code itself when unknown (never raises: display helper)."""
    if code is None:
        return ""
    term = vocab.get(code)
    if term is None:
        return str(code)
    return term.zh if lang == "zh" else term.en


def control_label(state: str | None, basis: str | None = None, lang: str = "zh") -> str:
    """A control state as people read it: a sealed building/village by the basis of its sealing (封锁 / 硬隔离,
    SEAL_BASES), any other by its state; a sealing with no recorded basis (before 0015_seal_basis, or from a file)
    keeps "封锁/硬隔离"."""
    if state == "sealed" and basis in SEAL_BASES:
        return label(SEAL_BASES, basis, lang)
    return label(CONTROL_STATES, state, lang)


def parse_term(vocab: dict[str, Term], value: object) -> str | None:
    """Map a code, Chinese/English label or synonym to the stored code; None when it matches nothing."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    lowered = text.lower()
    for term in vocab.values():
        if lowered in (term.code, term.en.lower()) or text == term.zh or text in term.synonyms:
            return term.code
    return None


#: the roles a person signs in with (domain file §5.3) and what they are called; system processes act as the role
#: "system" (geodata.store.writes.Actor.system). What each role may do is geodata.people.authority's one table.
ROLES: dict[str, tuple[str, str]] = {
    "command": ("指挥部", "Command centre"),
    "supervisor": ("街道/乡镇督导", "Supervisor"),
    "community_head": ("社区书记", "Community head"),
    "grid_leader": ("网格长", "Grid leader"),
    "health": ("卫生人员", "Health staff"),
    "viewer": ("大屏只读", "Wall viewer"),
}


def role_label(role: str, lang: str = "zh") -> str:
    """The name of `role` in `lang`, or the role itself when unknown (never raises: display helper)."""
    zh, en = ROLES.get(role, (role, role))
    return en if lang == "en" else zh
