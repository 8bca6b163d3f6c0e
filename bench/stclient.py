"""A Streamlit client without a browser: one tab's session over `/_stcore/stream`, for the rush bench and tests.

It speaks the protocol the frontend speaks (streamlit/frontend `WebsocketConnection.tsx`, `App.tsx`):

- the handshake asks for the subprotocol `streamlit` followed by a placeholder auth token (the browser's API
  cannot send headers, so Streamlit passes tokens there), and carries the page's cookies, as a browser sends
  them on the upgrade request — that is how the app sees the `gw_session` cookie (`st.context.cookies`);
- every run is a `BackMsg.rerun_script` (a `ClientState`): the query string, the page (by name on the first
  run, like a deep link; by its script hash afterwards, as the frontend does), the widget states to apply, and
  for a fragment's timer (`st.fragment(run_every=…)`) the fragment id with `is_auto_rerun`;
- a run is over at the `ForwardMsg.script_finished` whose status is not "finished early for a rerun" (a
  `st.rerun()`, `st.switch_page` or a form's rerun after a save start a new run in the same request).

The client keeps what a test or a bench needs from the run's deltas: the text shown (markdown, html, alerts,
headings, metrics, captions), the exceptions, the widgets by id (to fill a form the way the browser does) and
the fragment timers. It never sends cached message hashes, so the server always sends full messages.

Loopback only: `connect` refuses any host that is not 127.x or localhost.
"""
from __future__ import annotations

import asyncio
import ipaddress
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

#: the frontend sends this when the host gives no auth token ("the empty string is an invalid protocol option")
PLACEHOLDER_TOKEN = "PLACEHOLDER_AUTH_TOKEN"
EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
#: the text-bearing fields of an element, read into RunResult.texts
_TEXT_FIELDS = {"markdown": ("body",), "html": ("body",), "alert": ("body",), "heading": ("body",),
                "text": ("body",), "metric": ("label", "body"), "exception": ("type", "message")}


class RefusedHost(ValueError):
    """The bench drives only servers on this machine."""


