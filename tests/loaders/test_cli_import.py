"""`python -m loaders import/export` end to end: edits update by code, bad files and dry runs write nothing,
person-level exports need permission and are logged."""
from __future__ import annotations

import sqlite3

import pandas as pd
import pytest
from sqlalchemy import func, select, text

from geodata.store.db import open_store
from geodata.store.models import Event
from loaders.cli import main


@pytest.fixture(scope="module")
def street(tmp_path_factory):
    base = tmp_path_factory.mktemp("imp")
    url = f"sqlite:///{base / 'street.sqlite'}"
    assert main(["demo", "--scale", "street", "--db", url]) == 0
    return base / "street.sqlite"


@pytest.fixture
def db(street, tmp_path):
    path = tmp_path / "db.sqlite"
    # the backup API, not a file copy: a WAL-mode database keeps recent pages in its -wal file
    src, dst = sqlite3.connect(street), sqlite3.connect(path)
    src.backup(dst)
    src.close(), dst.close()
    return f"sqlite:///{path}"


def _state(url):
    store = open_store(url)
    with store.engine.connect() as c:
        out = (c.execute(text("SELECT sum(households) FROM buildings")).scalar(),
               c.execute(text("SELECT count(*) FROM events")).scalar(), store.data_version())
    store.dispose()
    return out


def test_an_edited_ledger_updates_by_code(db, tmp_path, capsys):
    out = tmp_path / "b.csv"
    assert main(["export", str(out), "--layer", "buildings", "--format", "csv", "--db", db]) == 0
    frame = pd.read_csv(out, dtype=str)
    frame.loc[0, "户数"] = str(int(frame.loc[0, "户数"]) + 5)
    frame.to_csv(out, index=False)
    before = _state(db)
    capsys.readouterr()
    assert main(["import", str(out), "--layer", "buildings", "--db", db]) == 0
    assert "更新 updated 1," in capsys.readouterr().out
    after = _state(db)
    assert after[0] == before[0] + 5


def test_dry_run_and_a_bad_file_write_nothing(db, tmp_path, capsys):
    out = tmp_path / "b.csv"
    assert main(["export", str(out), "--layer", "buildings", "--format", "csv", "--db", db]) == 0
    frame = pd.read_csv(out, dtype=str)
    frame.loc[0, "户数"] = "999"
    frame.to_csv(out, index=False)
    before = _state(db)
    assert main(["import", str(out), "--layer", "buildings", "--db", db, "--dry-run"]) == 0
    assert "dry run" in capsys.readouterr().out
    assert _state(db) == before
    frame.loc[3, "户数"] = "很多"
    frame.to_csv(out, index=False)
    assert main(["import", str(out), "--layer", "buildings", "--db", db]) == 1
    printed = capsys.readouterr()
    assert "第5行" in printed.out and "户数" in printed.out and "nothing was written" in printed.err
    assert _state(db) == before


def test_person_level_export_needs_permission_and_is_logged(db, tmp_path, capsys):
    store = open_store(db)
    with store.engine.connect() as c:
        first_community = c.execute(text("SELECT min(code) FROM units WHERE level = 4")).scalar()
    out = tmp_path / "p.xlsx"
    # refused with the reason in both languages and exit status 1, nothing written (issue 18: no traceback)
    assert main(["export", str(out), "--layer", "persons", "--format", "xlsx", "--db", db, "--as", "command"]) == 1
    assert "人员明细" in capsys.readouterr().err and not out.exists()
    assert main(["export", str(out), "--layer", "persons", "--format", "xlsx", "--db", db, "--as", "head",
                 "--scope", "420100"]) == 1
    assert "管辖范围" in capsys.readouterr().err and not out.exists()
    assert main(["export", str(out), "--layer", "persons", "--format", "xlsx", "--db", db, "--as", "head"]) == 0
    with store.read() as s:
        logged = s.execute(select(func.count()).select_from(Event).where(
            Event.action == "export", Event.actor == "head")).scalar()
    assert logged == 1
    sheet = pd.read_excel(out, sheet_name=None)
    assert list(sheet) == ["人员"] and len(sheet["人员"]) > 0
    assert first_community
    store.dispose()
