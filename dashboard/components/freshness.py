"""Says so on the wall when its numbers are old: the server cannot be reached, or the data has not been refreshed
for two refresh periods. Then the wall shows a banner with the time of the last good update instead of "实时"
beside old numbers (issue 16).

It has to work when the server is DOWN, so it lives in the browser: a small script, added once outside the
refreshing fragment, asks the server's health endpoint every few seconds and watches the stamp the fragment
writes on each refresh (`stamp`). Staleness is measured on the browser's clock (how long since the stamp last
changed), so a wall PC whose clock differs from the server's does not raise a false alarm; the time shown is the
server's own "更新于" time.
"""
from __future__ import annotations

import json

import streamlit as st

from dashboard.i18n import extend, t

extend({
    "fresh.down": ("⚠ 与服务器的连接已中断，以下为 {time} 的数据，请检查网络或服务器",
                   "⚠ Server unreachable: the figures below are from {time}; check the network or the server"),
    "fresh.stale": ("⚠ 数据未按时刷新，以下为 {time} 的数据", "⚠ Data not refreshed: the figures below are from {time}"),
})

#: the element of each refresh that carries its time (`data-gw-time`) and a value that changes every refresh
STAMP_ATTR = "data-gw-updated"
BANNER_ID = "gw-stale-banner"

SCRIPT = """
(function () {
  if (window.gwFreshness) return;  // once per page, whatever the reruns
  var cfg = window.gwFreshness = %(cfg)s;
  var seen = null, changedAt = Date.now(), serverUp = true;
  function stampEl() { return document.querySelector("[" + cfg.attr + "]"); }
  function healthUrl() {  // /wall -> /_stcore/health, /prefix/wall -> /prefix/_stcore/health
    var path = window.location.pathname;
    return path.slice(0, path.lastIndexOf("/") + 1) + "_stcore/health";
  }
  function show(text) {
    var b = document.getElementById(cfg.id);
    var live = document.querySelectorAll(".gw-live");
    for (var i = 0; i < live.length; i++) live[i].style.display = text ? "none" : "";
    if (!text) { if (b) b.remove(); return; }
    if (!b) {
      b = document.createElement("div");
      b.id = cfg.id;
      b.setAttribute("role", "alert");
      b.style.cssText = "position:fixed;top:0;left:0;right:0;z-index:1000010;padding:14px 24px;" +
        "background:#D55E00;color:#fff;font-size:28px;font-weight:800;text-align:center;" +
        "box-shadow:0 2px 12px rgba(0,0,0,.6)";
      document.body.appendChild(b);
    }
    if (b.textContent !== text) b.textContent = text;
  }
  function check() {
    var el = stampEl();
    var value = el ? el.getAttribute(cfg.attr) : null;
    if (value !== seen) { seen = value; changedAt = Date.now(); }
    var time = el ? el.getAttribute("data-gw-time") : "—";
    var stale = Date.now() - changedAt > 2 * cfg.refreshMs;
    if (!serverUp) show(cfg.down.replace("{time}", time));
    else if (stale) show(cfg.stale.replace("{time}", time));
    else show(null);
  }
  function ping() {
    var ctrl = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctrl) ctrl.abort(); }, cfg.pingMs);
    fetch(healthUrl(), {cache: "no-store", signal: ctrl ? ctrl.signal : undefined})
      .then(function (r) { serverUp = r.ok; })
      .catch(function () { serverUp = false; })
      .then(function () { clearTimeout(timer); check(); });
  }
  setInterval(ping, cfg.pingMs);
  setInterval(check, 1000);
})();
"""


def stamp(time_text: str, version: object) -> str:
    """The attribute pair to put on an element the refreshing fragment redraws: the time shown as "更新于", and a
    value that differs on every refresh (the watcher sees the data as fresh while it keeps changing)."""
    from html import escape

    return f'{STAMP_ATTR}="{escape(str(version))}" data-gw-time="{escape(time_text)}"'


def watcher(refresh_seconds: int, lang: str) -> None:
    """Add the watching script to the page (call it once per run, outside the refreshing fragment)."""
    cfg = {"attr": STAMP_ATTR, "id": BANNER_ID, "refreshMs": int(refresh_seconds) * 1000,
           "pingMs": max(2000, min(10_000, int(refresh_seconds) * 500)),
           "down": t("fresh.down", lang), "stale": t("fresh.stale", lang)}
    st.html(f"<script>{SCRIPT % {'cfg': json.dumps(cfg, ensure_ascii=False)}}</script>",
            unsafe_allow_javascript=True, width="content")