def check_loopback(url: str) -> None:
    """Refuse any URL whose host is not a loopback address (127.0.0.0/8, ::1) or `localhost`."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise RefusedHost(f"refusing {url!r}: the rush bench drives loopback servers only (127.x, ::1, localhost)")


@dataclass
class RunResult:
    """One page run as the browser would see it: how long it took, what it showed, which widgets it drew."""

    seconds: float
    status: str
    texts: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    widgets: dict[str, Element] = field(default_factory=dict)
    timers: dict[str, float] = field(default_factory=dict)  # fragment id -> seconds
    alerts: list[tuple[str, str]] = field(default_factory=list)  # (ERROR/WARNING/INFO/SUCCESS, text)
    page_not_found: bool = False

    @property
    def ok(self) -> bool:
        return not self.exceptions and not self.page_not_found

    def shown(self, fmt: str) -> list[str]:
        """The texts of the alerts of one kind (`st.error` is ERROR, `st.success` SUCCESS)."""
        return [body for kind, body in self.alerts if kind == fmt]

    def text(self) -> str:
        return "\n".join(self.texts)

    def widget(self, key_suffix: str) -> Element | None:
        """The widget whose id ends with `-{key}` (Streamlit's id for a keyed widget ends with its user key)."""
        for wid, el in self.widgets.items():
            if wid.endswith(f"-{key_suffix}"):
                return el
        return None


def _kind_and_id(el: Element) -> tuple[str | None, str | None]:
    kind = el.WhichOneof("type")
    if kind is None:
        return None, None
    inner = getattr(el, kind)
    return kind, getattr(inner, "id", None) or None


def _collect(el: Element, out: RunResult) -> None:
    kind, wid = _kind_and_id(el)
    if kind in _TEXT_FIELDS:
        inner = getattr(el, kind)
        out.texts.append(" ".join(str(getattr(inner, f)) for f in _TEXT_FIELDS[kind]))
    if kind == "alert":
        out.alerts.append((el.alert.Format.Name(el.alert.format), el.alert.body))
    if kind == "exception":
        out.exceptions.append(f"{el.exception.type}: {el.exception.message}")
    if wid:
        out.widgets[wid] = el
        label = getattr(getattr(el, kind), "label", "")
        if label:
            out.texts.append(label)


def widget_value(el: Element) -> WidgetState | None:
    """The state the browser sends for a widget left as drawn (its value, else its default); None for a
    widget with no value (an empty number input) or a kind this client does not fill."""
    kind, wid = _kind_and_id(el)
    state = WidgetState(id=wid or "")
    if kind == "number_input":
        ni = el.number_input
        value = ni.value if ni.HasField("value") else (ni.default if ni.HasField("default") else None)
        if value is None:
            return None
        if ni.data_type == ni.DataType.INT:
            state.int_value = int(value)
        else:
            state.double_value = float(value)
        return state
    if kind == "text_input":
        ti = el.text_input
        state.string_value = ti.value if ti.HasField("value") else (ti.default if ti.HasField("default") else "")
        return state
    return None


def int_state(widget_id: str, value: int) -> WidgetState:
    return WidgetState(id=widget_id, int_value=int(value))


def string_state(widget_id: str, value: str) -> WidgetState:
    return WidgetState(id=widget_id, string_value=value)


def trigger_state(widget_id: str) -> WidgetState:
    """A button press (a form's submit button included)."""
    return WidgetState(id=widget_id, trigger_value=True)


class StreamlitSession:
    """One browser tab: one WebSocket, one Streamlit session on the process that accepted it.

        async with StreamlitSession("http://127.0.0.1:8501", cookies={"gw_session": token}) as tab:
            run = await tab.open("reports", "code=420106001001")
            run = await tab.rerun(widgets=[...])            # a form submit, a button
            run = await tab.rerun(fragment_id=fid, auto=True)  # a fragment's timer
    """

    def __init__(self, base_url: str, *, cookies: dict[str, str] | None = None, timeout: float = 60.0,
                 origin: bool = False) -> None:
        check_loopback(base_url)
        parts = urlsplit(base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        self.ws_url = f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"
        self.base_url = base_url
        self.cookies = dict(cookies or {})
        self.timeout = timeout
        self.origin = origin
        self.page_hash = ""
        self.query = ""
        self.session_id: str | None = None
        self._ws: Any = None

    async def __aenter__(self) -> "StreamlitSession":
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self._ws = await websockets.connect(
            self.ws_url, subprotocols=["streamlit", PLACEHOLDER_TOKEN], additional_headers=headers,
            origin=self.base_url.rstrip("/") if self.origin else None,
            max_size=None, open_timeout=self.timeout, ping_interval=None, compression=None)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    async def open(self, page: str, query: str = "") -> RunResult:
        """The first run of a tab opened at /{page}?{query} (a deep link: the page by name)."""
        self.query = query
        return await self._run(page_name=page)

    async def goto(self, query: str) -> RunResult:
        """A link within the same page with a new query string (/explore's drill-down)."""
        self.query = query
        return await self._run()

    async def rerun(self, widgets: list[WidgetState] | None = None, *, fragment_id: str = "",
                    auto: bool = False) -> RunResult:
        """A rerun of the current page with these widget states (a button, a form submit) or of one fragment."""
        return await self._run(widgets=widgets, fragment_id=fragment_id, auto=auto)

    async def _run(self, *, page_name: str = "", widgets: list[WidgetState] | None = None,
                   fragment_id: str = "", auto: bool = False) -> RunResult:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_name = page_name  # by name on the first run (a deep link), by its hash afterwards
        cs.page_script_hash = "" if page_name else self.page_hash
        cs.widget_states.CopyFrom(WidgetStates(widgets=widgets or []))
        if fragment_id:
            cs.fragment_id = fragment_id
            cs.is_auto_rerun = auto
        started = time.perf_counter()
        await self._ws.send(msg.SerializeToString())
        result = RunResult(seconds=0.0, status="")
        await asyncio.wait_for(self._read_until_finished(result), self.timeout)
        result.seconds = time.perf_counter() - started
        return result

    async def _read_until_finished(self, result: RunResult) -> None:
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self._ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.session_id = fwd.new_session.initialize.session_id or self.session_id
                self.page_hash = fwd.new_session.page_script_hash or self.page_hash
                # a new run starts: what an earlier run of the same request showed is replaced
                result.texts.clear()
                result.exceptions.clear()
                result.widgets.clear()
                result.alerts.clear()
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                _collect(fwd.delta.new_element, result)
            elif kind == "navigation":
                # with st.navigation the page that ran is named here (new_session names the entry script)
                self.page_hash = fwd.navigation.page_script_hash or self.page_hash
            elif kind == "auto_rerun":
                result.timers[fwd.auto_rerun.fragment_id] = fwd.auto_rerun.interval
            elif kind == "page_info_changed":
                self.query = fwd.page_info_changed.query_string
            elif kind == "page_not_found":
                result.page_not_found = True
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(fwd.script_finished)
                if fwd.script_finished != EARLY:
                    result.status = status
                    return
