"""Issue 18 hole 9: `python -m loaders … --as USER` refuses a disabled or unknown user — bilingual message, status 2,
nothing read or written — and still acts as an active one."""
from __future__ import annotations

import pytest

from geodata.people.accounts import set_active
from geodata.store.writes import Actor, write
from loaders.cli import main
from tests.geodata.test_scope_city import city  # noqa: F401 — `city` is a fixture


def _export(url: str, out, as_user: str) -> list[str]:
    return ["export", str(out), "--layer", "buildings", "--format", "csv", "--db", url, "--as", as_user]


def test_an_active_user_is_acted_as(city, tmp_path):
    out = tmp_path / "g11.csv"
    assert main(_export(city.url, out, "grid11")) == 0 and out.exists()


@pytest.mark.parametrize("who", ["disabled", "unknown"])
def test_a_disabled_or_unknown_user_is_refused(city, tmp_path, capsys, who):
    source = tmp_path / "all.csv"
    assert main(["export", str(source), "--layer", "buildings", "--format", "csv", "--db", city.url]) == 0
    name = "grid11" if who == "disabled" else "nobody"
    if who == "disabled":
        write(city, Actor.system("test"), lambda ctx: set_active(ctx, "grid11", False, reason="调离"))
    version = city.data_version()
    capsys.readouterr()

    out = tmp_path / "g11.csv"
    with pytest.raises(SystemExit) as refused:
        main(_export(city.url, out, name))
    assert refused.value.code == 2 and not out.exists()
    err = capsys.readouterr().err
    expected = (("用户已停用", "user is disabled") if who == "disabled" else ("用户不存在", "no such user"))
    assert all(part in err for part in expected) and name in err

    with pytest.raises(SystemExit) as refused:
        main(["import", str(source), "--layer", "buildings", "--db", city.url, "--as", name])
    assert refused.value.code == 2 and city.data_version() == version
