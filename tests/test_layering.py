"""The design card's direction of dependencies, checked on the source: dashboard → geodata ← loaders.

geodata (the domain) imports neither the pages nor the file loaders nor Streamlit; loaders never import the pages;
the pages run no SQL of their own (no SQLAlchemy) and reach into loaders only where they must read an uploaded
file or render a download, in the modules listed below, so that a new shortcut shows up here first.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: the only pages that call loaders: the /import page reads the upload with loaders.readers (the CLI's reader),
#: and the briefing download is rendered by loaders.briefing (matplotlib/openpyxl)
DASHBOARD_USES_LOADERS = {"dashboard/views/import_data.py", "dashboard/components/report_reads.py"}


def imports(package: str) -> dict[str, set[str]]:
    """{file: top-level modules it imports (anywhere in the file, function bodies included)}."""
    out = {}
    for path in sorted((REPO / package).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
        out[str(path.relative_to(REPO))] = names
    return out


@pytest.mark.parametrize("package, forbidden", [
    ("geodata", {"dashboard", "loaders", "streamlit", "streamlit_folium", "folium"}),
    ("loaders", {"dashboard", "streamlit", "streamlit_folium"}),
    ("dashboard", {"sqlalchemy"}),
])
def test_no_module_imports_against_the_direction(package, forbidden):
    found = {f: sorted(names & forbidden) for f, names in imports(package).items() if names & forbidden}
    assert found == {}


def test_the_pages_reach_into_loaders_only_where_listed():
    assert {f for f, names in imports("dashboard").items() if "loaders" in names} == DASHBOARD_USES_LOADERS


def test_the_check_sees_imports_inside_functions(tmp_path, monkeypatch):
    """The scan must catch a deferred import too (both dashboard uses of loaders are inside functions)."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("def f():\n    from loaders.readers import read_layer\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    assert imports("pkg") == {"pkg/m.py": {"loaders"}}
