"""/import: upload a file, see how its columns map and where its features fall, dry-run, then confirm.

The page only turns choices into calls: reading is `loaders.readers.read_layer`, checking and writing is
`geodata.exchange.imports.import_frame` (the same command the CLI runs), so nothing here decides what is valid.
"""
from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard import auth, state
from dashboard.components.checkpoint_map import roads_geojson, roads_group
from dashboard.components.edit_text import both
from dashboard.i18n import extend, t
from dashboard.mapview import base_map, building_layer, checkpoint_layer, unit_layer
from geodata.base.layers import LAYERS
from geodata.base.problems import PermissionDenied, Problem, Rejected
from geodata.exchange.imports import IMPORT_ROLES, import_frame
from geodata.people.accounts import ROLES
from geodata.people.scope import PAGE_ROLES
from loaders.readers import read_layer, upload_path

extend({
    "import.title": ("导入数据", "Import data"),
    "import.file": ("选择文件（GeoJSON、GeoPackage、Shapefile 压缩包、KML/KMZ、CSV、XLSX）",
                    "Choose a file (GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, CSV, XLSX)"),
    "import.layer": ("图层", "Layer"),
    "import.crs": ("坐标系", "Coordinate system"),
    "import.layer.choose": ("请选择图层", "Choose a layer"),
    "import.crs.auto": ("自动识别", "Detect"),
    "import.crs.other": ("其他 EPSG 代码", "Other EPSG code"),
    "import.read": ("读取 {rows} 行 · 编码 {enc} · 坐标系 {crs}", "Read {rows} rows · encoding {enc} · CRS {crs}"),
    "import.mapping": ("列对应关系（可修改）", "Column mapping (editable)"),
    "import.mapping.source": ("文件中的列", "Column in the file"),
    "import.mapping.field": ("对应字段", "Field"),
    "import.mapping.ignore": ("（忽略此列）", "(ignore this column)"),
    "import.problems": ("发现的问题", "Problems found"),
    "import.no_problems": ("未发现问题", "No problems found"),
    "import.preview": ("预览（前 {n} 行）", "Preview (first {n} rows)"),
    "import.dry_run": ("试导入（不写入）", "Dry run (write nothing)"),
    "import.confirm": ("确认导入", "Confirm import"),
    "import.result": ("新增 {inserted} · 更新 {updated} · 未变 {unchanged}",
                      "Inserted {inserted} · updated {updated} · unchanged {unchanged}"),
    "import.dry_done": ("试导入通过，未写入任何数据。", "Dry run passed; nothing was written."),
    "import.done": ("已导入并记入操作日志。", "Imported and recorded in the audit log."),
    "import.rejected": ("文件被拒绝，未写入任何数据。", "The file was rejected; nothing was written."),
    "import.refused": ("您的角色（{role}）不能导入数据，不提供上传。可以导入的角色：{roles}。",
                       "Your role ({role}) cannot import data, so there is no upload here. Roles that can import: "
                       "{roles}."),
    "import.fix_errors": ("请先修正文件中的错误再导入。", "Fix the errors in the file before importing."),
})

ACCEPT = ["geojson", "json", "gpkg", "zip", "kml", "kmz", "csv", "xlsx", "xls", "txt"]
CRS_CHOICES = ["auto", "wgs84", "cgcs2000", "gcj02", "bd09", "other"]
CRS_LABELS = {"wgs84": "WGS-84", "cgcs2000": "CGCS2000", "gcj02": "GCJ-02 (高德/腾讯)", "bd09": "BD-09 (百度)"}
PREVIEW_ROWS = 200
MAP_FEATURES = 5000


@st.cache_data(max_entries=4, show_spinner=False)
def _read(digest: str, name: str, data: bytes, layer: str, crs: str | None, mapping: tuple) -> dict:
    """Read the uploaded bytes once per (file, layer, CRS, mapping); the digest keys the cache."""
    with tempfile.TemporaryDirectory() as tmp:
        path = upload_path(Path(tmp), name)  # `name` is the browser's word: never a path
        path.write_bytes(data)
        result = read_layer(path, layer, crs=crs, mapping=dict(mapping) or None)
    return {"frame": result.frame, "problems": result.problems, "total": result.total_problems,
            "crs": result.source_crs, "encoding": result.encoding, "rows": result.rows_read,
            "columns": result.columns, "errors": result.error_count}


