"""Chinese names of people and places, resident ID numbers and mobile numbers for the demo city.

Everything is vectorised over numpy arrays and driven by the caller's `numpy.random.Generator`, so the same seed
gives the same names.
"""
from __future__ import annotations

import datetime as dt

import numpy as np

# The most common surnames (roughly in frequency order); the weights make 王/李/张/刘/陈 dominate as they do.
SURNAMES = np.array(list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
    "金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
))
_SURNAME_W = 1.0 / np.arange(1, SURNAMES.size + 1) ** 0.8
_SURNAME_P = _SURNAME_W / _SURNAME_W.sum()

_GIVEN_MALE = np.array(list("伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国志文海峰亮成东兵博毅晨昊然睿轩泽"))
_GIVEN_FEMALE = np.array(list("芳娜敏静丽艳娟霞燕玲婷雪琳晶颖倩慧佳欣悦怡梅兰红萍琴云莉洁蓉璐瑶涵萱妍琪彤月秀英桂"))

# Two-character place-name stems (地名) are built from these halves; 59 × 44 combinations are plenty for a city.
_PLACE_FIRST = list("东西南北中新长青红花沙杨黄白石金玉龙凤桂梅松柳荷兴和安永福康宁丰华光明建民汉江万百仁义德胜利友常古月星紫翠锦竹桃")
_PLACE_SECOND = list("湖山桥园港林岭湾洲塘坪台口关渡堤岗坡店集铺街路苑亭城门河沟滩坝岛泉溪庄营寺阁楼府坊里田埠")
PLACE_STEMS = np.array([a + b for a in _PLACE_FIRST for b in _PLACE_SECOND if a != b])

_COMPOUND_SUFFIXES = np.array(["花园", "小区", "苑", "家园", "公寓", "新村", "华庭", "雅居"])
_WORK_UNITS = np.array(["机械厂", "纺织厂", "铁路", "电厂", "钢厂", "水厂", "供电局", "医院", "中学", "船厂", "商业局", "粮食局"])
_WORK_UNIT_SUFFIXES = np.array(["宿舍", "家属院", "生活区"])
_OPEN_SUFFIXES = np.array(["里", "巷", "老街坊", "还建点", "片区"])
_BRANDS = np.array(["锦绣", "阳光", "幸福", "都市", "滨江", "翡翠", "金色", "万科", "保利", "绿地", "融创", "复地"])
_VILLAGE_SUFFIXES = np.array(["湾", "台", "岗", "墩", "嘴", "畈", "咀", "冲"])
ROAD_SUFFIXES = np.array(["路", "街", "大道"])

# Mobile prefixes 13x / 15x / 18x (154 does not exist).
_MOBILE_PREFIXES = np.array([*range(130, 140), *(p for p in range(150, 160) if p != 154), *range(180, 190)])

# GB 11643-1999: weights of the first 17 digits and the check-character table indexed by (sum mod 11).
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"))

# Area codes for people registered outside the city (暂住/流动): nearby Hubei cities and neighbouring provinces.
OUTSIDE_AREA_CODES = np.array(
    ["420984", "421002", "420502", "421102", "422801", "420602",
     "411502", "430102", "360102", "500101", "510104", "341502"]
)


