"""The CLI end to end on a real database: demo → check passes; tampering makes check fail and name it."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from geodata.store.db import Store
from loaders.cli import main


@pytest.fixture(scope="module")
def pristine_street(tmp_path_factory) -> Path:
    """The street demo as `demo` writes it, built once per module and never written to: the tests below get
    copies (a street demo takes 3–15 s on the 2-core machine; it was built seven times)."""
    path = tmp_path_factory.mktemp("cli") / "pristine.sqlite"
    assert main(["demo", "--scale", "street", "--db", f"sqlite:///{path}"]) == 0
    return path


def copy_of(pristine: Path, target: Path) -> str:
    """A copy through SQLite's backup API, which also takes what is still in the write-ahead log."""
    with sqlite3.connect(pristine) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return f"sqlite:///{target}"


@pytest.fixture(scope="module")
def street_db(pristine_street, tmp_path_factory) -> str:
    return copy_of(pristine_street, tmp_path_factory.mktemp("cli") / "street.sqlite")


def test_demo_street_passes_the_integrity_check(street_db, capsys):
    assert main(["check", "--db", street_db]) == 0
    assert "检查通过" in capsys.readouterr().out


def test_demo_refuses_a_database_that_has_data_unless_if_missing(street_db, capsys):
    assert main(["demo", "--scale", "street", "--db", street_db]) == 1
    assert main(["demo", "--scale", "street", "--db", street_db, "--if-missing"]) == 0
    assert "跳过" in capsys.readouterr().out


def test_demo_creates_a_login_for_every_role(street_db, capsys):
    assert main(["users", "list", "--db", street_db]) == 0
    out = capsys.readouterr().out
    for role in ("指挥部", "街道/乡镇督导", "社区书记", "网格长", "卫生人员", "大屏只读"):
        assert role in out


@pytest.mark.parametrize("tamper, expected", [
    ("UPDATE unit_stats SET households = households + 1 WHERE unit_id = (SELECT min(id) FROM units)",
     "totals differ from the sum of children"),
    ("UPDATE buildings SET lon = lon + 0.5 WHERE id = (SELECT min(id) FROM buildings)",
     "building outside its grid"),
    ("UPDATE units SET parent_id = (SELECT min(id) FROM units) WHERE id = (SELECT max(id) FROM units)",
     "parent is not one level up"),
    ("UPDATE roads SET minx = minx + 0.01 WHERE id = (SELECT min(id) FROM roads)",
     "stored bounding box is not the line's"),
    ("UPDATE roads SET unit_id = (SELECT max(id) FROM units) WHERE id = (SELECT min(id) FROM roads)",
     "road does not hang on a street"),
    ("UPDATE roads SET path = '/1/' WHERE id = (SELECT min(id) FROM roads)",
     "road path disagrees with its street"),
])
def test_check_fails_and_names_what_is_wrong(pristine_street, tmp_path, capsys, tamper, expected):
    url = copy_of(pristine_street, tmp_path / "street.sqlite")  # passes the check untampered: see the first test
    store = Store(url)
    with store.engine.begin() as conn:
        conn.execute(text(tamper))
    store.dispose()
    capsys.readouterr()
    assert main(["check", "--db", url]) == 1
    assert expected in capsys.readouterr().out


def test_demo_is_deterministic_for_a_seed(tmp_path):
    from loaders.demo import generate

    a, b = generate("street", seed=3), generate("street", seed=3)
    assert a.buildings["code"].tolist() == b.buildings["code"].tolist()
    assert a.buildings.geometry.equals(b.buildings.geometry)


def test_users_add_grant_disable_and_reset_password(street_db, capsys):
    from geodata.people.accounts import authenticate
    from geodata.store.db import open_store

    capsys.readouterr()
    assert main(["users", "add", "zhang", "--role", "grid_leader", "--scope", "NOPE", "--password", "x" * 8,
                 "--db", street_db]) == 1
    assert "unknown scope unit code: NOPE" in capsys.readouterr().err
    assert main(["users", "add", "zhang", "--role", "command", "--password", "short", "--db", street_db]) == 1
    assert "at least 8" in capsys.readouterr().err
    assert main(["users", "add", "zhang", "--role", "command", "--password", "longenough1", "--db", street_db]) == 0
    assert main(["users", "grant", "zhang", "persons", "--db", street_db]) == 0
    store = open_store(street_db)
    assert authenticate(store, "zhang", "longenough1").ok
    assert main(["users", "disable", "zhang", "--db", street_db]) == 0
    assert not authenticate(store, "zhang", "longenough1").ok
    assert main(["users", "enable", "zhang", "--db", street_db]) == 0
    assert main(["users", "reset-password", "zhang", "--password", "another-one", "--db", street_db]) == 0
    assert authenticate(store, "zhang", "another-one").ok and not authenticate(store, "zhang", "longenough1").ok
    store.dispose()