def _guess_layer(filename: str) -> str | None:
    """`buildings.csv`, `楼栋台账.xlsx`, `网格.zip` → the layer their name says, if it says one."""
    from loaders.readers import resolve_layer

    stem = Path(filename).stem
    for candidate in (stem, *stem.replace("-", "_").split("_")):
        try:
            return resolve_layer(candidate)
        except ValueError:
            continue
    for name, schema in LAYERS.items():
        if schema.zh and schema.zh in stem:
            return name
    return None


def _refusal(role: str, lang: str) -> str:
    """Why this role gets no uploader, naming the roles that do (from the import command's own table), in the
    reader's language first and then the other, like every refusal."""
    def say(i: int, which: str, sep: str) -> str:
        roles = sep.join(ROLES[r][i] for r in ROLES if r in IMPORT_ROLES)
        return t("import.refused", which, role=ROLES.get(role, (role, role))[i], roles=roles)

    return both(say(0, "zh", "、"), say(1, "en", ", "), lang)


def _problem_table(problems: list[Problem], lang: str) -> pd.DataFrame:
    return pd.DataFrame([{
        "严重程度 severity": "错误 error" if p.severity == "error" else "警告 warning",
        "行 row": p.row, "列 column": p.column,
        "原因 reason": p.message_zh if lang == "zh" else p.message_en,
        "reason / 原因": p.message_en if lang == "zh" else p.message_zh,
    } for p in problems])


def _preview_map(frame: pd.DataFrame, layer: str, v: state.View) -> None:
    if not isinstance(frame, gpd.GeoDataFrame) or frame.empty or "geometry" not in frame:
        return
    shown = frame.head(MAP_FEATURES).copy()
    shown = shown[shown.geometry.notna() & ~shown.geometry.is_empty]
    if shown.empty:
        return
    m = base_map(shown.total_bounds, tile_url=v.settings.tile_url, tile_attr=v.settings.tile_attribution,
                 dark=True, max_zoom=v.settings.tile_max_zoom)
    if "code" not in shown:
        shown["code"] = ""
    if "name" not in shown:
        shown["name"] = shown["code"]
    if LAYERS[layer].geometry == "polygon":
        unit_layer(shown[["code", "name", "geometry"]], "situation", lang=v.lang, figures=False).add_to(m)
    elif LAYERS[layer].geometry == "line":
        roads_group(roads_geojson(shown, lang=v.lang), lang=v.lang).add_to(m)
    elif layer == "checkpoints":
        pts = shown.assign(staffing="ok", status=shown.get("status", "open"))
        checkpoint_layer(pts, v.lang).add_to(m)
    else:
        pts = shown.assign(control_state=shown.get("control_state", "normal"), obs_total=0)
        building_layer(pts, v.lang).add_to(m)
    st_folium(m, height=420, use_container_width=True, returned_objects=[], key="import-map")


