"""The 16:00 rush: community heads submitting their daily reports while the wall refreshes and others browse,
driven as real Streamlit sessions over the WebSocket (bench/stclient.py), on 1, 2 and N server processes.

    python -m bench rush --small                  # 5 heads, 2 browsing, 1 wall, on 1 and 2 processes (~2 min)
    python -m bench rush                          # every community head of the database (≤ 1500), 50 browsing
    python -m bench rush --processes 1,2,4 --heads 200 --browsers 50 --via nginx
    python -m bench rush --url http://127.0.0.1:8501   # an already running server (make serve), as it is

What one simulated person does, as the browser would:
- a community head opens /reports (WebSocket + first run), reads for a few seconds, submits the daily report
  form with every field as drawn and one supplies figure set to this run's marker (the form's widget states
  and its submit button in one rerun, as the browser sends them), and waits for the "submitted" message;
- the wall (`wall` role, /wall?kiosk=1) reruns its fragment on its timer (`is_auto_rerun`), like the browser's
  `st.fragment(run_every=…)` timer;
- the others (command-centre accounts) open /explore at the city and drill down to a grid, one click every
  10–30 s: into a child of the unit in view, sometimes up a level, from a grid back to the city (`next_unit`).

Heads arrive at `--rate` a minute (the goal: 1,500 within 15 minutes = 100/min). Each person gets a session
token opened directly in the database (one row per person through geodata's write path, as geodata.people.sessions
does after the password check; the password check itself is argon2 and not part of the rush) and sends it as
the `gw_session` cookie on the WebSocket handshake, which is where the app reads it. Accounts are `rush-*`
users created once (one shared password hash) and kept.

Printed per process count: page runs a minute, p50/p95/max per page, errors, reports acknowledged / stored /
lost / duplicated (counted in the database afterwards: one row per community and day, carrying the marker),
and the servers' RSS (psutil, every worker with its children; the peak of the sum and per process).

Bounded: at most MAX_HEADS heads, MAX_BROWSERS browsers, MAX_SECONDS per process count; loopback servers only.
Servers are started from this checkout: `--via direct` starts the workers and pins each person to one
(round-robin: what the proxy's sticky hash does), `--via nginx` runs scripts/serve_multi.sh (the
`make serve` set-up) and goes through nginx. Default: nginx when installed, else direct.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import psutil
from sqlalchemy import select
from sqlalchemy.orm import aliased

from bench.stclient import (
    RunResult,
    StreamlitSession,
    check_loopback,
    int_state,
    string_state,
    trigger_state,
    widget_value,
)
from geodata.base.vocab import Level
from geodata.people.sessions import SessionPolicy, token_hash
from geodata.reporting.reports import FIGURES
from geodata.store.auth_models import AuthSession
from geodata.store.db import Store, open_store
from geodata.store.models import DailyReport, Unit, User, utcnow
from geodata.store.writes import Actor, WriteContext, write

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/gridwatch"
MAX_HEADS, MAX_BROWSERS, MAX_WALLS, MAX_PROCESSES, MAX_SECONDS = 3000, 200, 10, 16, 3600
PREFIX = "rush-"
BROWSE_USER, WALL_USER = f"{PREFIX}command", f"{PREFIX}wall"
#: the supplies figure the bench types (an "entered" figure, typed with a reason: derived from a supplies ledger)
MARKED = next(f.key for f in FIGURES if f.source == "entered")
START_TIMEOUT_S = 120


@dataclass(frozen=True)
class Plan:
    heads: int
    browsers: int
    walls: int
    rate_per_min: float
    think: tuple[float, float]  # seconds between the form showing and the submit
    browse_every: tuple[float, float]
    wall_every: float | None  # None: the interval the page's timer asks for
    max_seconds: float
    timeout: float = 60.0  # one page run
    browse: str = "drill"  # "drill": click through the levels (next_unit); "jump": to any unit at random


FULL = Plan(heads=1500, browsers=50, walls=1, rate_per_min=100, think=(5, 20), browse_every=(10, 30),
            wall_every=None, max_seconds=1800)
SMALL = Plan(heads=5, browsers=2, walls=1, rate_per_min=60, think=(1, 3), browse_every=(2, 4), wall_every=4,
             max_seconds=120)


# --- accounts and sessions ---------------------------------------------------------------------------------
def communities(store: Store, limit: int) -> list[str]:
    with store.read() as s:
        return list(s.execute(select(Unit.code).where(Unit.level == int(Level.COMMUNITY))
                              .order_by(Unit.code).limit(limit)).scalars())


@dataclass(frozen=True)
class Tree:
    """Where a browsing person can go: the city, and each unit's children down to the grids."""
    root: str
    children: dict[str, list[str]]
    parent: dict[str, str]


