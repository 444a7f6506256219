"""HTML fragments of plotly figures, and plotly.js itself, for the HTML report."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

# Fixed element ids keep the fragments byte-identical between runs (plotly draws a random id otherwise).
DIV_PREFIX = "interactive-"
# The static figures' typeface (matplotlib's default), so both versions of a figure look alike.
FONT = {"family": "DejaVu Sans, Arial, sans-serif", "size": 12}
# No button or link that sends the data anywhere: the report is offline and its data stay with the reader.
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "png", "scale": 2},
               "showSendToCloud": False, "modeBarButtonsToRemove": ["sendChartToCloud"]}
# On a phone-sized page: narrower margins, the legend under the plot (where it cannot cover an axis
# title), and two side-by-side panels stacked, each as wide as the screen.
NARROW_SCRIPT = (
    "var gdn = document.getElementById('{plot_id}');"
    " if (gdn && gdn.clientWidth < 560) { var lay = gdn.layout, u = {'margin.l': 55, 'margin.r': 15,"
    " 'title.font.size': 12};"
    " if (lay.showlegend !== false) { u['legend.orientation'] = 'h'; u['legend.x'] = 0; u['legend.xanchor'] = 'left';"
    " u['legend.y'] = -0.3; u['legend.yanchor'] = 'top'; u['margin.b'] = 180; }"
    " var side = lay.xaxis2 && lay.yaxis2 && !gdn.data.some(function (t) { return t.type === 'image'; });"
    " if (side) { u['xaxis.domain'] = [0, 1]; u['xaxis2.domain'] = [0, 1]; u['yaxis.domain'] = [0.6, 1];"
    " u['yaxis2.domain'] = [0, 0.4]; u['xaxis2.anchor'] = 'y2'; u['yaxis2.anchor'] = 'x2';"
    " u.height = Math.round((lay.height || 450) * 1.7); }"
    " Plotly.relayout(gdn, u); }")


def fragment(fig: go.Figure, name: str, post_script: str | None = None) -> str:
    """The HTML of one figure: a ``<div>`` with id ``interactive-<name>`` and its plotly call.

    Args:
        fig: The figure.
        name: Figure name in the figure table.
        post_script: JavaScript run after drawing; ``{plot_id}`` is the div's id.
    """
    script = NARROW_SCRIPT + (post_script or "")
    return pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=f"{DIV_PREFIX}{name}",
                       config=PLOT_CONFIG, post_script=script, default_height=f"{fig.layout.height or 450}px")


def plotly_library() -> str:
    """plotly.js for the HTML report's header, inline (the report then works offline).

    As a base64 ``data:`` URI on one line: pandoc indents every line of a header include, which changed
    plotly.js's multi-line template strings and broke its image traces when the code was inlined as text.
    """
    import base64
    import re

    from plotly import __version__
    from plotly.offline import get_plotlyjs

    code = get_plotlyjs()
    version = re.search(r"plotly\.js v([\w.]+)", code[:500])
    return (f'<script type="text/javascript" data-library="plotly.js v{version.group(1) if version else "unknown"} '
            f'(plotly.py {__version__})" src="data:text/javascript;base64,'
            f'{base64.b64encode(code.encode("utf-8")).decode("ascii")}"></script>\n')
