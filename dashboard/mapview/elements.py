"""The few folium elements mapview emits: each one a line of JavaScript calling the runtime (runtime.js).

Only `script` macros are used, never `header`/`html`: streamlit-folium executes just the script macros of a
FeatureGroup passed as `feature_group_to_add`, so anything a layer needs (CSS, runtime, legend) has to
arrive through its script. Every element that needs the runtime carries it; the runtime defines itself
once per page.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from branca.element import Element, Figure, MacroElement
from folium.map import Layer
from folium.template import Template

from dashboard.mapview.geojson import dumps, script_safe

_HERE = Path(__file__).parent


class Rendered(Element):
    """Text a macro has already rendered, kept as text.

    branca's `MacroElement.render` wraps each macro's output in `Element(text)`, which compiles the text as a
    Jinja template and renders it again with the figure. The output holds data (unit names in labels and
    layers), so data ran as template code on the server: a name with ``{{ … }}`` was evaluated (it can reach
    Python, e.g. ``cycler.__init__.__globals__.os``), one with ``{%`` crashed every map that showed it, and
    compiling the megabytes of a city's GeoJSON was most of a map's render time.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


def _render_without_recompiling(self: MacroElement, **kwargs: Any) -> None:
    """`MacroElement.render` (branca 0.8) with each macro's output added as `Rendered` text, not a template."""
    figure = self.get_root()
    assert isinstance(figure, Figure), "You cannot render this Element if it is not in a Figure."
    macros = self._template.module.__dict__
    for part, holder in (("header", figure.header), ("html", figure.html), ("script", figure.script)):
        macro = macros.get(part)
        if macro is not None:
            holder.add_child(Rendered(macro(self, kwargs)), name=self.get_name())
    for element in self._children.values():
        element.render(**kwargs)


# Every folium element renders through MacroElement.render (folium's own and streamlit-folium's calls included),
# so it is replaced once, when the map code is first imported, for every map of the process.
MacroElement.render = _render_without_recompiling


@lru_cache(maxsize=1)
def runtime_script() -> str:
    """runtime.js without comment lines and indentation, plus the CSS it installs."""
    lines = []
    for line in (_HERE / "runtime.js").read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("//"):
            lines.append(stripped)
    css = " ".join(
        s.strip() for s in (_HERE / "map.css").read_text(encoding="utf-8").splitlines() if s.strip()
    )
    return "\n".join(lines) + "\nGW.css(" + script_safe(dumps(css)) + ");"


class Runtime(MacroElement):
    """Defines `window.GW` (once per page) and installs the map CSS."""

    _template = Template("{% macro script(this, kwargs) %}\n{{ this.code }}\n{% endmacro %}")

    def __init__(self) -> None:
        super().__init__()
        self._name = "GwRuntime"
        self.code = runtime_script()


class Chrome(MacroElement):
    """Background colour of a map without tiles, and panes mapview draws into."""

    _template = Template(
        "{% macro script(this, kwargs) %}\n"
        "GW.chrome({{ this._parent.get_name() }}, {{ this.opts }});\n"
        "{% for name, z in this.panes %}"
        "GW.pane({{ this._parent.get_name() }}, {{ name|tojson }}, {{ z }});\n"
        "{% endfor %}"
        "{% endmacro %}"
    )

    def __init__(self, *, background: str, dark: bool, panes: list[tuple[str, int]]) -> None:
        super().__init__()
        self._name = "GwChrome"
        self.opts = script_safe(dumps({"background": background, "dark": dark}))
        self.panes = panes


class GeoJsonLayer(Layer):
    """An L.GeoJSON built by `GW.layer` from a prepared, compact FeatureCollection text."""

    _template = Template(
        "{% macro script(this, kwargs) %}\n"
        "var {{ this.get_name() }} = GW.layer({{ this.data }}, {{ this.opts }});\n"
        "{% endmacro %}"
    )

    def __init__(self, data: str, opts: dict[str, Any], *, bounds: list[list[float]] | None = None,
                 name: str | None = None, show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=False, show=show)
        self._name = "GwLayer"
        self.data = script_safe(data)
        self.opts = script_safe(dumps(opts))
        self._bounds = bounds

    def _get_self_bounds(self) -> list[list[float | None]]:
        return self._bounds or [[None, None], [None, None]]


class Labels(Layer):
    """Permanent name labels placed by `GW.Labels`: from `minZoom` on, in `priority` order across all label
    layers of the map, never over another label. `sizes` are the font px of `classes` (map.css)."""

    _template = Template(
        "{% macro script(this, kwargs) %}\n"
        "var {{ this.get_name() }} = new GW.Labels({{ this.points }}, {{ this.opts }});\n"
        "{% endmacro %}"
    )

    def __init__(self, points: list[list[Any]], *, classes: list[str], sizes: list[int], priority: int = 1,
                 max_labels: int = 300) -> None:
        super().__init__(name=None, overlay=True, control=False, show=True)
        self._name = "GwLabels"
        self.points = script_safe(dumps(points))
        self.opts = script_safe(dumps({"classes": classes, "sizes": sizes, "priority": priority, "max": max_labels}))


class Legend(Layer):
    """A legend box (a Leaflet control that comes and goes with the layer group holding it).

    It carries the runtime itself: a legend is often added straight to a map built elsewhere.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}\n"
        "{{ this.runtime }}\n"
        "var {{ this.get_name() }} = new GW.Legend({{ this.html }}, {{ this.opts }});\n"
        "{% endmacro %}"
    )

    def __init__(self, html: str, *, dark: bool, position: str = "bottomleft") -> None:
        super().__init__(name=None, overlay=True, control=False, show=True)
        self._name = "GwLegend"
        self.runtime = runtime_script()
        self.html_text = html  # escaped HTML, kept for tests and for pages that show it elsewhere
        self.html = script_safe(dumps(html))
        self.opts = script_safe(dumps({"className": f"gw-legend {'gw-dark' if dark else 'gw-light'}",
                                       "position": position}))


class Fit(Layer):
    """Fits the map to `bounds` = [[south, west], [north, east]] when its group is added and the map does not
    already show them (`GW.Fit`): lets a page keep one base map while the unit shown changes."""

    _template = Template(
        "{% macro script(this, kwargs) %}\n"
        "var {{ this.get_name() }} = new GW.Fit({{ this.bounds }});\n"
        "{% endmacro %}"
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__(name=None, overlay=True, control=False, show=True)
        self._name = "GwFit"
        self.bounds = script_safe(dumps([[round(float(v), 6) for v in corner] for corner in bounds]))
