"""Issue 17: the layer is guessed from Chinese file names as offices write them, on /import and in the CLI.

A file is named after the place that sends it and then what it holds (红田街道卡点台账.xlsx): the content word
decides, not the place's name.
"""
from __future__ import annotations

import pytest

from geodata.store.db import Store
from loaders.cli import main
from loaders.readers.guess import guess_layer
from tests.factories import load_small_city


@pytest.mark.parametrize("name, layer", [
    ("红田卡点.xlsx", "checkpoints"),
    ("红田街道卡点台账.xlsx", "checkpoints"),
    ("幸福小区出入口.csv", "checkpoints"),
    ("街道.shp", "streets"),
    ("红田街道.zip", "streets"),
    ("红田街道社区.shp", "communities"),
    ("社区.geojson", "communities"),
    ("幸福社区网格.shp", "grids"),
    ("网格.zip", "grids"),
    ("小区.gpkg", "compounds"),
    ("东湖自然村.shp", "compounds"),
    ("楼栋.xlsx", "buildings"),
    ("楼栋台账.xlsx", "buildings"),
    ("2024_台账_楼栋.xlsx", "buildings"),
    ("住户.csv", "households"),
    ("户籍.xlsx", "households"),
    ("人员.xlsx", "persons"),
    ("幸福社区隔离人员名单.xlsx", "observations"),
    ("居家观察对象.xlsx", "observations"),
    ("病例.csv", "cases"),
    ("红田街道病例一览表.xlsx", "cases"),
    ("道路.shp", "roads"),
    ("红田街道路网.shp", "roads"),
    ("buildings.csv", "buildings"),
    ("grids_2024.zip", "grids"),
    ("entrances.csv", "checkpoints"),
])
def test_the_name_says_the_layer(name, layer):
    assert guess_layer(name) == layer


@pytest.mark.parametrize("name", ["export.csv", "新建 Microsoft Excel 工作表.xlsx", "data_2024.zip"])
def test_a_name_that_says_nothing_guesses_nothing(name):
    assert guess_layer(name) is None


@pytest.fixture
def db(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'g.sqlite'}")
    store.migrate()
    load_small_city(store)
    store.dispose()
    return f"sqlite:///{tmp_path / 'g.sqlite'}"


def test_the_cli_imports_without_layer_and_says_what_it_guessed(db, tmp_path, capsys):
    out = tmp_path / "红田卡点.csv"
    assert main(["export", str(out), "--layer", "checkpoints", "--format", "csv", "--db", db]) == 0
    capsys.readouterr()
    assert main(["import", str(out), "--db", db]) == 0
    printed = capsys.readouterr().out
    assert "layer guessed from the file name: 卡点出入口 (checkpoints)" in printed
    assert "未变 unchanged 1" in printed


def test_the_cli_asks_for_layer_when_the_name_says_nothing(db, tmp_path, capsys):
    out = tmp_path / "export.csv"
    assert main(["export", str(out), "--layer", "checkpoints", "--format", "csv", "--db", db]) == 0
    capsys.readouterr()
    assert main(["import", str(out), "--db", db]) == 2
    assert "--layer" in capsys.readouterr().err