def units_to_browse(store: Store) -> Tree:
    """The city and its districts, streets, communities and grids, as parent → children."""
    parent = aliased(Unit)
    with store.read() as s:
        root = s.execute(select(Unit.code).where(Unit.parent_id.is_(None)).order_by(Unit.id)).scalars().first()
        rows = s.execute(select(Unit.code, parent.code).join(parent, parent.id == Unit.parent_id).where(
            Unit.level.between(int(Level.DISTRICT), int(Level.GRID))).order_by(Unit.code)).all()
    children: dict[str, list[str]] = defaultdict(list)
    for code, up in rows:
        children[up].append(code)
    return Tree(root=root, children=dict(children), parent={code: up for code, up in rows})


def next_unit(tree: Tree, here: str, rng: random.Random) -> str:
    """Where a browsing person goes next, as people use /explore: into one of the children of the unit in view
    (a click on the map or the table) four times in five, else up one level (the breadcrumb); from a grid, back
    to the city (the breadcrumb's first link)."""
    kids = tree.children.get(here)
    if not kids:
        return tree.root
    if here != tree.root and rng.random() < 0.2:
        return tree.parent.get(here, tree.root)
    return rng.choice(kids)


def ensure_accounts(store: Store, heads: list[str]) -> None:
    """The bench's own users (created once, kept): a community head per community, a command-centre account
    for browsing and a wall account. One shared argon2 hash: hashing 1,500 passwords would take minutes."""
    from geodata.people.accounts import hash_password

    with store.read() as s:
        root = s.execute(select(Unit).where(Unit.level == int(Level.CITY))).scalars().first()
        have = set(s.execute(select(User.username).where(User.username.like(f"{PREFIX}%"))).scalars())
        by_code = {u.code: u for u in s.execute(select(Unit).where(Unit.code.in_(heads))).scalars()}
    wanted = [(f"{PREFIX}head-{c}", f"rush {c}", "community_head", by_code[c]) for c in heads]
    wanted += [(BROWSE_USER, "rush command", "command", root), (WALL_USER, "rush wall", "viewer", root)]
    missing = [w for w in wanted if w[0] not in have]
    if not missing:
        return
    shared = hash_password(secrets.token_urlsafe(16))  # nobody signs in with it: sessions are opened below

    def create(ctx: WriteContext) -> None:
        for username, name, role, unit in missing:
            ctx.session.add(User(username=username, display_name=name, role=role, scope_unit_id=unit.id,
                                 password_hash=shared))
            ctx.record("user.create", "user", username, path=unit.path,
                       new={"role": role, "scope": unit.code, "display_name": name}, reason="rush bench account")

    write(store, Actor.system("bench-rush"), create)


def open_sessions(store: Store, usernames: list[str]) -> list[str]:
    """A signed-in session per entry (a name may repeat: one person, several tabs), opened the way
    geodata.people.sessions.sign_in does after the password check; returns the tokens in the same order."""
    tokens = [secrets.token_urlsafe(32) for _ in usernames]
    now = utcnow()

    def open_all(ctx: WriteContext) -> None:
        users = {u.username: u for u in ctx.session.execute(
            select(User).where(User.username.in_(set(usernames)))).scalars()}
        for name, token in zip(usernames, tokens, strict=True):
            user = users[name]
            expires = now + SessionPolicy.for_role(user.role).absolute
            ctx.session.add(AuthSession(token_hash=token_hash(token), user_id=user.id, username=name,
                                        created_at=now, expires_at=expires, last_seen=now))
            ctx.record("user.sign_in", "user", name, new={"role": user.role, "expires_at": expires},
                       reason="rush bench session")

    write(store, Actor.system("bench-rush"), open_all)
    return tokens


# --- servers -----------------------------------------------------------------------------------------------
def free_ports(n: int) -> int:
    """The first of `n` consecutive free loopback ports."""
    for _ in range(50):
        base = random.randint(20000, 60000 - n)
        ok = True
        for port in range(base, base + n):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free port range on 127.0.0.1")


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server process exited ({proc.returncode}) before {url} answered")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")


