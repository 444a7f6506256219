"""The interactive figures' place in the Quarto project: fragments as raw HTML, plotly.js in the header.

A section shows an interactive figure as a figure div whose HTML branch includes the staged fragment
and whose other branch is the static image (``report/README.md``, "Interactive figures")::

    ::: {#fig-cnn-learning-curves}
    ::: {.content-visible when-format="html"}
    {{< include /_generated/interactive/cnn_learning_curves.md >}}
    :::
    ::: {.content-visible unless-format="html"}
    ![](_generated/figures/cnn_learning_curves)
    :::

    Caption.
    :::
"""

from __future__ import annotations

import re
from pathlib import Path

from digitbench.report.errors import ReportError

HEADER = "plotly.html"
# A line starting with three backticks would close the raw block around a fragment early.
_FENCE_RE = re.compile(r"^[ \t]*```", re.M)


def stage_interactive(fragments: list[str], dest: str | Path) -> list[Path]:
    """Write each figure fragment (``results/figures/interactive/<name>.html``) as ``dest/<name>.md``,
    a raw HTML block that both renderers pass through to the HTML and leave out of the PDF.

    Raises:
        ReportError: A fragment is empty or holds a line that would end the raw block.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    staged = []
    for path in map(Path, fragments):
        html = path.read_text(encoding="utf-8").strip()
        if not html or _FENCE_RE.search(html):
            raise ReportError(f"interactive figure {path} is empty or contains a line starting with ``` "
                              "(it must be an HTML fragment); rerun its rule: snakemake --forcerun "
                              f"plot_{path.stem}_interactive")
        target = dest / f"{path.stem}.md"
        target.write_text(f"```{{=html}}\n{html}\n```\n", encoding="utf-8")
        staged.append(target)
    return staged


def write_header(path: str | Path) -> Path:
    """Write plotly.js, inline, as the HTML header file ``_quarto.yml`` names (``include-in-header``)."""
    from digitbench.interactive.html import plotly_library

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(plotly_library(), encoding="utf-8")
    return path
