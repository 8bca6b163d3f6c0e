"""Command line: `python -m loaders {demo,check,import,export,briefing,users} …`.

Every command takes `--db URL` (default: DATABASE_URL, else the SQLite file under data/). Exit status is 0 on
success, 1 when the data has problems (rejected import, failed check), 2 on usage errors.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from typing import NoReturn

from geodata.base.config import load_settings
from geodata.base.layers import LAYERS
from geodata.base.problems import Refusal, Rejected
from geodata.store.db import Store, open_store
from geodata.store.writes import Actor, write

UNIT_AND_LEDGER_LAYERS = sorted(LAYERS)


def _store(args: argparse.Namespace) -> Store:
    return open_store(args.db or load_settings().database_url)


def _actor(store: Store, username: str | None) -> Actor:
    """The CLI acts as the system unless --as names a user (then that user's role and scope apply). A disabled
    user is refused like an unknown one: disabling a sign-in must stop the CLI acting in that name too. The
    refusal goes to stderr and the command ends with status 2 (a usage error), before anything is read or written."""
    if not username:
        return Actor.system("cli")
    from sqlalchemy import select

    from geodata.store.models import Unit, User

    with store.read() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            _refuse_as(f"用户不存在: {username}", f"no such user: {username}")
        if not user.active:
            _refuse_as(f"用户已停用，不能以其身份操作: {username}", f"user is disabled, cannot act as them: {username}")
        path = s.get(Unit, user.scope_unit_id).path if user.scope_unit_id else None
    return Actor(user.username, user.role, path)


def _refuse_as(zh: str, en: str) -> NoReturn:
    print(f"--as: {zh} / {en}", file=sys.stderr)
    raise SystemExit(2)


# -- demo -----------------------------------------------------------------------------------------------------
def cmd_demo(args: argparse.Namespace) -> int:
    from loaders.demo import generate
    from loaders.demo_store import counts, store_demo

    store = _store(args)
    if not store.is_empty():
        if args.if_missing:
            print(f"数据库已有数据，跳过演示数据 / database already holds data, demo skipped: {store}")
            return 0
        print(f"数据库不为空 / database is not empty: {store}. 请使用空数据库 / use an empty database.", file=sys.stderr)
        return 1
    print(f"生成演示城市 / generating demo city: scale={args.scale} seed={args.seed}")
    t0 = time.perf_counter()
    city = generate(args.scale, seed=args.seed)
    t_gen = time.perf_counter() - t0
    print(f"  generate       {t_gen:6.1f} s  " + ", ".join(f"{k}={v:,}" for k, v in counts(city).items()))
    print(f"写入 / storing into {store}")
    store_demo(store, city, scale=args.scale, seed=args.seed)
    print(f"完成 / done in {time.perf_counter() - t0:.1f} s")
    return 0


# -- check ----------------------------------------------------------------------------------------------------
def cmd_check(args: argparse.Namespace) -> int:
    from geodata.exchange.integrity import check

    store = _store(args)
    t0 = time.perf_counter()
    with store.read() as s:
        report = check(s, geometry=not args.no_geometry)
    print("  ".join(f"{k}={v:,}" for k, v in report.counts.items()))
    if report.ok:
        print(f"检查通过：不漏社区、不漏户、不漏人 / check passed ({time.perf_counter() - t0:.1f} s)")
        return 0
    print(f"发现 {len(report.problems)} 类问题 / {len(report.problems)} kinds of problem:")
    for p in report.problems:
        print(f"  - {p}")
    return 1


# -- import ---------------------------------------------------------------------------------------------------
def cmd_import(args: argparse.Namespace) -> int:
    from geodata.exchange.imports import import_frame
    from loaders.readers import read_layer, resolve_layer

    # a broken mapping file is reported by the reader as a problem, like any other bad input
    try:
        layer = resolve_layer(args.layer) if args.layer else _guessed_layer(args.path)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        names = _names(args)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    result = read_layer(Path(args.path), layer, crs=args.crs, mapping=Path(args.mapping) if args.mapping else None,
                        values=args.value_maps or None)
    problems = list(result.problems)
    print(f"读取 / read {result.rows_read:,} 行 rows from {args.path}"
          f" (crs={result.source_crs}, encoding={result.encoding})")
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        _print_problems(problems, getattr(result, "total_problems", len(problems)))
        print("未写入任何数据 / nothing was written", file=sys.stderr)
        return 1
    store = _store(args)
    actor = _actor(store, args.as_user)
    try:
        r = import_frame(store, actor, layer, result.frame, source=Path(args.path).name, dry_run=args.dry_run,
                         names=names)
    except Rejected as rej:
        _print_problems(problems + rej.problems, len(problems) + len(rej.problems))
        print("未写入任何数据 / nothing was written", file=sys.stderr)
        return 1
    _print_problems(problems + r.problems, len(problems) + len(r.problems))
    if r.parents is not None:
        _print_parents(r.parents)
    verb = "试运行，未写入 / dry run, nothing written" if args.dry_run else "已写入 / written"
    print(f"{verb}: 新增 inserted {r.inserted:,}, 更新 updated {r.updated:,}, 未变 unchanged {r.unchanged:,}")
    if r.codes_made:
        print(f"无记录编号的 {r.codes_made:,} 行按人员和日期生成了编号 / {r.codes_made:,} rows without a record code got "
              "one from their person and date")
    return 0


def _names(args: argparse.Namespace) -> dict[str, str]:
    """Names of ancestors made from codes: the --names file (CSV or XLSX, columns code, name) and --name
    CODE=NAME pairs, the pairs winning. A missing file or a pair without "=" is a usage error."""
    from geodata.exchange.parents import parse_names

    table = None
    if args.names:
        path = Path(args.names)
        if not path.is_file():
            raise ValueError(f"名称文件不存在 / no such names file: {path}")
        import pandas as pd

        table = pd.read_excel(path, dtype=str, header=None) if path.suffix.lower() in (".xlsx", ".xls") else \
            pd.read_csv(path, dtype=str, header=None, encoding="utf-8-sig")
    return parse_names(args.name or (), table)


def _print_parents(report) -> None:
    """Which way each unit's parent was found, and the ancestors made that still need a name."""
    for line in str(report).splitlines():
        print(f"  {line}")
    from geodata.exchange.parents import placeholder_name

    waiting = [c for c, lv, n in report.created if n == placeholder_name(c, lv)]
    if waiting:
        print(f"  请用 --name 编码=名称 或 /import 页面为其命名 / name them with --name CODE=NAME or on /import: "
              f"{', '.join(waiting)}")


def _guessed_layer(path: str) -> str:
    """The layer the file's name says (loaders.readers.guess, as /import preselects it), said aloud so that a
    wrong guess is seen before anything is written; no guess is a usage error naming --layer."""
    from loaders.readers.guess import guess_layer

    layer = guess_layer(Path(path).name)
    if layer is None:
        raise ValueError(f"无法从文件名“{Path(path).name}”判断图层，请用 --layer 指定 / cannot tell the layer from the "
                         f"file name {Path(path).name!r}: give --layer ({', '.join(UNIT_AND_LEDGER_LAYERS)})")
    print(f"按文件名推断图层 / layer guessed from the file name: {LAYERS[layer].zh} ({layer}); "
          f"不对请用 --layer 指定 / use --layer if wrong")
    return layer


def _print_problems(problems, total: int) -> None:
    for p in problems[:200]:
        print(f"  {p}")
    if total > 200:
        print(f"  … 共 {total} 个问题 / {total} problems in all")


# -- export ---------------------------------------------------------------------------------------------------
def cmd_export(args: argparse.Namespace) -> int:
    from loaders.export import export_list, write_layer

    store = _store(args)
    actor = _actor(store, args.as_user)
    try:
        frame = export_list(store, actor, args.layer, scope_code=args.scope, fmt=args.format, on=args.on)
    except Refusal as exc:  # out of scope, an unknown --scope (one answer for both), no person-level right
        print(f"{exc.message_zh} / {exc.message_en}", file=sys.stderr)
        return 1
    out = write_layer(frame, args.layer, args.format, Path(args.out))
    print(f"已导出 / exported {len(frame):,} 行 rows of {args.layer} → {out}")
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD / a date is YYYY-MM-DD: {text!r}") from None


# -- users ----------------------------------------------------------------------------------------------------
def cmd_users(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from geodata.base.vocab import ROLES
    from geodata.people.accounts import create_user, reset_password
    from geodata.store.models import Unit, User

    store = _store(args)
    if args.users_cmd == "list":
        with store.read() as s:
            rows = s.execute(select(User, Unit.code).outerjoin(Unit, Unit.id == User.scope_unit_id)
                             .order_by(User.username)).all()
        for user, code in rows:
            print(f"{user.username:<16} {ROLES[user.role][0]:<10} {code or '-':<24} {user.display_name}")
        return 0
    from geodata.people.accounts import grant, revoke_grant, set_active

    try:
        if args.users_cmd == "grant":
            write(store, Actor.system("cli"), lambda ctx: grant(ctx, args.username, args.kind, reason=args.reason))
            print(f"已授权 / granted {args.kind} to {args.username}")
            return 0
        if args.users_cmd == "revoke-grant":
            write(store, Actor.system("cli"), lambda ctx: revoke_grant(ctx, args.username, args.kind,
                                                                       reason=args.reason))
            print(f"已收回 / revoked {args.kind} from {args.username}")
            return 0
        if args.users_cmd in ("disable", "enable"):
            active = args.users_cmd == "enable"
            write(store, Actor.system("cli"), lambda ctx: set_active(ctx, args.username, active, reason=args.reason))
            print(f"{'已启用 / enabled' if active else '已停用 / disabled'}: {args.username}")
            return 0
        if args.users_cmd == "add":
            write(store, Actor.system("cli"), lambda ctx: create_user(
                ctx, args.username, args.name or args.username, args.role, args.scope, args.password))
            print(f"已创建用户 / user created: {args.username}")
        else:
            write(store, Actor.system("cli"), lambda ctx: reset_password(ctx, args.username, args.password))
            print(f"已重置密码 / password reset: {args.username}")
    except Rejected as rej:
        for p in rej.problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m loaders", description="gridwatch 数据工具 / data tools")
    sub = parser.add_subparsers(dest="cmd", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", help="database URL (default: $DATABASE_URL or data/gridwatch.sqlite)")
        return p

    p = with_db(sub.add_parser("demo", help="生成演示城市 / generate the demo city"))
    p.add_argument("--scale", choices=["street", "district", "city"], default="district")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--if-missing", action="store_true", help="do nothing when the database already has data")
    p.set_defaults(fn=cmd_demo)

    p = with_db(sub.add_parser("check", help="完整性检查 / integrity check (不漏社区、不漏户、不漏人)"))
    p.add_argument("--no-geometry", action="store_true", help="skip the polygon tiling checks (faster)")
    p.set_defaults(fn=cmd_check)

    p = with_db(sub.add_parser("import", help="导入文件 / import a file"))
    p.add_argument("path")
    p.add_argument("--layer",
                   help=f"{', '.join(UNIT_AND_LEDGER_LAYERS)} (also: entrances, residents, quarantine, 网格, 道路 …); "
                        "default: guessed from the file name (红田卡点.xlsx → checkpoints)")
    p.add_argument("--crs", help="source CRS: EPSG:nnnn, wgs84, cgcs2000, gcj02 or bd09")
    p.add_argument("--mapping", help="JSON or TOML file: {\"source header\": \"field\"}")
    p.add_argument("--map", dest="value_maps", action="append", metavar="COLUMN:VALUE=TERM | FILE",
                   help="what a value no vocabulary knows means for this file, e.g. 隔离方式:居家健康监测=自我隔离, or a "
                        "CSV (column,value,term) / JSON / TOML file of such choices; repeatable. Unmapped unknown "
                        "values refuse the import")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.add_argument("--as", dest="as_user", help="act as this user (their scope applies)")
    p.add_argument("--names", help="CSV/XLSX of code,name: names of the ancestors (city, district …) made from "
                                   "the codes of a unit layer imported without its parents")
    p.add_argument("--name", action="append", metavar="CODE=NAME",
                   help="name one ancestor made from codes, e.g. --name 420111=洪山区 (repeatable)")
    p.set_defaults(fn=cmd_import)

    p = with_db(sub.add_parser("export", help="导出图层 / export a layer"))
    p.add_argument("out")
    p.add_argument("--layer", required=True, choices=UNIT_AND_LEDGER_LAYERS)
    p.add_argument("--format", required=True, choices=["geojson", "gpkg", "shp", "csv", "xlsx"])
    p.add_argument("--scope", help="unit code: only what lies under this street/community/grid")
    p.add_argument("--on", type=_date, help="units and buildings: situation and figures of this day "
                                            "(YYYY-MM-DD, default today)")
    p.add_argument("--as", dest="as_user", help="act as this user (their scope and permissions apply)")
    p.set_defaults(fn=cmd_export)

    from loaders.briefing import add_parser as add_briefing

    add_briefing(sub)

    from loaders.care_io import add_parser as add_care

    add_care(sub, _actor, _store)

    from loaders.gate_io import add_parser as add_gate

    add_gate(sub, _actor, _store)  # gate-export / gate-import: entry log and pass register (issue 15)

    from loaders.daily import add_parser as add_daily
    from loaders.followups import add_parser as add_followups

    add_daily(sub)
    add_followups(sub)

    from loaders.screening_io import add_parser as add_screening

    add_screening(sub, _actor, _store)

    from loaders.events_io import add_parser as add_events

    add_events(sub, _actor, _store)  # the event ledger and the patrol log (issue 15)

    p = sub.add_parser("users", help="用户管理 / manage users")
    usub = p.add_subparsers(dest="users_cmd", required=True)
    a = with_db(usub.add_parser("add"))
    a.add_argument("username")
    a.add_argument("--role", required=True, choices=["command", "supervisor", "community_head", "grid_leader",
                                                     "health", "viewer"])
    a.add_argument("--scope", help="unit code of the user's scope (none = whole city)")
    a.add_argument("--name", help="display name")
    a.add_argument("--password", required=True)
    r = with_db(usub.add_parser("reset-password"))
    r.add_argument("username")
    r.add_argument("--password", required=True)
    with_db(usub.add_parser("list"))
    for name, what in (("grant", "grant a right (persons: person-level data for a command/supervisor user)"),
                       ("revoke-grant", "take a right back")):
        g = with_db(usub.add_parser(name, help=what))
        g.add_argument("username")
        g.add_argument("kind", help="persons")
        g.add_argument("--reason")
    for name in ("disable", "enable"):
        d = with_db(usub.add_parser(name, help=f"{name} a sign-in (disabling ends its sessions)"))
        d.add_argument("username")
        d.add_argument("--reason")
    p.set_defaults(fn=cmd_users)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.fn(args)
