"""Sign-in and editing in Chromium: a community head sets a building's control state on /my-grid and the command
centre's /wall shows it on its next refresh; another community's head who types that community's code into the
URL gets a refusal and none of its data. Every page may reach this machine only.

The app is a copy of dashboard/app.py (the real navigation, sign-in gate and editing pages),
run from a copy next to `static/` and a `views` link, as Streamlit serves `static/` and resolves `views/…`
beside the entry script. The street demo city is built once for the module.
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from geodata.people.accounts import create_user
from geodata.store.db import open_store
from geodata.store.writes import Actor, write
from loaders.demo import generate
from loaders.demo_store import store_demo
from tests.e2e.conftest import launch_app, offline_page, stop_app, wait_for_app_run

REPO = Path(__file__).resolve().parents[2]
REFRESH_S = 3
PASSWORD = "demo1234"


def make_app_dir(folder: Path, *, server: bool = True) -> Path:
    """A copy of dashboard/app.py; for a real server with `static/` (Leaflet, served by Streamlit) and `views` (a link,
    so the wall's `views/explore.py` links resolve) beside it. AppTest gets the script alone: with a `pages/`
    folder next to the entry script it runs a switched-to page without the entry script (Streamlit's old
    multipage mode), which would skip the sign-in gate under test."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "dashboard" / "app.py", folder / "edit_app.py")
    if server and not (folder / "static").exists():
        shutil.copytree(REPO / "dashboard" / "static", folder / "static")
    if server and not (folder / "views").exists():
        (folder / "views").symlink_to(REPO / "dashboard" / "views", target_is_directory=True)
    return folder / "edit_app.py"


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> dict[str, str]:
    """The street demo, a second community head, and the codes the tests use."""
    url = f"sqlite:///{tmp_path_factory.mktemp('edit') / 'street.sqlite'}"
    store = open_store(url)
    store_demo(store, generate("street", seed=0), scale="street", seed=0, log=lambda _msg: None)
    with store.read() as s:
        head_scope = s.execute(text(
            "SELECT u.code, u.path FROM users x JOIN units u ON u.id = x.scope_unit_id WHERE x.username = 'head'"
        )).one()
        other = s.execute(text(
            "SELECT code FROM units WHERE level = 4 AND code <> :c ORDER BY code LIMIT 1"), {"c": head_scope.code}
        ).scalar_one()
        # a compound of the head's community whose first building (the form's default) is under normal control
        compound, building = s.execute(text(
            "SELECT u.code, (SELECT min(b.code) FROM buildings b WHERE b.compound_id = u.id) AS first "
            "FROM units u WHERE u.level = 6 AND u.path >= :lo AND u.path < :hi AND EXISTS (SELECT 1 FROM buildings "
            "b WHERE b.compound_id = u.id AND b.code = (SELECT min(c.code) FROM buildings c WHERE c.compound_id = "
            "u.id) AND b.control_state = 'normal') ORDER BY u.code LIMIT 1"),
            {"lo": head_scope.path, "hi": head_scope.path[:-1] + "0"}).one()
        grid = s.execute(text("SELECT code FROM units WHERE level = 5 AND path >= :lo AND path < :hi ORDER BY code "
                              "LIMIT 1"), {"lo": head_scope.path, "hi": head_scope.path[:-1] + "0"}).scalar_one()
    write(store, Actor.system("e2e"), lambda ctx: create_user(ctx, "head2", "另一社区书记", "community_head", other,
                                                             PASSWORD))
    store.dispose()
    return {"url": url, "community": head_scope.code, "compound": compound, "building": building, "grid": grid}


@pytest.fixture(scope="module")
def server(city, tmp_path_factory, browser) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("edit-app")
    script = make_app_dir(folder)
    log = (folder / "streamlit.log").open("w+", encoding="utf-8")
    url, process = launch_app({"DATABASE_URL": city["url"], "WALL_REFRESH_SECONDS": str(REFRESH_S)}, script, log)
    # one visit to "/" first: the app's first run fills its caches (and see dashboard.state.require_entry)
    context = browser.new_context()
    warm = context.new_page()
    warm.goto(url)
    wait_for_app_run(warm)
    context.close()
    yield url
    stop_app(process)
    log.seek(0)
    print(log.read())
    log.close()


@pytest.fixture
def second_page(browser):
    """Another browser (its own cookies): the command centre's screen."""
    with offline_page(browser, 1600, 900) as other:
        yield other


def sign_in(page, url: str, username: str) -> None:
    """Open `url`: the gate shows the sign-in form in place of the page; sign in and let the page run."""
    page.goto(url)
    wait_for_app_run(page)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    wait_for_app_run(page)
    expect(page.get_by_label("密码")).to_have_count(0, timeout=15_000)


def pick(page, label: str, option: str, key: str | None = None) -> None:
    """Choose `option` in the Streamlit selectbox labelled `label` (or, when two share the label, the one whose
    widget key is `key`)."""
    box = (page.locator(f".st-key-{key} [data-testid='stSelectbox']") if key else
           page.locator("[data-testid='stSelectbox']").filter(has=page.get_by_text(label, exact=True)))
    field = box.locator("input").first
    field.scroll_into_view_if_needed()
    field.focus()
    page.keyboard.type(option)  # the combobox filters as one types; the option list opens with the first key
    # The filtered option is highlighted; Enter takes it as a user's keyboard would. Clicking it instead failed
    # once in CI: the list had opened below the window's bottom edge ("element is outside of the viewport").
    expect(page.get_by_role("option", name=option, exact=True)).to_have_attribute("data-focused", "true")
    page.keyboard.press("Enter")
    expect(field).to_have_value(option)


def sealed_on_wall(page) -> int:
    return int(page.locator("[data-kpi='locked_down'] .gw-kpi-value").inner_text().replace(",", ""))


def test_a_heads_control_state_reaches_the_command_wall(server, city, page, second_page):
    wall = second_page
    sign_in(wall, f"{server}/wall", "command")
    expect(wall.locator("[data-kpi='locked_down'] .gw-kpi-value")).to_be_visible(timeout=30_000)
    before = sealed_on_wall(wall)

    sign_in(page, f"{server}/my-grid?code={city['compound']}&section=buildings", "head")
    expect(page.get_by_text("设置楼栋管控状态")).to_be_visible(timeout=30_000)
    # the building's form, by its widget keys: the natural village's control form below it has the same labels
    pick(page, "管控状态", "封锁", key="gw-control-state")  # 封锁 and 硬隔离 are two choices (issue 14 "Words")
    page.locator(".st-key-gw-control-reason textarea").fill("出现密接，<b>封锁</b>")
    page.get_by_role("button", name="提交").first.click()
    wait_for_app_run(page)
    expect(page.get_by_text("已保存。")).to_be_visible(timeout=15_000)

    # the wall refreshes itself every REFRESH_S seconds: the change shows within one refresh or two
    expect(wall.locator("[data-kpi='locked_down'] .gw-kpi-value")).to_have_text(
        str(before + 1), timeout=REFRESH_S * 5000)

    store = open_store(city["url"], migrate=False)
    with store.read() as s:
        state, basis, reason = s.execute(text(
            "SELECT control_state, control_basis, control_reason FROM buildings WHERE code = :c"),
            {"c": city["building"]}).one()
        actor = s.execute(text("SELECT actor FROM events WHERE action = 'control.change' AND entity_code = :c "
                               "ORDER BY id DESC LIMIT 1"), {"c": city["building"]}).scalar_one()
    store.dispose()
    assert (state, basis, reason, actor) == ("sealed", "lockdown", "出现密接，<b>封锁</b>", "head")


def test_another_communitys_head_is_refused_by_url(server, city, page):
    sign_in(page, f"{server}/my-grid?code={city['community']}&section=buildings", "head2")
    expect(page.get_by_text("不在您的管辖范围内").first).to_be_visible(timeout=15_000)
    for code in (city["grid"], city["compound"]):
        page.goto(f"{server}/my-grid?code={code}&section=households")  # still signed in: the cookie
        wait_for_app_run(page)
        expect(page.get_by_text("不在您的管辖范围内").first).to_be_visible(timeout=15_000)
        expect(page.locator("[data-testid='stDataFrame'], [data-testid='stDataFrameResizable']")).to_have_count(0)
        expect(page.get_by_text(city["building"])).to_have_count(0)
    # and the audit log of that community's building is refused too
    page.goto(f"{server}/audit?entity=building&code={city['building']}")
    wait_for_app_run(page)
    expect(page.get_by_text("不在您的管辖范围内").first).to_be_visible(timeout=15_000)


def test_signing_out_ends_the_session_even_with_the_cookie(server, page):
    sign_in(page, f"{server}/login", "grid")
    expect(page.get_by_text("已登录。")).to_be_visible(timeout=15_000)
    cookies = page.context.cookies()
    assert any(c["name"] == "gw_session" and c["value"] for c in cookies)
    page.locator(".st-key-login-sign-out button").click()  # the page's own button (the sidebar is collapsed)
    # the sign-out has run (the form is back) before we leave: a navigation right after the click could
    # cancel the run that ends the session (CI: the next page still showed the user signed in)
    expect(page.get_by_label("密码")).to_be_visible(timeout=15_000)
    page.context.add_cookies(cookies)  # a copy of the old cookie is worth nothing now: the server ended it
    page.goto(f"{server}/my-grid")
    wait_for_app_run(page)
    expect(page.get_by_label("密码")).to_be_visible(timeout=15_000)


MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
HOSTILE_ROAD = "<img src=x onerror=alert(1)>巷"


def _counts(url: str) -> dict[str, int]:
    store = open_store(url, migrate=False)
    with store.read() as s:
        out = {t: s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in ("roads", "buildings", "events")}
    store.dispose()
    return out


def _a_building(url: str) -> tuple[str, float, float]:
    store = open_store(url, migrate=False)
    with store.read() as s:
        row = s.execute(text("SELECT g.code, b.lon, b.lat FROM buildings b JOIN units g ON g.id = b.grid_id "
                             "ORDER BY b.code LIMIT 1")).one()
    store.dispose()
    return row[0], float(row[1]), float(row[2])


def upload(page, path: Path) -> None:
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
    wait_for_app_run(page)


def test_a_road_file_is_previewed_on_the_map_dry_run_then_imported(server, city, page, tmp_path):
    """/import with a roads GeoJSON: the layer is read off the file name, the lines are drawn on the preview map
    with their (hostile) names as text, a dry run writes nothing, and the import writes both roads once."""
    import json

    from dashboard.components.checkpoint_map import ROAD_COLOR

    _, lon, lat = _a_building(city["url"])
    feature = lambda name, coords: {"type": "Feature", "properties": {"name": name, "kind": "residential"},  # noqa: E731
                                    "geometry": {"type": "LineString", "coordinates": coords}}
    path = tmp_path / "roads.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        feature(HOSTILE_ROAD, [[lon - 0.001, lat], [lon + 0.001, lat]]),
        feature("幸福巷", [[lon, lat - 0.001], [lon, lat + 0.001]])]}, ensure_ascii=False), encoding="utf-8")
    sign_in(page, f"{server}/import", "command")
    before = _counts(city["url"])  # after signing in, which is audited too
    upload(page, path)
    expect(page.get_by_text("未发现问题")).to_be_visible(timeout=20_000)
    frame = page.locator(MAP_FRAME).element_handle(timeout=20_000).content_frame()
    frame.wait_for_function("() => window.map && Object.keys(window.map._layers).length > 0", timeout=20_000)
    drawn = frame.evaluate(  # canvas: ask Leaflet for the grey road lines
        "c => { const out = []; window.map.eachLayer(l => { if (l.feature && l.options && l.options.color === c)"
        " out.push(l.feature.properties.n); }); return out.sort(); }", ROAD_COLOR)
    assert drawn == sorted([HOSTILE_ROAD, "幸福巷"])
    assert frame.locator("img").count() == 0  # no name became markup

    page.get_by_role("button", name="试导入（不写入）").click()
    wait_for_app_run(page)
    expect(page.get_by_text("试导入通过，未写入任何数据。", exact=False)).to_be_visible(timeout=20_000)
    expect(page.get_by_text("新增 2", exact=False)).to_be_visible()
    assert _counts(city["url"]) == before

    page.get_by_role("button", name="确认导入").click()
    wait_for_app_run(page)
    expect(page.get_by_text("已导入并记入操作日志。", exact=False)).to_be_visible(timeout=20_000)
    after = _counts(city["url"])
    assert after["roads"] == before["roads"] + 2 and after["events"] > before["events"]