def stop_all(procs: list[subprocess.Popen]) -> None:
    """TERM every process group at once (a Streamlit takes seconds to stop), then wait; KILL what hangs."""
    running = [p for p in procs if p.poll() is None]
    for proc in running:
        os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    for proc in running:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@dataclass
class Servers:
    """Where the simulated people connect: worker URLs (direct) or one proxy URL (nginx, existing)."""

    via: str
    worker_urls: list[str]
    proxy_url: str | None = None
    procs: list[subprocess.Popen] = field(default_factory=list)
    external: bool = False

    def url_for(self, i: int) -> str:
        return self.proxy_url or self.worker_urls[i % len(self.worker_urls)]

    def cookies_for(self, i: int) -> dict[str, str]:
        # through nginx, the route cookie a browser would have been given on its first request
        return {"gw_route": f"rush{i:06d}{secrets.token_hex(6)}"} if self.proxy_url else {}

    def worker_processes(self) -> list[psutil.Process]:
        if self.external:
            return [p for p in psutil.process_iter(["cmdline"])
                    if "streamlit" in " ".join(p.info["cmdline"] or []) and
                    "dashboard/server.py" in " ".join(p.info["cmdline"] or [])]
        out = []
        for proc in self.procs:
            try:
                root = psutil.Process(proc.pid)
                out += [p for p in [root, *root.children(recursive=True)]
                        if "streamlit" in " ".join(p.cmdline())]
            except psutil.Error:
                pass
        return out


def _env(db_url: str) -> dict[str, str]:
    pythonpath = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": pythonpath, "DATABASE_URL": db_url}


