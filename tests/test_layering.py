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
DASHBOARD_USES_LOADERS = {"dashboard/views/import_data.py", "dashboard/components/report_reads.py",
                          "dashboard/components/field_ledgers.py",
                          "dashboard/views/screening.py"}


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


# --- inside geodata: feature packages on floors ---------------------------------------------------------------
#: the floors, lowest first; a module imports only from its own package or a lower floor (reporting and exchange
#: share a floor and do not import each other)
FLOORS = [{"base"}, {"store"}, {"people"}, {"situation"}, {"checkpoints"}, {"fieldwork"}, {"reporting", "exchange"},
          {"editing"}]
FLOOR = {pkg: i for i, floor in enumerate(FLOORS) for pkg in floor}
MAX_MODULES_PER_PACKAGE = 15


def geodata_modules() -> dict[str, Path]:
    """{dotted module name: path} of geodata's own modules (migrations are Alembic's, not the domain's)."""
    out = {}
    for path in sorted((REPO / "geodata").rglob("*.py")):
        rel = path.relative_to(REPO)
        if "migrations" in rel.parts:
            continue
        out[".".join(rel.with_suffix("").parts).removesuffix(".__init__")] = path
    return out


def geodata_edges() -> dict[str, list[tuple[str, list[str], bool]]]:
    """{module: [(imported geodata module, names imported from it, inside a function?)]}."""
    modules = geodata_modules()
    out: dict[str, list[tuple[str, list[str], bool]]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        nested = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                  for n in ast.walk(f) if n is not f}
        edges = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("geodata") \
                    and not node.level:
                for a in node.names:
                    full = f"{node.module}.{a.name}"
                    target = full if full in modules else node.module
                    edges.append((target, [] if target == full else [a.name], id(node) in nested))
            elif isinstance(node, ast.Import):
                edges += [(a.name, [], id(node) in nested) for a in node.names if a.name.startswith("geodata")]
        out[name] = edges
    return out


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) >= 2 else None


def test_every_geodata_module_sits_in_a_feature_package():
    loose = [m for m in geodata_modules() if m.count(".") == 1 and package_of(m) not in FLOOR]
    assert loose == []


def test_no_package_holds_more_than_fifteen_modules():
    counts: dict[str, int] = {}
    for m in geodata_modules():
        if m.count(".") == 2:
            counts[package_of(m)] = counts.get(package_of(m), 0) + 1
    assert {p: n for p, n in counts.items() if n > MAX_MODULES_PER_PACKAGE} == {}


def test_imports_go_down_the_floors():
    wrong = []
    for module, edges in geodata_edges().items():
        mine = package_of(module)
        for target, _names, _inner in edges:
            theirs = package_of(target)
            if mine in FLOOR and theirs in FLOOR and theirs != mine and FLOOR[theirs] >= FLOOR[mine]:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_no_geodata_import_is_hidden_inside_a_function():
    """A deferred import is how a cycle hides; a heavy third-party library may still be deferred."""
    assert [f"{m} -> {t}" for m, edges in geodata_edges().items() for t, _n, inner in edges if inner] == []


def test_no_private_name_crosses_a_module():
    assert [f"{m} imports {n} from {t}" for m, edges in geodata_edges().items() for t, names, _i in edges
            for n in names if n.startswith("_") and t != m] == []


def find_cycle(edges: dict[str, list[str]]) -> list[str]:
    """One import cycle among the modules, or []."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str]:
        state[m] = 1
        stack.append(m)
        for t in edges.get(m, []):
            if state.get(t) == 1:
                return stack[stack.index(t):] + [t]
            if t not in state and (found := visit(t)):
                return found
        stack.pop()
        state[m] = 2
        return []

    for m in sorted(edges):
        if m not in state and (found := visit(m)):
            return found
    return []


def test_no_import_cycle_among_geodata_modules():
    modules = geodata_modules()
    graph = {m: sorted({t for t, _n, _i in edges if t in modules and t != m and not m.startswith(t + ".")})
             for m, edges in geodata_edges().items()}
    assert find_cycle(graph) == []


def test_the_cycle_finder_finds_one():
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": ["b"], "b": []}) == []


def test_the_floor_check_catches_an_upward_import(tmp_path, monkeypatch):
    (tmp_path / "geodata" / "base").mkdir(parents=True)
    (tmp_path / "geodata" / "editing").mkdir(parents=True)
    (tmp_path / "geodata" / "editing" / "records.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "geodata" / "base" / "m.py").write_text("from geodata.editing.records import x\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    with pytest.raises(AssertionError):
        test_imports_go_down_the_floors()
    (tmp_path / "geodata" / "base" / "m.py").write_text("def f():\n    from geodata.editing import records\n",
                                                         encoding="utf-8")
    with pytest.raises(AssertionError):
        test_no_geodata_import_is_hidden_inside_a_function()
