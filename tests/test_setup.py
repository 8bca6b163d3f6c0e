"""Issue 17, set-up as users expect: after `make venv` the project is installed into its venv, so
`python -m loaders …` and `streamlit run dashboard/server.py` work from anywhere without PYTHONPATH, `make run`
sets none, and the map's front-end files are in the repository (no npm)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _bare_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_the_venv_finds_the_packages_without_pythonpath(tmp_path):
    """Run outside the repository, so neither the working directory nor pytest's pythonpath can help."""
    code = "import dashboard.offline_assets, geodata.exchange.exports, loaders.cli; print(loaders.cli.__file__)"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=_bare_env(), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).resolve() == REPO / "loaders" / "cli.py"


def test_python_m_loaders_runs_without_pythonpath(tmp_path):
    done = subprocess.run([sys.executable, "-m", "loaders", "--help"], cwd=tmp_path, env=_bare_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "export" in done.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_sets_no_pythonpath():
    done = subprocess.run(["make", "-n", "run"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    run = [line for line in done.stdout.splitlines() if "streamlit run dashboard/server.py" in line]
    assert run and "PYTHONPATH" not in run[0]
    assert "npm" not in done.stdout


def test_the_assets_are_committed_and_make_assets_only_checks_them():
    assert not (REPO / "package.json").exists() and not (REPO / "package-lock.json").exists()
    assert "dashboard/static/vendor" not in (REPO / ".gitignore").read_text(encoding="utf-8")
    done = subprocess.run(["bash", "scripts/vendor_assets.sh"], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    for folder in ("leaflet", "leaflet-draw"):
        assert (REPO / "dashboard" / "static" / "vendor" / folder / "LICENSE").stat().st_size > 0


def test_no_two_test_modules_share_a_name():
    """tests/ has no __init__.py files, so pytest imports test modules by their file name: a second
    test_events.py in another folder is not collected at all ("import file mismatch") and its tests silently
    never run in a whole-suite run (three did, once)."""
    names = [p.name for p in (REPO / "tests").rglob("test_*.py")]
    assert sorted({n for n in names if names.count(n) > 1}) == []
