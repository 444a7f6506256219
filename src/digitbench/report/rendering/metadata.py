"""Title-page metadata of the report: title, authors, date and a provenance line."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import yaml

from digitbench.config import PAPER_PROFILE
from digitbench.report.escape import markdown_literal


def stage_figures(figures: list[str], dest: str | Path) -> list[Path]:
    """Copy the figure files into the Quarto project, so every path stays inside its root.

    Typst refuses files outside its root directory, and Quarto passes the project as root.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    copied = []
    for fig in map(Path, figures):
        target = dest / fig.name
        shutil.copyfile(fig, target)
        copied.append(target)
    return copied


def write_metadata(path: str | Path, *, title: str, authors: list[str], profile: str, commit: str,
                   renderer: str, date: dt.date | None = None) -> dict[str, object]:
    """Write the ``metadata-files`` entry of ``_quarto.yml``.

    pandoc and Quarto read metadata strings as Markdown, so the config values (title, authors,
    profile) and the commit are escaped with :func:`~digitbench.report.escape.markdown_literal`:
    a title like ``<b>$x$</b> @key`` is shown as written, not as HTML, math or a citation.

    Args:
        path: Output YAML file.
        title: Paper title, as configured (raw text, not Markdown).
        authors: Author names, as configured.
        profile: Configuration profile name.
        commit: Git commit of the workflow.
        renderer: ``quarto`` or ``fallback``.
        date: Render date (today by default).

    Returns:
        The metadata written.
    """
    date = date or dt.date.today()
    meta = {
        # A report of any other profile says so where a reader looks first (issue 13).
        "title": markdown_literal(title) + ("" if profile == PAPER_PROFILE else f" ({markdown_literal(profile)} profile)"),
        "author": [markdown_literal(name) for name in authors],
        "date": date.isoformat(),
        "subtitle": f"commit {markdown_literal(commit)} · config {markdown_literal(profile)} · "
                    f"rendered {date.isoformat()} with {markdown_literal(renderer)}",
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(meta, fh, sort_keys=False, allow_unicode=True)
    return meta
