"""Issue 17: the demo sizes in the README are what `python -m loaders demo` generates (it said 793 grids where the
generator made 797).

The street and district scales are generated here (a few seconds, seed 0 as `make run` uses); the city scale takes
minutes, so its row is only checked for shape. Sizes do not depend on the date the demo is anchored to.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from geodata.base.vocab import Level
from loaders.demo import generate
from loaders.demo_store import counts

README = Path(__file__).resolve().parents[2] / "README.md"
#: README column → key of loaders.demo_store.counts
COLUMNS = {"streets": f"units(level {int(Level.STREET)})", "communities": f"units(level {int(Level.COMMUNITY)})",
           "grids": f"units(level {int(Level.GRID)})", "buildings": "buildings", "persons with records": "persons"}


def readme_sizes() -> dict[str, dict[str, int]]:
    """{scale: {column: number}} from the README's demo-size table (the table whose header starts `| scale |`)."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"\|\s*scale\s*\|", line))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    out = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        out[cells[0]] = {h: int(v.replace(",", "")) for h, v in zip(header[1:], cells[1:], strict=True)}
    return out


def test_the_readme_table_has_every_scale_and_column():
    sizes = readme_sizes()
    assert set(sizes) == {"street", "district", "city"}
    assert all(set(row) == set(COLUMNS) for row in sizes.values())


@pytest.mark.parametrize("scale", ["street", "district"])
def test_the_readme_says_what_the_generator_makes(scale):
    made = counts(generate(scale, seed=0))
    assert readme_sizes()[scale] == {column: made[key] for column, key in COLUMNS.items()}
