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
from dashboard.components.refusals import problem_table, show_refusal
from dashboard.i18n import extend, t
from dashboard.mapview import base_map, building_layer, checkpoint_layer, unit_layer
from geodata.base.layers import LAYER_ENTITIES, LAYERS
from geodata.base.problems import Refusal, Rejected
from geodata.base.vocab import label, role_label
from geodata.editing.changes import field_words
from geodata.exchange.imports import import_frame
from geodata.exchange.parents import name_units, placeholder_name, unnamed_units
from geodata.people import authority
from geodata.store.writes import Actor, write
from loaders.readers import read_layer, upload_path
from loaders.readers.guess import guess_layer
from loaders.readers.values import vocabulary

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
    "import.values": ("文件中有无法识别的取值：请为本文件选择每个取值的含义，或拒绝导入",
                      "The file holds values no vocabulary knows: choose what each means for this file, or refuse"),
    "import.values.refuse": ("拒绝导入（不写入）", "Refuse the import (write nothing)"),
    "import.values.apply": ("按所选取值重新读取", "Read again with these choices"),
    "import.names": ("为按编码新建的上级单元命名", "Name the ancestors made from codes"),
    "import.names.help": ("这些上级单元（市、区……）按下级编码新建，范围为其下级的合并；请填写名称。",
                          "These ancestors (city, district …) were made from their children's codes and are drawn "
                          "as the union of their children; give their names."),
    "import.names.save": ("保存名称", "Save names"),
    "import.names.saved": ("名称已保存。", "Names saved."),
    "import.names.kept": ("名称将在确认导入时写入。", "The names are written when the import is confirmed."),
    "import.parents": ("上级单元", "Parents"),
    "import.row": ("行号", "Row"),
})

ACCEPT = ["geojson", "json", "gpkg", "zip", "kml", "kmz", "csv", "xlsx", "xls", "txt"]
CRS_CHOICES = ["auto", "wgs84", "cgcs2000", "gcj02", "bd09", "other"]
CRS_LABELS = {"wgs84": "WGS-84", "cgcs2000": "CGCS2000", "gcj02": "GCJ-02 (高德/腾讯)", "bd09": "BD-09 (百度)"}
PREVIEW_ROWS = 200
MAP_FEATURES = 5000


@st.cache_data(max_entries=4, show_spinner=False)
def _read(digest: str, name: str, data: bytes, layer: str, crs: str | None, mapping: tuple,
          values: tuple = ()) -> dict:
    """Read the uploaded bytes once per (file, layer, CRS, mapping, value choices); the digest keys the cache."""
    chosen: dict[str, dict[str, str]] = {}
    for fld, value, code in values:
        chosen.setdefault(fld, {})[value] = code
    with tempfile.TemporaryDirectory() as tmp:
        path = upload_path(Path(tmp), name)  # `name` is the browser's word: never a path
        path.write_bytes(data)
        result = read_layer(path, layer, crs=crs, mapping=dict(mapping) or None, values=chosen or None)
    return {"frame": result.frame, "problems": result.problems, "total": result.total_problems,
            "crs": result.source_crs, "encoding": result.encoding, "rows": result.rows_read,
            "columns": result.columns, "errors": result.error_count, "unknown": result.unknown_values}


def _value_choices(unknown: dict[str, list[str]], layer: str, key: str, lang: str) -> None:
    """The one-step choice for values no vocabulary knows (居家健康监测): map each to a known term for this file,
    or refuse (the default: nothing is written while a value stays unmapped). The reader does the mapping
    (`values=`, as the CLI's --map), so the page decides nothing about what is valid."""
    refuse = t("import.values.refuse", lang)
    chosen = dict(st.session_state.get(key, {}))
    with st.form(f"form-{key}"):
        st.warning(t("import.values", lang))
        picks = {}
        for fld, values in unknown.items():
            terms = vocabulary(layer, fld) or {}
            for value in values:
                picks[(fld, value)] = st.selectbox(
                    f"{LAYERS[layer].field(fld).zh}：{value}", [refuse, *terms], key=f"{key}-{fld}-{value}",
                    format_func=lambda c, ts=terms: c if c not in ts else (ts[c].zh if lang == "zh" else ts[c].en))
        if st.form_submit_button(t("import.values.apply", lang)):
            chosen.update({k: v for k, v in picks.items() if v != refuse})
            st.session_state[key] = chosen
            st.rerun()


def _heading(layer: str, column: str, lang: str) -> str:
    """A preview column as people call it: in Chinese the header an export writes (the layer's, 封锁依据 for the
    basis the reader takes from 硬隔离), in English the field's words (geodata.editing.changes.field_words)."""
    if column == "_row":
        return t("import.row", lang)
    if lang != "en" and column in LAYERS[layer].names:
        return LAYERS[layer].field(column).zh
    return field_words(LAYER_ENTITIES.get(layer), column, lang).replace("_", " ")


def _preview_table(rows: pd.DataFrame, layer: str, lang: str) -> pd.DataFrame:
    """What was read, as people say it: headings by `_heading`, vocabulary codes by their words (硬隔离, not
    hard_isolation) and an empty text cell empty, not "None". The import itself gets the codes."""
    shown = rows.copy()
    for col in shown.columns:
        terms = vocabulary(layer, col) if col != "_row" else None
        if terms:
            shown[col] = shown[col].map(lambda v, ts=terms: label(ts, v, lang) if isinstance(v, str) and v in ts
                                        else v)
        if shown[col].dtype == object or isinstance(shown[col].dtype, pd.StringDtype):
            shown[col] = shown[col].astype(object).where(shown[col].notna(), "")
    return shown.rename(columns=lambda c: _heading(layer, c, lang))


