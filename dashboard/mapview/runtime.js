// gridwatch map runtime: defined once per page, used by every layer the mapview package emits.
// Rule: data reaches the page only as text. Tooltips and labels set names, codes, addresses and phone
// numbers with textContent; the one innerHTML (the legend) receives HTML escaped in Python (legend.py).
// So a name like <img src=x onerror=...> is shown as those characters and never runs.
(function () {
  if (window.GW) return;
  var GW = (window.GW = {});
  var MISSING = "\u2014";

  GW.css = function (text) {
    if (document.getElementById("gw-css")) return;
    var s = document.createElement("style");
    s.id = "gw-css";
    s.textContent = text;
    document.head.appendChild(s);
  };

  function blank(v) {
    return v === null || v === undefined || v === "" || (typeof v === "number" && v !== v);
  }
  function num(v) {
    return blank(v) ? MISSING : Number(v).toLocaleString("zh-CN");
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  GW.num = num;

  // Tooltip content as a DOM element (streamlit-folium reads its innerText on click).
  // spec: {badges: [[prop, table]], sub: prop, rows: [[label, [[src, idx, prefix], ...], sumFirst]],
  //        flag: [prop, text]}; src "v" = numbers array, "x" = texts array.
  GW.tip = function (p, spec) {
    var root = el("div", "gw-tipbox");
    var title = el("div", "gw-t", blank(p.n) ? MISSING : String(p.n));
    if (!blank(p.code)) title.appendChild(el("span", "gw-code", String(p.code)));
    root.appendChild(title);
    var badges = spec.badges || [];
    if (badges.length) {
      var line = el("div", "gw-badges");
      for (var i = 0; i < badges.length; i++) {
        var entry = badges[i][1][p[badges[i][0]]];
        if (!entry) continue;
        var b = el("span", "gw-badge");
        if (entry[1]) {
          var dot = el("span", "gw-dot");
          dot.style.background = entry[1];
          b.appendChild(dot);
        }
        b.appendChild(document.createTextNode(entry[0]));
        line.appendChild(b);
      }
      root.appendChild(line);
    }
    if (spec.sub && !blank(p[spec.sub])) root.appendChild(el("div", "gw-sub", String(p[spec.sub])));
    if (spec.flag && p[spec.flag[0]]) root.appendChild(el("div", "gw-warn", spec.flag[1]));
    var table = el("table");
    var rows = spec.rows || [];
    for (var r = 0; r < rows.length; r++) {
      var parts = [], sum = null, any = false;
      var fields = rows[r][1];
      for (var j = 0; j < fields.length; j++) {
        var src = p[fields[j][0]] || [];
        var v = src[fields[j][1]];
        if (!blank(v)) any = true;
        if (fields[j][0] === "v" && !blank(v)) sum = (sum || 0) + Number(v);
        var shown = fields[j][0] === "v" ? num(v) : blank(v) ? MISSING : String(v);
        parts.push(fields[j][2] ? fields[j][2] + " " + shown : shown);
      }
      if (!any && rows[r][3]) continue; // optional row with nothing to show
      var text = rows[r][2] ? num(sum) + (any ? "\uff08" + parts.join(" \u00b7 ") + "\uff09" : "") : parts.join(" \u00b7 ");
      var tr = el("tr");
      tr.appendChild(el("td", "gw-l", rows[r][0]));
      tr.appendChild(el("td", "gw-v", text));
      table.appendChild(tr);
    }
    root.appendChild(table);
    return root;
  };

  // A diamond-shaped canvas marker: checkpoints must not look like buildings (circles).
  GW.Diamond = L.CircleMarker.extend({
    _updatePath: function () {
      var r = this._renderer;
      if (!r._ctx) return r._updateCircle(this); // SVG renderer: fall back to a circle
      if (!r._drawing || this._empty()) return;
      var p = this._point, s = Math.max(Math.round(this._radius), 1), ctx = r._ctx;
      ctx.beginPath();
      ctx.moveTo(p.x, p.y - s);
      ctx.lineTo(p.x + s, p.y);
      ctx.lineTo(p.x, p.y + s);
      ctx.lineTo(p.x - s, p.y);
      ctx.closePath();
      r._fillStroke(ctx, this);
    },
  });

  // Packed polygons (geojson.py) back to GeoJSON: integer coordinates of 1/s degree, each ring's first
  // point relative to the origin o, then deltas; rings closed again here.
  GW.unpack = function (d) {
    if (!d.f) return d;
    var ox = d.o[0], oy = d.o[1], s = d.s, out = new Array(d.f.length);
    function ring(a) {
      var n = a.length / 2, r = new Array(n + 1), x = ox, y = oy;
      for (var i = 0; i < n; i++) {
        x += a[2 * i];
        y += a[2 * i + 1];
        r[i] = [x / s, y / s];
      }
      r[n] = r[0];
      return r;
    }
    function poly(p) {
      return p.map(ring);
    }
    for (var i = 0; i < d.f.length; i++) {
      var g = d.f[i][0], geom;
      if (g[0] === 1) geom = { type: "Point", coordinates: [(ox + g[1][0]) / s, (oy + g[1][1]) / s] };
      else if (g[0] === 6) geom = { type: "MultiPolygon", coordinates: g[1].map(poly) };
      else geom = { type: "Polygon", coordinates: poly(g[1]) };
      out[i] = { type: "Feature", geometry: geom, properties: d.f[i][1] };
    }
    return { type: "FeatureCollection", features: out };
  };

  GW.pane = function (map, name, zIndex) {
    var pane = map.getPane(name) || map.createPane(name);
    pane.style.zIndex = zIndex;
    pane.style.pointerEvents = "none";
    return pane;
  };

  // One GeoJSON layer: styles by class index p.k, optional dashed overlay for p.m (report missing),
  // optional point markers, tooltip and hover highlight. Returns an L.GeoJSON (a FeatureGroup), so
  // streamlit-folium's click handler sees e.layer = the feature and reports its GeoJSON.
  GW.layer = function (data, o) {
    var S = o.styles;
    var opts = {
      style: function (f) {
        var p = f.properties, s = S[p.k] || S[0];
        return p.m && o.missing ? L.extend({}, s, o.missing) : s;
      },
      interactive: o.interactive !== false,
    };
    if (o.pane) {
      opts.pane = o.pane;
      opts.renderer = L.canvas({ pane: o.pane });
    }
    if (o.marker) {
      var Marker = o.marker === "diamond" ? GW.Diamond : L.CircleMarker;
      opts.pointToLayer = function (f, ll) {
        var p = f.properties;
        return new Marker(ll, { radius: p.r || (S[p.k] || S[0]).radius || 6, interactive: opts.interactive });
      };
    }
    var lyr = L.geoJson(GW.unpack(data), opts);
    if (o.marker) {
      // points stay above every polygon, also above one raised by hover (see GW.raise)
      lyr.on("add", function () { (lyr._map._gwPoints = lyr._map._gwPoints || []).push(lyr); });
      lyr.on("remove", function () {
        var list = (lyr._map && lyr._map._gwPoints) || []; // fired before Leaflet forgets the map
        if (list.indexOf(lyr) >= 0) list.splice(list.indexOf(lyr), 1);
      });
    }
    // after streamlit-folium's own click handler (registered later, so it runs first): send at once
    lyr.on("click", function () { setTimeout(GW.sendClick, 0); });
    if (o.tip) {
      lyr.bindTooltip(
        new GW.Tip({ sticky: true, className: "gw-tip", opacity: 1, direction: "auto", offset: [16, 0] }, lyr)
          .setContent(function (l) {
            return GW.tip(l.feature.properties, o.tip);
          })
      );
    }
    if (o.highlight) {
      lyr.on("mouseover", function (e) {
        var l = e.layer;
        if (l && l.setStyle) {
          l.setStyle(o.highlight);
          GW.raise(l);
        }
      });
      lyr.on("mouseout", function (e) {
        if (e.layer) lyr.resetStyle(e.layer);
      });
    }
    return lyr;
  };

  // A tooltip beside the pointer, kept inside the map: Leaflet centres it on the pointer's height and puts it
  // on the side facing the map's centre, so a unit's card (a dozen rows, ~400 px wide) hovered near an edge
  // was cut off by the frame. And the legends (controls, above every pane) fade while it covers them.
  function shift(start, size, room, margin) { // how far to move [start, start + size) into [margin, room - margin)
    var to = Math.min(start, room - margin - size);
    return Math.max(to, margin) - start;
  }
  GW.Tip = L.Tooltip.extend({
    _setPosition: function (pos) {
      L.Tooltip.prototype._setPosition.call(this, pos);
      var map = this._map, el = this._container;
      if (!map || !el) return;
      // measured as drawn (leaflet.css adds a margin for the arrow), relative to the map
      var r = el.getBoundingClientRect(), f = map.getContainer().getBoundingClientRect(), room = map.getSize();
      var x = r.left - f.left, y = r.top - f.top, w = r.width, h = r.height, dx;
      var pointer = map.layerPointToContainerPoint(pos), gap = Math.abs(L.point(this.options.offset).x);
      if (x + w > room.x && pointer.x - gap - w >= 0) dx = pointer.x - gap - w - x; // fits on the left
      else if (x < 0 && pointer.x + gap + w <= room.x) dx = pointer.x + gap - x; // fits on the right
      else dx = shift(x, w, room.x, 4);
      var dy = shift(y, h, room.y, 4);
      if (dx || dy) L.DomUtil.setPosition(el, L.DomUtil.getPosition(el).add([dx, dy]));
      this._fadeLegends(dx || dy ? el.getBoundingClientRect() : r);
    },
    _fadeLegends: function (r) {
      var legends = this._map.getContainer().querySelectorAll(".gw-legend");
      for (var i = 0; i < legends.length; i++) {
        var b = legends[i].getBoundingClientRect();
        var over = r && b.left < r.right && r.left < b.right && b.top < r.bottom && r.top < b.bottom;
        legends[i].classList.toggle("gw-under-tip", !!over);
      }
    },
    onRemove: function (map) {
      this._fadeLegends(null);
      L.Tooltip.prototype.onRemove.call(this, map);
    },
  });

  // A hovered polygon is drawn last so its highlighted outline shows whole, but on a canvas the layer drawn
  // last is also the one a click hits: the building and checkpoint points inside it go back on top, or the
  // next click on a building would open the compound instead.
  GW.raise = function (l) {
    if (!l.bringToFront) return;
    l.bringToFront();
    var points = (l._map && l._map._gwPoints) || [];
    for (var i = 0; i < points.length; i++) points[i].bringToFront();
  };

  // Permanent name labels: points [lat, lng, text, minZoom, classIndex]. All label layers of a map are
  // placed together, in priority order (districts and streets before units), each only where its text
  // does not cover an earlier one: a heap of overlapping names is unreadable from three metres.
  GW.placeLabels = function (map) {
    var layers = map._gwLabels || [], used = {}, cell = 12;
    // the legend and other controls count as taken: a name half hidden under a legend helps nobody
    var box = map.getContainer().getBoundingClientRect();
    var controls = map.getContainer().querySelectorAll(".leaflet-control");
    for (var c = 0; c < controls.length; c++) {
      var r = controls[c].getBoundingClientRect();
      for (var x = Math.floor((r.left - box.left) / cell); x <= Math.floor((r.right - box.left) / cell); x++)
        for (var y = Math.floor((r.top - box.top) / cell); y <= Math.floor((r.bottom - box.top) / cell); y++)
          used[x + ":" + y] = 1;
    }
    for (var i = 0; i < layers.length; i++) layers[i]._place(used, cell);
  };
  GW.Labels = L.Layer.extend({
    options: { max: 300, priority: 1, classes: ["gw-label"], sizes: [18] },
    initialize: function (points, options) {
      this._pts = points;
      L.setOptions(this, options);
      this._group = L.layerGroup();
    },
    onAdd: function (map) {
      this._group.addTo(map);
      var all = (map._gwLabels = map._gwLabels || []);
      all.push(this);
      all.sort(function (a, b) { return a.options.priority - b.options.priority; });
      if (!map._gwLabelHook) {
        map._gwLabelHook = function () { GW.placeLabels(map); };
        map.on("zoomend moveend resize", map._gwLabelHook);
      }
      GW.placeLabels(map);
    },
    onRemove: function (map) {
      var all = map._gwLabels || [];
      if (all.indexOf(this) >= 0) all.splice(all.indexOf(this), 1);
      this._group.clearLayers();
      map.removeLayer(this._group);
    },
    _place: function (used, cell) {
      var map = this._map, g = this._group, o = this.options;
      if (!map) return;
      g.clearLayers();
      var z = map.getZoom(), view = map.getBounds(), size = map.getSize(), placed = 0;
      for (var i = 0; i < this._pts.length && placed < o.max; i++) {
        var p = this._pts[i];
        if (z < p[3]) continue;
        var ll = L.latLng(p[0], p[1]);
        if (!view.contains(ll)) continue;
        var pt = map.latLngToContainerPoint(ll), px = o.sizes[p[4] || 0] || 18;
        // CJK glyphs are ~1 em wide, Latin digits/letters ~0.6 em; plus the halo
        var w = 8, text = String(p[2]);
        for (var c = 0; c < text.length; c++) w += text.charCodeAt(c) > 0x2e80 ? px : 0.6 * px;
        var x0 = Math.floor((pt.x - w / 2) / cell), x1 = Math.floor((pt.x + w / 2) / cell);
        var y0 = Math.floor((pt.y - px * 0.7) / cell), y1 = Math.floor((pt.y + px * 0.7) / cell);
        if (pt.x - w / 2 < 0 || pt.x + w / 2 > size.x || pt.y < px || pt.y > size.y - px) continue;
        var free = true;
        for (var x = x0; x <= x1 && free; x++) for (var y = y0; y <= y1; y++) if (used[x + ":" + y]) { free = false; break; }
        if (!free) continue;
        for (x = x0; x <= x1; x++) for (y = y0; y <= y1; y++) used[x + ":" + y] = 1;
        var span = document.createElement("span");
        span.textContent = text;
        g.addLayer(
          L.tooltip({ permanent: true, direction: "center", interactive: false, opacity: 1,
                      className: o.classes[p[4] || 0] })
            .setLatLng(ll)
            .setContent(span)
        );
        placed++;
      }
    },
  });

  // A legend that behaves as a layer: it appears and disappears with the FeatureGroup it belongs to
  // (streamlit-folium's feature_group_to_add swaps groups without rebuilding the map).
  GW.Legend = L.Layer.extend({
    initialize: function (html, options) {
      this._html = html; // built and escaped in Python
      L.setOptions(this, options);
    },
    onAdd: function (map) {
      var html = this._html, cls = this.options.className;
      this._control = L.control({ position: this.options.position || "bottomleft" });
      this._control.onAdd = function () {
        var div = L.DomUtil.create("div", cls);
        div.innerHTML = html;
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      };
      this._control.addTo(map);
      GW.countLegends(map);
      if (map._gwLabelHook) map._gwLabelHook(); // labels move out from under the new box
    },
    onRemove: function (map) {
      if (this._control) map.removeControl(this._control);
      GW.countLegends(map);
    },
  });

  // streamlit-folium 0.27.4 reports a click 250 ms late (a debounce meant for pans and zooms). When the map
  // asks only for what a click sets, send that value now, built exactly as its updateComponentValue builds
  // it (same keys, same order), and record it as sent, so the debounced call finds nothing new to send.
  var CLICK_KEYS = ["last_object_clicked_count", "last_object_clicked_tooltip", "last_object_clicked_popup",
                    "all_drawings", "last_active_drawing"];
  function clickValue(g) {
    var want = (g && g.returned_objects) || [];
    if (!want.length) return null;
    for (var i = 0; i < want.length; i++) if (CLICK_KEYS.indexOf(want[i]) < 0) return null;
    var data = {};
    for (var j = 0; j < CLICK_KEYS.length; j++) {
      var k = CLICK_KEYS[j];
      if (want.indexOf(k) >= 0) data[k] = g[k];
    }
    return data;
  }
  GW.sendClick = function () {
    var g = window.__GLOBAL_DATA__, S = window.Streamlit;
    if (!S || !S.setComponentValue) return;
    var data = clickValue(g);
    if (!data || JSON.stringify(g.previous_data) === JSON.stringify(data)) return;
    g.previous_data = data;
    S.setComponentValue(data);
  };
  // Left alone, streamlit-folium sends {count: 0, drawing: null} as soon as it has set a new map up (its
  // initComponent), because its Python default says null: a script run nobody asked for, ~0.3 s after the
  // page shows. Its query string is the
  // address bar's, so a breadcrumb link clicked in that moment was undone by it. No click yet means
  // nothing to send: record the click-free value as already sent.
  // The map editors (/my-grid, /checkpoints) also ask for `last_clicked` (a click on the bare map); their
  // click-free value is {last_clicked: null, ...} in the same key order (streamlit-folium puts it first).
  GW.quietStart = function () {
    var g = window.__GLOBAL_DATA__, want = (g && g.returned_objects) || [];
    if (!want.length || g.last_object_clicked_count || g.lat_lng_clicked) return;
    var rest = want.filter(function (k) { return k !== "last_clicked"; });
    var data = rest.length ? clickValue(Object.assign({}, g, { returned_objects: rest })) : {};
    if (!data) return; // the map asks for pans or zooms too: its first value carries something
    g.previous_data = rest.length < want.length ? Object.assign({ last_clicked: null }, data) : data;
  };
  GW.quietStart();

  // Fit the map to a unit when the layer group holding this arrives, unless the map already shows that unit:
  // a drill brings new bounds; a theme switch or the wall's timer brings the same ones and leaves the view
  // people chose alone.
  GW.Fit = L.Layer.extend({
    initialize: function (bounds) { this._b = bounds; },
    onAdd: function (map) {
      var key = JSON.stringify(this._b);
      if (map._gwFit === key) return;
      map._gwFit = key;
      map.fitBounds(this._b, { animate: false });
    },
    onRemove: function () {},
  });

  // "Locate me" (issue 16, mapview/locate.py): centre the map on the device with its accuracy circle. The browser
  // gives positions to secure pages only (https, or localhost): on plain http, or when the person said no, say so
  // in the small box beside the button instead of doing nothing. Texts arrive built, in the page's language.
  GW.Locate = L.Control.extend({
    options: { position: "topleft" },
    initialize: function (texts, options) {
      this._t = texts;
      L.setOptions(this, options);
    },
    onAdd: function (map) {
      var box = L.DomUtil.create("div", "leaflet-bar gw-locate");
      var a = (this._btn = L.DomUtil.create("a", "gw-locate-btn", box));
      a.href = "#";
      a.title = this._t.button;
      a.setAttribute("role", "button");
      a.setAttribute("aria-label", this._t.button);
      a.appendChild(el("span", "gw-locate-icon")); // a ring and a dot drawn in CSS (map.css): no icon font to fetch
      this._msg = L.DomUtil.create("div", "gw-locate-msg", box);
      this._msg.setAttribute("role", "status");
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.on(a, "click", function (e) {
        L.DomEvent.preventDefault(e);
        this.locate();
      }, this);
      return box;
    },
    _say: function (text, keep) {
      var m = this._msg;
      m.textContent = text;
      m.classList.add("gw-on");
      clearTimeout(this._hide);
      if (!keep) this._hide = setTimeout(function () { m.classList.remove("gw-on"); }, 8000);
    },
    locate: function () {
      var self = this, t = this._t;
      if (!window.isSecureContext) return this._say(t.insecure);
      if (!navigator.geolocation) return this._say(t.unavailable);
      this._btn.classList.add("gw-busy");
      this._say(t.busy, true);
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          self._btn.classList.remove("gw-busy");
          self._show(pos.coords);
          self._say(t.found.split("{m}").join(String(Math.round(pos.coords.accuracy))));
        },
        function (err) {
          self._btn.classList.remove("gw-busy");
          self._say(err.code === 1 ? t.denied : err.code === 3 ? t.timeout : t.unavailable);
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 }
      );
    },
    _show: function (c) {
      var map = this._map, ll = L.latLng(c.latitude, c.longitude);
      if (!map) return;
      GW.pane(map, "gw-locate", 640); // above units and points, never catching a tap meant for them
      var renderer = (this._renderer = this._renderer || L.svg({ pane: "gw-locate" }));
      var o = { pane: "gw-locate", renderer: renderer, interactive: false };
      if (this._layer) map.removeLayer(this._layer);
      var circle = L.circle(ll, L.extend({ radius: Math.max(c.accuracy || 0, 5), color: "#1e88e5", weight: 2,
                                           fillColor: "#1e88e5", fillOpacity: 0.15 }, o));
      var dot = L.circleMarker(ll, L.extend({ radius: 8, color: "#ffffff", weight: 3, fillColor: "#1e88e5",
                                              fillOpacity: 1, className: "gw-locate-dot" }, o));
      this._layer = L.layerGroup([circle, dot]).addTo(map);
      map.fitBounds(circle.getBounds(), { maxZoom: Math.min(17, map.getMaxZoom()), animate: false });
    },
  });
  // The page's language, from the marker dashboard/app.py puts on every page (data-gw-lang): the map's script is
  // the same in every language (streamlit-folium keeps a map whose script does not change), so the texts arrive in
  // every language and the one the page shows is picked here; both together when the page cannot be read.
  GW.pageLang = function () {
    try {
      var mark = window.top.document.querySelector("[data-gw-lang]");
      if (mark) return mark.getAttribute("data-gw-lang");
    } catch (e) {
      return null; // another origin
    }
    return null;
  };
  GW.locate = function (map, byLang) {
    var texts = byLang[GW.pageLang()] || byLang.both;
    var c = new GW.Locate(texts).addTo(map);
    map._gwLocate = c;
    // a field role's map: on narrow or touch screens its zoom buttons grow to 44 px and its legends fold (map.css)
    map.getContainer().classList.add("gw-field");
    GW.phoneClass(map);
    GW.legendFold(map, texts.legends);
    return c;
  };

  // "A phone" for the map's chrome: the page narrow (≤ 760 px), or a touch screen up to a tablet's 1100 px. The
  // page's width, read from the top window (same origin): the map's own frame is a column, narrow on a desk too.
  GW.PHONE_QUERY = "(max-width: 760px), (pointer: coarse) and (max-width: 1100px)";
  GW.phoneClass = function (map) {
    var top = window;
    try {
      if (window.top && window.top.matchMedia) top = window.top;
    } catch (e) {
      top = window; // another origin: the frame's own width is the best there is
    }
    var query = top.matchMedia(GW.PHONE_QUERY);
    var apply = function () { map.getContainer().classList.toggle("gw-phone", query.matches); };
    apply();
    if (query.addEventListener) query.addEventListener("change", apply);
  };

  // The legends of a field map on a phone (issue 16): folded into one small toggle instead of covering half the
  // map, as /my-grid's legend expander does; map.css shows the toggle and hides the boxes on narrow or touch
  // screens only, so a desk or the wall keeps its legends open. The toggle shows only while a legend is there.
  GW.LegendFold = L.Control.extend({
    options: { position: "bottomleft" },
    initialize: function (label, options) {
      this._label = label;
      L.setOptions(this, options);
    },
    onAdd: function (map) {
      var box = L.DomUtil.create("div", "leaflet-bar gw-fold");
      var a = (this._btn = L.DomUtil.create("a", "gw-fold-btn", box));
      a.href = "#";
      a.textContent = this._label;
      a.setAttribute("role", "button");
      a.setAttribute("aria-expanded", "false");
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.on(a, "click", function (e) {
        L.DomEvent.preventDefault(e);
        this.toggle();
      }, this);
      return box;
    },
    toggle: function () {
      var open = this._map.getContainer().classList.toggle("gw-legends-open");
      this._btn.setAttribute("aria-expanded", open ? "true" : "false");
      if (this._map._gwLabelHook) this._map._gwLabelHook(); // labels move out from under the boxes, or back
    },
  });
  GW.legendFold = function (map, label) {
    if (!map._gwFold) map._gwFold = new GW.LegendFold(label || "\u56fe\u4f8b").addTo(map);
    GW.countLegends(map);
    return map._gwFold;
  };
  GW.countLegends = function (map) {
    var c = map.getContainer();
    c.classList.toggle("gw-has-legends", !!c.querySelector(".gw-legend"));
  };

  GW.chrome = function (map, o) {
    // the scale bar in metres and kilometres only: nobody on a Chinese city map reads feet and miles
    L.control.scale({ imperial: false, metric: true }).addTo(map);
    map.getContainer().style.background = o.background;
    map.getContainer().classList.add(o.dark ? "gw-dark" : "gw-light");
  };
})();