def test_a_file_with_a_bad_row_is_refused_by_row_and_field_and_writes_nothing(server, city, page, tmp_path):
    """/import with a buildings CSV whose second row names a grid that does not exist: the import is refused,
    the problem is listed by line and column in Chinese and English, and the database is as it was."""
    grid, lon, lat = _a_building(city["url"])
    path = tmp_path / "buildings.csv"
    path.write_text("楼栋编码,楼栋名称,网格编码,经度,纬度,户数\n"
                    f"E2E-B1,新建1栋,{grid},{lon + 0.0001:.6f},{lat:.6f},12\n"
                    f"E2E-B2,新建2栋,NO-SUCH-GRID,{lon + 0.0002:.6f},{lat:.6f},8\n", encoding="utf-8")
    sign_in(page, f"{server}/import", "command")
    before = _counts(city["url"])
    upload(page, path)
    expect(page.get_by_text("预览（前 2 行）")).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="确认导入").click()
    wait_for_app_run(page)
    expect(page.get_by_text("文件被拒绝，未写入任何数据。")).to_be_visible(timeout=20_000)
    problems = page.locator("[data-testid='stDataFrame'], [data-testid='stDataFrameResizable']").last
    # a scoped importer hears the same for a code that does not exist and one outside their scope (issue 18)
    expect(problems).to_contain_text("网格编码不存在或不在您的管辖范围内", timeout=10_000)
    expect(problems).to_contain_text("grid code unknown or outside your scope")
    # the file's own header and value, and its line in the file (the header is line 1)
    expect(problems).to_contain_text("网格编码「NO-SUCH-GRID」")
    expect(problems).to_contain_text(re.compile(r"错误 error\s*3\s*网格编码"))
    assert _counts(city["url"]) == before