def _refusal(role: str, lang: str) -> str:
    """Why this role gets no uploader, naming the roles that do (the "import" action the command checks), in the
    reader's language first and then the other, like every refusal."""
    def say(which: str) -> str:
        return t("import.refused", which, role=role_label(role, which), roles=authority.who("import", which))

    return both(say("zh"), say("en"), lang)


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


def _naming_form(v: state.View, actor: Actor, lang: str, pending: list[tuple[str, int, str]]) -> None:
    """Ancestors made from codes wait for a name: those in the database (flagged unnamed, in the actor's scope)
    and those the last dry run would make. Names for the first are written now; for the second they are kept
    and passed to the import when it is confirmed."""
    with v.store.read() as s:
        waiting = unnamed_units(s, actor.scope_path)
    stored = list(waiting[["code", "level", "name"]].itertuples(index=False, name=None))
    todo = stored + [p for p in pending if p[0] not in set(waiting["code"])]
    if not todo:
        return
    kept = st.session_state.setdefault("import-names", {})
    with st.form("import-names-form"):
        st.subheader(t("import.names", lang))
        st.caption(t("import.names.help", lang))
        given = {code: st.text_input(code, value=kept.get(code, placeholder_name(code, level)), key=f"name-{code}")
                 for code, level, _ in todo}
        if not st.form_submit_button(t("import.names.save", lang)):
            return
    levels = {code: level for code, level, _ in todo}
    named = {c: n.strip() for c, n in given.items() if n.strip() and n.strip() != placeholder_name(c, levels[c])}
    now = {c: n for c, n in named.items() if c in set(waiting["code"])}
    kept.update({c: n for c, n in named.items() if c not in now})
    try:
        if now:
            write(v.store, actor, lambda ctx: name_units(ctx, now))
    except Refusal as exc:
        show_refusal(exc, lang)
        return
    st.success(t("import.names.saved", lang) if now else t("import.names.kept", lang))


def main() -> None:
    state.require_entry()
    actor = auth.require_signed_in("page.import")  # the table the navigation uses: not the wall account
    v = state.view()
    lang = v.lang
    st.title(t("import.title", lang))
    if not authority.allowed(actor, "import"):
        # before the uploader: a role that cannot import never sends a file to this server
        st.error(_refusal(actor.role, lang))
        return
    _upload(v, actor, lang)
    _naming_form(v, actor, lang, st.session_state.get("import-pending", []))


def _upload(v: state.View, actor: Actor, lang: str) -> None:
    """Choose, read, map, check and write one file (the page's main flow)."""
    layer_names = list(LAYERS)
    c1, c2, c3 = st.columns([2, 1, 1])
    with c1:
        upload = st.file_uploader(t("import.file", lang), type=ACCEPT)
    with c2:
        guess = guess_layer(upload.name) if upload is not None else None
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
    values_key = f"values-{digest}-{layer}"
    values = tuple(sorted((f, v, c) for (f, v), c in st.session_state.get(values_key, {}).items()))
    read = _read(digest, upload.name, data, layer, crs, tuple(sorted(mapping.items())), values)
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

    if read["unknown"]:
        _value_choices(read["unknown"], layer, values_key, lang)

    problems = list(read["problems"])
    st.subheader(t("import.problems", lang))
    if problems:
        st.dataframe(problem_table(problems, lang), hide_index=True, use_container_width=True)
    else:
        st.success(t("import.no_problems", lang))

    frame = read["frame"]
    st.subheader(t("import.preview", lang, n=min(PREVIEW_ROWS, len(frame))))
    table = pd.DataFrame(frame.drop(columns=[c for c in ("geometry", "footprint") if c in frame.columns]))
    st.dataframe(_preview_table(table.head(PREVIEW_ROWS), layer, lang), hide_index=True, use_container_width=True)
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
        result = import_frame(v.store, actor, layer, frame, source=upload.name, dry_run=dry,
                              names=st.session_state.get("import-names") or None)
    except Rejected as rej:  # the file's problems, by row and column, under the page's own heading
        show_refusal(rej, lang, title=t("import.rejected", lang))
        return
    except Refusal as exc:
        show_refusal(exc, lang)
        return
    st.success((t("import.dry_done", lang) if dry else t("import.done", lang)) + " " +
               t("import.result", lang, inserted=f"{result.inserted:,}", updated=f"{result.updated:,}",
                 unchanged=f"{result.unchanged:,}"))
    if result.warnings:
        st.dataframe(problem_table(result.warnings, lang), hide_index=True, use_container_width=True)
    if result.parents is not None and result.parents.counts:
        st.info(t("import.parents", lang) + "：\n\n" + "\n\n".join(result.parents.lines(lang)))
    # a dry run's ancestors are asked for below and named when the import is confirmed
    st.session_state["import-pending"] = result.parents.created if dry and result.parents is not None else []
    if not dry:
        st.session_state.pop("import-names", None)


main()