@contextmanager
def start_servers(n: int, db_url: str, via: str, log_dir: Path) -> Iterator[Servers]:
    """`n` Streamlit workers on this checkout (the command of `make run`), directly or behind nginx."""
    n = max(1, min(n, MAX_PROCESSES))
    base = free_ports(n + 1)
    servers = Servers(via=via, worker_urls=[f"http://127.0.0.1:{base + 1 + i}" for i in range(n)])
    try:
        if via == "nginx":
            log = (log_dir / f"serve-{n}.log").open("w")
            env = {**_env(db_url), "WORKERS": str(n), "PORT": str(base), "WORKER_PORT": str(base + 1),
                   "SERVE_SETUP_DB": "0", "PYTHON": sys.executable}
            proc = subprocess.Popen(["bash", str(REPO / "scripts" / "serve_multi.sh")], cwd=REPO, env=env,
                                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
            servers.procs.append(proc)
            servers.proxy_url = f"http://127.0.0.1:{base}"
            wait_healthy(servers.proxy_url, proc)
        else:
            for i, url in enumerate(servers.worker_urls):
                log = (log_dir / f"worker-{n}-{i}.log").open("w")
                proc = subprocess.Popen(
                    [sys.executable, "-m", "streamlit", "run", "dashboard/server.py", "--server.address",
                     "127.0.0.1", "--server.port", url.rsplit(":", 1)[1]],
                    cwd=REPO, env=_env(db_url), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    start_new_session=True)
                servers.procs.append(proc)
            for url, proc in zip(servers.worker_urls, servers.procs, strict=True):
                wait_healthy(url, proc)
        yield servers
    finally:
        stop_all(servers.procs)


# --- the simulated people ------------------------------------------------------------------------------------
@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    acknowledged: dict[str, int] = field(default_factory=dict)  # community code -> marker
    attempted: set[str] = field(default_factory=set)
    started: float = field(default_factory=time.monotonic)
    #: (seconds since the start when the page answered, its time): does the wait grow as the rush goes on?
    timeline: list[tuple[float, float]] = field(default_factory=list)

    def page(self, label: str, seconds: float, run: RunResult | None = None) -> None:
        self.times[label].append(seconds)
        self.timeline.append((time.monotonic() - self.started, seconds))
        if run is not None and not run.ok:
            # the message is redacted (client.showErrorDetails = "type"): the type says what went wrong
            self.error(label, "; ".join(e.split(":", 1)[0] for e in run.exceptions) or "page not found")

    def error(self, label: str, what: str) -> None:
        self.errors[label].append(what[:300])

    @property
    def runs(self) -> int:
        return sum(len(v) for v in self.times.values())

    @property
    def error_count(self) -> int:
        return sum(len(v) for v in self.errors.values())


def report_widgets(run: RunResult, marker: int) -> list | None:
    """The report form's widget states as the browser sends them on submit: every field as drawn, the marked
    supplies figure set to `marker` with a reason (where the community keeps a supplies ledger the figure is
    derived from it, and a different value is a correction), the submit button pressed. None when the page shows
    no report form."""
    form = [(wid, el) for wid, el in run.widgets.items()
            if getattr(getattr(el, el.WhichOneof("type")), "form_id", "").startswith("daily-report-")]
    submit = next((wid for wid, el in form if el.WhichOneof("type") == "button" and el.button.is_form_submitter),
                  None)
    if submit is None:
        return None
    states = []
    for wid, el in form:
        if wid == submit:
            continue
        if wid.endswith(f"-{MARKED}"):
            states.append(int_state(wid, marker))
        elif wid.endswith("-reason"):  # the marked figure may differ from the supplies ledger: a correction
            states.append(string_state(wid, "压测标记 / rush bench marker"))
        elif el.WhichOneof("type") == "text_input":
            states.append(string_state(wid, ""))
        elif (state := widget_value(el)) is not None:
            states.append(state)
    return [*states, trigger_state(submit)]


def failure(exc: BaseException, plan: Plan) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {plan.timeout:.0f} s"
    return f"{type(exc).__name__}: {exc}"


async def _open(tab: StreamlitSession, tally: Tally, label: str, page: str, query: str = "") -> RunResult:
    """Open a tab: WebSocket handshake and first run, timed together (what a person waits for)."""
    started = time.perf_counter()
    await tab.connect()
    run = await tab.open(page, query)
    tally.page(label, time.perf_counter() - started, run)
    return run


async def head(servers: Servers, i: int, code: str, token: str, at: float, plan: Plan, marker: int,
               tally: Tally, rng: random.Random) -> None:
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    tab = StreamlitSession(servers.url_for(i), cookies={"gw_session": token, **servers.cookies_for(i)},
                           timeout=plan.timeout)
    try:
        run = await _open(tab, tally, "reports", "reports")
        if not run.ok:
            return  # counted as an error of the page
        widgets = report_widgets(run, marker)
        if widgets is None:
            tally.error("reports:submit", f"{code}: no report form on /reports")
            return
        await asyncio.sleep(rng.uniform(*plan.think))
        tally.attempted.add(code)
        run = await tab.rerun(widgets)
        tally.page("reports:submit", run.seconds, run)
        refused = run.shown("ERROR")
        if refused:
            tally.error("reports:submit", f"{code}: {refused[0]}")
        elif run.ok and run.shown("SUCCESS"):
            tally.acknowledged[code] = marker
        elif run.ok:
            tally.error("reports:submit", f"{code}: no confirmation shown")
    except Exception as exc:  # noqa: BLE001 — a timeout or a dropped connection is a result, not a crash
        tally.error("reports", f"{code}: {failure(exc, plan)}")
    finally:
        await tab.close()


async def wall(servers: Servers, i: int, token: str, plan: Plan, tally: Tally, stop: asyncio.Event) -> None:
    tab = StreamlitSession(servers.url_for(i), cookies={"gw_session": token, **servers.cookies_for(i)},
                           timeout=plan.timeout)
    try:
        run = await _open(tab, tally, "wall", "wall", "kiosk=1")
        if not run.timers:
            tally.error("wall", "the wall page set no refresh timer")
            return
        fragment, interval = next(iter(run.timers.items()))
        every = plan.wall_every or interval
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), every)
                break
            except TimeoutError:
                pass
            run = await tab.rerun(fragment_id=fragment, auto=True)
            tally.page("wall:refresh", run.seconds, run)
    except Exception as exc:  # noqa: BLE001
        tally.error("wall", failure(exc, plan))
    finally:
        await tab.close()


