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


RENDERED_BY = "rendered_by.md"


def renderer_versions(renderer: str) -> dict[str, str]:
    """Versions of the tools that render the report: Quarto's, or the fallback's pandoc and Typst."""
    if renderer == "quarto":
        import subprocess

        from digitbench.report.rendering.render import find_quarto

        out = subprocess.run([find_quarto() or "quarto", "--version"], capture_output=True, text=True, timeout=60)
        return {"quarto": out.stdout.strip() or "unknown"}
    from importlib import metadata

    import pypandoc

    return {"pandoc": pypandoc.get_pandoc_version(), "typst": metadata.version("typst")}


def write_renderer_note(path: str | Path, renderer: str, versions: dict[str, str] | None = None) -> str:
    """Write the sentence that names and cites the renderer that actually ran, for the report to include.

    Args:
        path: ``_generated/rendered_by.md``.
        renderer: ``quarto`` or ``fallback``, as chosen before the render.
        versions: Tool versions (:func:`renderer_versions` when None).

    Returns:
        The sentence written.
    """
    versions = versions if versions is not None else renderer_versions(renderer)
    if renderer == "quarto":
        text = (f"This copy was rendered by Quarto {versions['quarto']} [@allaire2022quarto], to HTML and, through "
                "Typst, to PDF.")
    else:
        text = (f"This copy was rendered without Quarto, by digitbench's fallback renderer: pandoc "
                f"{versions['pandoc']} [@macfarlane2024pandoc] turns the same sources into HTML and into Typst, "
                f"and Typst {versions['typst']} [@madje2023typst] typesets the PDF.")
    Path(path).write_text(text + "\n", encoding="utf-8")
    return text


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
