"""Which layer a file holds, guessed from its name: `buildings.csv`, `网格.zip`, `红田卡点.xlsx`, `街道.shp`.

Offices name files after the place that sends them and then what is in them ("红田街道卡点台账", "幸福社区隔离人员
名单"), so the name of the place (街道, 社区) must not win over what the list is about (卡点, 隔离). The words are
therefore tried from the most specific content to the broadest unit, and the first that occurs decides. The
/import page preselects the guess and the CLI's import uses it when --layer is not given (and says so).
"""
from __future__ import annotations

from pathlib import PurePath

from .reader import resolve_layer

#: (layer, words in a file name that say it), most specific first: a case list names its people, a quarantine
#: list its persons and buildings, a street's checkpoint list its street, so each must come before the broader
#: words it contains or sits next to.
LAYER_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cases", ("病例", "确诊", "无症状", "阳性")),
    ("observations", ("隔离", "观察", "健康监测", "密接", "次密接", "管控人员")),
    ("checkpoints", ("卡点", "出入口", "卡口", "值守点", "门岗")),
    ("roads", ("道路", "路网", "路段", "中心线")),
    ("persons", ("人员", "居民", "人口", "常住", "流动人口")),
    ("households", ("住户", "户籍", "家庭", "户主")),
    ("buildings", ("楼栋", "楼宇", "楼房", "建筑")),
    ("compounds", ("小区", "自然村", "院落")),
    ("grids", ("网格",)),
    ("communities", ("社区", "居委会", "村委会", "行政村", "村")),
    ("streets", ("街道", "乡镇", "街办")),
    ("districts", ("区县", "县区")),
)

#: aliases too general to name a layer on their own in a file name (楼栋台账 is a building list)
GENERIC_WORDS = frozenset({"台账"})


def guess_layer(filename: str | PurePath) -> str | None:
    """The layer a file's name says it holds, or None when the name says nothing we know.

    A name that is a layer name or alias (`buildings`, `grids_2024`, `entrances`) is taken as such; otherwise the
    first word of `LAYER_WORDS` found in the name decides."""
    stem = PurePath(str(filename)).name
    for suffix in (".zip", ".gz", ".xlsx", ".xls", ".csv", ".shp", ".geojson", ".json", ".gpkg", ".kml", ".tar"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    for candidate in (stem, *stem.replace("-", "_").replace(" ", "_").split("_")):
        if not candidate or candidate in GENERIC_WORDS:
            continue
        try:
            return resolve_layer(candidate)
        except ValueError:
            continue
    for layer, words in LAYER_WORDS:
        if any(word in stem for word in words):
            return layer
    return None