async def browser(servers: Servers, i: int, token: str, tree: Tree, plan: Plan, tally: Tally,
                  stop: asyncio.Event, rng: random.Random) -> None:
    tab = StreamlitSession(servers.url_for(i), cookies={"gw_session": token, **servers.cookies_for(i)},
                           timeout=plan.timeout)
    try:
        await _open(tab, tally, "explore", "explore")
        here = tree.root
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), rng.uniform(*plan.browse_every))
                break
            except TimeoutError:
                pass
            here = next_unit(tree, here, rng) if plan.browse == "drill" else rng.choice(list(tree.parent))
            run = await tab.goto(f"code={here}")
            tally.page("explore:drill", run.seconds, run)
    except Exception as exc:  # noqa: BLE001
        tally.error("explore", failure(exc, plan))
    finally:
        await tab.close()


class RssSampler:
    """The servers' memory every second: the peak of the sum over the workers, and each worker's peak."""

    def __init__(self, servers: Servers) -> None:
        self.servers = servers
        self.peak_total = 0
        self.peak_each: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self) -> None:
        total = 0
        for p in self.servers.worker_processes():
            try:
                rss = p.memory_info().rss
            except psutil.Error:
                continue
            total += rss
            self.peak_each[p.pid] = max(self.peak_each.get(p.pid, 0), rss)
        self.peak_total = max(self.peak_total, total)

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            self.sample()

    def __enter__(self) -> "RssSampler":
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


@dataclass
class Outcome:
    processes: int
    via: str
    seconds: float
    tally: Tally
    stored: int  # communities whose report carries what this run typed
    lost: list[str]
    duplicated: int
    rss_peak_mb: float
    rss_each_mb: list[float]

    @property
    def per_minute(self) -> float:
        return self.tally.runs / self.seconds * 60 if self.seconds else 0.0


def check_reports(store: Store, tally: Tally, on: dt.date, marker: int) -> tuple[int, list[str], int]:
    """(communities whose report of `on` carries this run's marker — stored —, the acknowledged ones whose
    report does not — lost —, rows beyond one per community and day — duplicated)."""
    codes = sorted(tally.attempted)
    with store.read() as s:
        rows = s.execute(select(Unit.code, DailyReport.figures).join(Unit, Unit.id == DailyReport.community_id)
                         .where(DailyReport.report_date == on, Unit.code.in_(codes))).all()
    per: dict[str, list[dict]] = defaultdict(list)
    for code, figures in rows:
        per[code].append(figures or {})

    def marked(code: str) -> bool:
        return any((f.get("values") or {}).get(MARKED) == marker for f in per.get(code, []))

    duplicated = sum(len(v) - 1 for v in per.values() if len(v) > 1)
    lost = [code for code in tally.acknowledged if not marked(code)]
    return sum(1 for code in codes if marked(code)), lost, duplicated


async def _warm(servers: Servers, tokens: dict[str, str], root: str) -> None:
    """One untimed visit of each page on every worker: the rush starts on warm servers, as at 16:00."""
    for i, url in enumerate(servers.worker_urls):
        for page, query, who in (("reports", "", "head"), ("wall", "kiosk=1", "wall"),
                                 ("explore", f"code={root}", "browse")):
            async with StreamlitSession(url, cookies={"gw_session": tokens[who]}, timeout=120) as tab:
                await tab.open(page, query)


async def _progress(tally: Tally, t0: float, stop: asyncio.Event, every: float = 30.0) -> None:
    while True:
        try:
            await asyncio.wait_for(stop.wait(), every)
            return
        except TimeoutError:
            print(f"     … {time.monotonic() - t0:.0f} s: {tally.runs} runs, {tally.error_count} errors, "
                  f"{len(tally.acknowledged)} reports acknowledged", flush=True)