def main() -> None:
    state.require_entry()
    actor = auth.require_signed_in(PAGE_ROLES["import"])  # the table the navigation uses: not the wall account
    v = state.view()
    lang = v.lang
    st.title(t("import.title", lang))
    if actor.role not in IMPORT_ROLES:
        # before the uploader: a role that cannot import never sends a file to this server
        st.error(_refusal(actor.role, lang))
        return

    layer_names = list(LAYERS)
    c1, c2, c3 = st.columns([2, 1, 1])
    with c1:
        upload = st.file_uploader(t("import.file", lang), type=ACCEPT)
    with c2:
        guess = _guess_layer(upload.name) if upload is not None else None
        layer = st.selectbox(t("import.layer", lang), layer_names,
                             index=layer_names.index(guess) if guess else None,
                             placeholder=t("import.layer.choose", lang), key=f"layer-{upload.name if upload else ''}",
                             format_func=lambda n: f"{LAYERS[n].zh} ({n})" if lang == "zh" else n)
    with c3:
        crs_choice = st.selectbox(t("import.crs", lang), CRS_CHOICES,
                                  format_func=lambda c: t("import.crs.auto", lang) if c == "auto" else
                                  t("import.crs.other", lang) if c == "other" else CRS_LABELS[c])
        crs = None if crs_choice == "auto" else crs_choice
        if crs_choice == "other":
            code = st.text_input("EPSG", placeholder="4547")
            crs = f"EPSG:{code.strip()}" if code.strip() else None
    if upload is None or layer is None:
        return

    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    mapping_key = f"mapping-{digest}-{layer}"
    mapping = st.session_state.get(mapping_key, {})
    read = _read(digest, upload.name, data, layer, crs, tuple(sorted(mapping.items())))
    st.caption(t("import.read", lang, rows=f"{read['rows']:,}", enc=read["encoding"] or "—", crs=read["crs"] or "—"))

    with st.expander(t("import.mapping", lang), expanded=bool(read["errors"])):
        # the reader reports {field: header in the file}; people edit it the other way round
        ignore = t("import.mapping.ignore", lang)
        detected = {source: field for field, source in read["columns"].items()}
        table = pd.DataFrame({
            t("import.mapping.source", lang): list(detected),
            t("import.mapping.field", lang): [mapping.get(src, fld) or ignore for src, fld in detected.items()],
        })
        edited = st.data_editor(
            table, hide_index=True, use_container_width=True, disabled=[t("import.mapping.source", lang)],
            column_config={t("import.mapping.field", lang): st.column_config.SelectboxColumn(
                options=[ignore, *LAYERS[layer].names], required=True)},
            key=f"map-{digest}-{layer}")
        changed = dict(mapping)
        for src, fld in zip(edited.iloc[:, 0], edited.iloc[:, 1], strict=True):
            target = "" if fld == ignore else fld
            if target != detected.get(src):
                changed[src] = target
            else:
                changed.pop(src, None)
        if changed != mapping:
            st.session_state[mapping_key] = changed
            st.rerun()

    problems = list(read["problems"])
    st.subheader(t("import.problems", lang))
    if problems:
        st.dataframe(_problem_table(problems, lang), hide_index=True, use_container_width=True)
    else:
        st.success(t("import.no_problems", lang))

    frame = read["frame"]
    st.subheader(t("import.preview", lang, n=min(PREVIEW_ROWS, len(frame))))
    table = pd.DataFrame(frame.drop(columns=[c for c in ("geometry", "footprint") if c in frame.columns]))
    st.dataframe(table.head(PREVIEW_ROWS), hide_index=True, use_container_width=True)
    _preview_map(frame, layer, v)

    if read["errors"]:
        st.error(t("import.fix_errors", lang))
        return
    b1, b2 = st.columns(2)
    dry = b1.button(t("import.dry_run", lang), use_container_width=True)
    go = b2.button(t("import.confirm", lang), type="primary", use_container_width=True)
    if not (dry or go):
        return
    try:
        result = import_frame(v.store, actor, layer, frame, source=upload.name, dry_run=dry)
    except Rejected as rej:
        st.error(t("import.rejected", lang))
        st.dataframe(_problem_table(rej.problems, lang), hide_index=True, use_container_width=True)
        return
    except PermissionDenied as exc:
        st.error(exc.problem.message_zh if lang == "zh" else exc.problem.message_en)
        return
    st.success((t("import.dry_done", lang) if dry else t("import.done", lang)) + " " +
               t("import.result", lang, inserted=f"{result.inserted:,}", updated=f"{result.updated:,}",
                 unchanged=f"{result.unchanged:,}"))
    if result.warnings:
        st.dataframe(_problem_table(result.warnings, lang), hide_index=True, use_container_width=True)


main()