def person_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Surname + one or two given-name characters, chosen by gender; returns an array of str."""
    n = male.size
    surname = SURNAMES[rng.choice(SURNAMES.size, n, p=_SURNAME_P)]
    m1 = _GIVEN_MALE[rng.integers(0, _GIVEN_MALE.size, n)]
    m2 = _GIVEN_MALE[rng.integers(0, _GIVEN_MALE.size, n)]
    f1 = _GIVEN_FEMALE[rng.integers(0, _GIVEN_FEMALE.size, n)]
    f2 = _GIVEN_FEMALE[rng.integers(0, _GIVEN_FEMALE.size, n)]
    first = np.where(male, m1, f1)
    second = np.where(male, m2, f2)
    two = rng.random(n) < 0.6
    given = np.where(two, np.char.add(first, second), first)
    return np.char.add(surname, given).astype(object)


def mobile_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """11-digit mainland mobile numbers starting 13x, 15x or 18x."""
    prefix = _MOBILE_PREFIXES[rng.integers(0, _MOBILE_PREFIXES.size, n)].astype(np.int64)
    return (prefix * 10**8 + rng.integers(0, 10**8, n)).astype(str).astype(object)


def place_stems(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` two-character place-name stems, distinct while n ≤ len(PLACE_STEMS), in a seed-dependent order."""
    order = rng.permutation(PLACE_STEMS.size)
    reps = -(-n // PLACE_STEMS.size)
    return PLACE_STEMS[np.tile(order, reps)[:n]]


def compound_names(rng: np.random.Generator, kinds: np.ndarray) -> np.ndarray:
    """Names that match the compound kind: 花园/小区/苑… for estates, 宿舍/家属院 for work units, 里/巷 for open ones."""
    n = kinds.size
    stem = place_stems(rng, n)
    estate = np.char.add(stem, _COMPOUND_SUFFIXES[rng.integers(0, _COMPOUND_SUFFIXES.size, n)])
    branded = np.char.add(_BRANDS[rng.integers(0, _BRANDS.size, n)], estate)
    estate = np.where(rng.random(n) < 0.15, branded, estate)
    work = np.char.add(
        np.char.add(stem, _WORK_UNITS[rng.integers(0, _WORK_UNITS.size, n)]),
        _WORK_UNIT_SUFFIXES[rng.integers(0, _WORK_UNIT_SUFFIXES.size, n)],
    )
    open_ = np.char.add(stem, _OPEN_SUFFIXES[rng.integers(0, _OPEN_SUFFIXES.size, n)])
    village = np.char.add(
        np.char.add(SURNAMES[rng.integers(0, 40, n)], "家"),
        _VILLAGE_SUFFIXES[rng.integers(0, _VILLAGE_SUFFIXES.size, n)],
    )
    out = np.where(kinds == "work_unit", work, estate)
    out = np.where(kinds == "open_settlement", open_, out)
    out = np.where(kinds == "natural_village", village, out)
    return out.astype(object)


def road_names(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.char.add(place_stems(rng, n), ROAD_SUFFIXES[rng.choice(3, n, p=[0.6, 0.25, 0.15])])


def id_check_char(first17: np.ndarray) -> np.ndarray:
    """GB 11643 check character for an (n, 17) array of digits."""
    return _ID_CHECK[(first17 @ _ID_WEIGHTS) % 11]


def id_number_is_valid(number: str) -> bool:
    """True when `number` is 18 characters whose last one is the GB 11643 check character of the first 17."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    digits = np.array([int(c) for c in number[:17]])
    return bool(id_check_char(digits[None, :])[0] == number[17].upper())


def id_numbers(
    rng: np.random.Generator, area_codes: np.ndarray, birth: np.ndarray, male: np.ndarray
) -> np.ndarray:
    """18-digit resident ID numbers (GB 11643): area code, birth date (datetime64[D]), sequence, check character.

    The sequence's last digit is odd for men and even for women, as the standard requires; numbers are unique.
    """
    n = area_codes.size
    stamp = np.datetime_as_string(birth, unit="D")
    stamp = np.char.replace(stamp, "-", "")
    seq = np.where(male, rng.integers(0, 500, n) * 2 + 1, rng.integers(1, 500, n) * 2)  # odd male, even female
    numbers = _assemble_ids(area_codes, stamp, seq)
    # Collisions are astronomically rare but cheap to rule out: redraw the sequence of duplicates.
    for _ in range(100):
        _, first_idx, counts = np.unique(numbers, return_index=True, return_counts=True)
        dup = np.ones(n, bool)
        dup[first_idx] = False
        if not dup.any():
            break
        idx = np.flatnonzero(dup)
        seq[idx] = np.where(male[idx], rng.integers(0, 500, idx.size) * 2 + 1, rng.integers(1, 500, idx.size) * 2)
        numbers[idx] = _assemble_ids(area_codes[idx], stamp[idx], seq[idx])
    return numbers.astype(object)


def _assemble_ids(area_codes: np.ndarray, stamp: np.ndarray, seq: np.ndarray) -> np.ndarray:
    first17 = np.char.add(np.char.add(area_codes.astype("U6"), stamp), np.char.zfill(seq.astype("U3"), 3))
    digits = first17.view("U1").reshape(-1, 17).astype(np.int64)
    return np.char.add(first17, id_check_char(digits))


def birth_dates(rng: np.random.Generator, today: dt.date, age_lo: np.ndarray, age_hi: np.ndarray) -> np.ndarray:
    """Birth dates (datetime64[D]) for ages drawn uniformly in [age_lo, age_hi) years, never after `today`."""
    days = (age_lo * 365.25 + rng.random(age_lo.size) * (age_hi - age_lo) * 365.25).astype(np.int64)
    return np.datetime64(today, "D") - days