async def rush(servers: Servers, store: Store, plan: Plan, heads: list[str], seed: int = 0, *,
               warm: bool = True, progress: bool = False) -> Outcome:
    """One rush on running servers; returns what it measured. `warm`: visit each page on every worker
    first, untimed; `progress`: a line every 30 s."""
    rng = random.Random(seed)
    tree = units_to_browse(store)
    names = ([f"{PREFIX}head-{c}" for c in heads] + [BROWSE_USER] * plan.browsers + [WALL_USER] * plan.walls
             + [f"{PREFIX}head-{heads[0]}", WALL_USER, BROWSE_USER])
    tokens = open_sessions(store, names)
    head_tokens = tokens[:len(heads)]
    browse_tokens = tokens[len(heads):len(heads) + plan.browsers]
    wall_tokens = tokens[len(heads) + plan.browsers:len(heads) + plan.browsers + plan.walls]
    if warm:
        await _warm(servers, dict(zip(("head", "wall", "browse"), tokens[-3:], strict=True)), tree.root)

    tally = Tally()
    marker = rng.randint(100_000, 999_999)
    stop = asyncio.Event()
    t0 = tally.started = time.monotonic()
    gap = 60.0 / plan.rate_per_min
    with RssSampler(servers) as rss:
        others = [asyncio.create_task(wall(servers, 10_000 + i, t, plan, tally, stop))
                  for i, t in enumerate(wall_tokens)]
        if progress:
            others.append(asyncio.create_task(_progress(tally, t0, stop)))
        others += [asyncio.create_task(browser(servers, 20_000 + i, t, tree, plan, tally, stop,
                                               random.Random(seed * 1000 + i)))
                   for i, t in enumerate(browse_tokens)]
        heads_done = asyncio.gather(*[
            head(servers, i, code, token, t0 + i * gap, plan, marker, tally, random.Random(seed * 7919 + i))
            for i, (code, token) in enumerate(zip(heads, head_tokens, strict=True))])
        try:
            await asyncio.wait_for(heads_done, plan.max_seconds)
        except TimeoutError:
            tally.error("rush", f"stopped at the time limit ({plan.max_seconds:.0f} s)")
        stop.set()
        await asyncio.wait(others, timeout=plan.timeout + 5)
        for task in others:
            task.cancel()
        seconds = time.monotonic() - t0
    stored, lost, duplicated = check_reports(store, tally, dt.date.today(), marker)
    processes = len(rss.peak_each) if servers.external else len(servers.worker_urls)
    return Outcome(processes=processes, via=servers.via, seconds=seconds, tally=tally,
                   stored=stored, lost=lost, duplicated=duplicated, rss_peak_mb=rss.peak_total / 2**20,
                   rss_each_mb=[v / 2**20 for v in rss.peak_each.values()])


# --- printing ----------------------------------------------------------------------------------------------
def _pct(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def print_outcome(o: Outcome) -> None:
    t = o.tally
    print(f"  -- {o.processes} process{'es' if o.processes > 1 else ''} ({o.via}): {t.runs} page runs in "
          f"{o.seconds:.1f} s = {o.per_minute:.0f} runs/min")
    print(f"     {'page':<16}{'n':>6}{'p50 s':>8}{'p95 s':>8}{'max s':>8}")
    for label in sorted(t.times):
        v = t.times[label]
        print(f"     {label:<16}{len(v):>6}{_pct(v, 50):>8.2f}{_pct(v, 95):>8.2f}{max(v):>8.2f}")
    print_timeline(t)
    print(f"     errors {t.error_count}" + "".join(f"; {k} {len(v)}" for k, v in sorted(t.errors.items())))
    for label, msgs in sorted(t.errors.items()):
        for msg in msgs[:3]:
            print(f"       {label}: {msg}")
    print(f"     reports: {len(t.attempted)} submitted, {len(t.acknowledged)} acknowledged, {o.stored} stored with "
          f"this run's figures, lost {len(o.lost)}, duplicated {o.duplicated}")
    each = ", ".join(f"{v:.0f}" for v in sorted(o.rss_each_mb))
    print(f"     server RSS peak {o.rss_peak_mb:.0f} MB in all (per process: {each} MB)")


def print_timeline(t: Tally, windows: int = 6) -> None:
    """p95 of every page run by stretch of the rush: a queue that builds shows as a rising line."""
    if len(t.timeline) < 2 * windows:
        return
    end = max(at for at, _ in t.timeline)
    width = end / windows
    cells = []
    for w in range(windows):
        v = [s for at, s in t.timeline if w * width <= at < (w + 1) * width or (w == windows - 1 and at == end)]
        cells.append(f"{w * width / 60:.0f}-{(w + 1) * width / 60:.0f} min {_pct(v, 95):.1f} s" if v else "-")
    print("     p95 of all pages by stretch: " + "; ".join(cells))


def print_summary(outcomes: list[Outcome]) -> None:
    print("  -- summary")
    print(f"     {'processes':<10}{'runs/min':>10}{'p95 open':>10}{'p95 submit':>12}{'p95 all':>9}{'errors':>8}"
          f"{'lost':>6}{'dup':>5}{'RSS MB':>8}")
    for o in outcomes:
        t = o.tally
        opens = t.times.get("reports", []) + t.times.get("explore", []) + t.times.get("wall", [])
        every = [x for v in t.times.values() for x in v]
        sub = t.times.get("reports:submit", [])
        print(f"     {o.processes:<10}{o.per_minute:>10.0f}{_pct(opens, 95) if opens else float('nan'):>10.2f}"
              f"{_pct(sub, 95) if sub else float('nan'):>12.2f}{_pct(every, 95) if every else float('nan'):>9.2f}"
              f"{t.error_count:>8}{len(o.lost):>6}{o.duplicated:>5}{o.rss_peak_mb:>8.0f}")


# --- command line ------------------------------------------------------------------------------------------
def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench rush", description=__doc__.split("\n\n")[0])
    p.add_argument("--small", action="store_true", help="a short run: 5 heads, 2 browsing, 1 and 2 processes")
    p.add_argument("--db", default=os.environ.get("DATABASE_URL") or DEFAULT_DB,
                   help="PostgreSQL URL (default: $DATABASE_URL, else the `make serve` database)")
    p.add_argument("--processes", help="process counts to measure, e.g. 1,2,4 (default 1,2,N; --small 1,2)")
    p.add_argument("--via", choices=["nginx", "direct"], help="through nginx (scripts/serve_multi.sh) or not")
    p.add_argument("--url", help="drive this running server instead of starting workers (loopback only)")
    p.add_argument("--heads", type=int)
    p.add_argument("--browsers", type=int)
    p.add_argument("--walls", type=int)
    p.add_argument("--rate", type=float, help="heads arriving per minute")
    p.add_argument("--max-seconds", type=float)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--browse", choices=["drill", "jump"], default="drill",
                   help="browsers click through the levels from the city (drill) or jump to random units (jump)")
    return p.parse_args(argv)


def plan_from(args: argparse.Namespace) -> Plan:
    plan = SMALL if args.small else FULL
    return replace(
        plan,
        heads=min(args.heads or plan.heads, MAX_HEADS),
        browsers=min(plan.browsers if args.browsers is None else args.browsers, MAX_BROWSERS),
        walls=min(plan.walls if args.walls is None else args.walls, MAX_WALLS),
        rate_per_min=args.rate or plan.rate_per_min,
        max_seconds=min(args.max_seconds or plan.max_seconds, MAX_SECONDS), browse=args.browse)


def main(argv: list[str]) -> int:
    args = parse(argv)
    plan = plan_from(args)
    if not args.db.startswith("postgresql"):
        print(f"  skipped: the rush needs PostgreSQL (several processes on one database), not {args.db}")
        return 0
    if args.url:
        check_loopback(args.url)
    try:
        store = open_store(args.db)
    except Exception as exc:  # noqa: BLE001 — no server: say so, do not fail `make bench`
        print(f"  skipped: cannot open {args.db}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        return 0
    heads = communities(store, plan.heads)
    if not heads:
        print(f"  skipped: {args.db} has no communities (make serve loads the demo)")
        return 0
    ensure_accounts(store, heads)
    n_cpu = os.cpu_count() or 2
    counts = ([int(x) for x in args.processes.split(",")] if args.processes
              else ([1, 2] if args.small else sorted({1, 2, int(os.environ.get("WORKERS", n_cpu + 1))})))
    via = args.via or ("nginx" if shutil.which("nginx") or Path("/usr/sbin/nginx").exists() else "direct")
    print(f"  database {store}; {len(heads)} heads at {plan.rate_per_min:.0f}/min, {plan.browsers} browsing "
          f"({plan.browse}), {plan.walls} wall(s); {n_cpu} cores; load average {os.getloadavg()[0]:.1f}")
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="gridwatch-rush-") as tmp:
        if args.url:
            servers = Servers(via="existing", worker_urls=[args.url], proxy_url=args.url, external=True)
            outcomes.append(asyncio.run(rush(servers, store, plan, heads, args.seed, progress=True)))
            print_outcome(outcomes[-1])
        else:
            for n in counts:
                with start_servers(n, args.db, via, Path(tmp)) as servers:
                    outcomes.append(asyncio.run(rush(servers, store, plan, heads, args.seed + n,
                                                          progress=True)))
                print_outcome(outcomes[-1])
    print_summary(outcomes)
    store.dispose()
    bad = any(o.lost or o.duplicated for o in outcomes)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
