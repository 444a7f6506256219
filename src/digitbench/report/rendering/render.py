"""Render the Quarto report to HTML and PDF, with Quarto or the embedded fallback.

With Quarto on PATH the project is rendered by Quarto; otherwise (or with
``renderer="fallback"``) pandoc and Typst from the Python environment render the
same sources (see ``report/README.md`` for the supported subset). Either way the
outputs are checked and only then moved into place, so a failed render never
replaces a previous report.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from digitbench.report.rendering import fallback, layout, validate
from digitbench.report.rendering.checks import check_rendered, html_text, pdf_text
from digitbench.report.errors import ReportError

__all__ = ["ReportError", "check_rendered", "html_text", "pdf_text", "quarto_command",
           "render_report", "resolve_renderer"]

RENDERERS = ("auto", "quarto", "fallback")
_SCRATCH = ".render-"
_LOGGER = logging.getLogger("digitbench.report")
_INSTALL_HINT = (
    "install Quarto (conda env create -f environment.yml; it comes from conda-forge) or the "
    "fallback renderer's tools (pip install pypandoc-binary typst)"
)


def find_quarto() -> str | None:
    """Return the quarto executable on PATH, or None."""
    return shutil.which("quarto")


def quarto_command(quarto: str, project_dir: str | Path, fmt: str,
                   output_dir: str | Path) -> list[str]:
    """Build the ``quarto render`` command for one output format.

    Args:
        quarto: The quarto executable.
        project_dir: The Quarto project directory.
        fmt: ``html`` or ``typst``.
        output_dir: Where Quarto writes the product (absolute paths need Quarto >= 1.5).

    Returns:
        The argument list for :func:`subprocess.run`.
    """
    return [quarto, "render", str(project_dir), "--to", fmt, "--output-dir", str(output_dir)]


@contextmanager
def _report_logger(
    log: str | os.PathLike[str] | logging.Logger | None,
) -> Iterator[logging.Logger]:
    if isinstance(log, logging.Logger):
        yield log
        return
    if log is None:
        yield _LOGGER
        return
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    old_level = _LOGGER.level
    _LOGGER.addHandler(handler)
    if _LOGGER.getEffectiveLevel() > logging.INFO:
        _LOGGER.setLevel(logging.INFO)
    try:
        yield _LOGGER
    finally:
        _LOGGER.removeHandler(handler)
        _LOGGER.setLevel(old_level)
        handler.close()


def resolve_renderer(renderer: str = "auto") -> str:
    """Return the renderer that ``render_report`` would run for a configured choice.

    Args:
        renderer: ``auto``, ``quarto`` or ``fallback``.

    Returns:
        ``"quarto"`` or ``"fallback"``.

    Raises:
        ValueError: ``renderer`` is not one of the three names.
        ReportError: The requested renderer (or, for ``auto``, either one) is unavailable.
    """
    if renderer not in RENDERERS:
        raise ValueError(
            f"renderer must be one of 'auto', 'quarto', 'fallback'. Received: {renderer}"
        )
    return _choose(renderer)


def _choose(renderer: str) -> str:
    if renderer in ("auto", "quarto") and find_quarto():
        return "quarto"
    if renderer == "quarto":
        raise ReportError("renderer 'quarto' was requested but quarto is not on PATH; "
                          "create the conda env from environment.yml (conda-forge has quarto) "
                          "or set the renderer to 'auto' or 'fallback'.")
    missing = fallback.missing_tools()
    if missing:
        prefix = "Quarto is not on PATH and the" if renderer == "auto" else "The"
        raise ReportError(f"{prefix} fallback renderer lacks {', '.join(missing)}; "
                          f"{_INSTALL_HINT}.")
    return "fallback"


def _render_quarto(quarto: str, project_dir: Path, work: Path, html: Path, pdf: Path,
                   logger: logging.Logger) -> None:
    config = yaml.safe_load((project_dir / "_quarto.yml").read_text(encoding="utf-8")) or {}
    render = (config.get("project") or {}).get("render") or ["index.qmd"]
    stem = Path(str(render[0])).stem
    for fmt, ext, target in (("html", "html", html), ("typst", "pdf", pdf)):
        out_dir = work / f"quarto-{fmt}"
        cmd = quarto_command(quarto, project_dir, fmt, out_dir)
        start = time.perf_counter()
        logger.info("running %s", " ".join(cmd))
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        for line in (proc.stdout + proc.stderr).splitlines():
            logger.info("quarto: %s", line)
        if proc.returncode != 0:
            tail = "\n".join(proc.stderr.strip().splitlines()[-20:])
            raise ReportError(f"quarto render --to {fmt} failed (exit {proc.returncode}):\n{tail}")
        products = sorted(out_dir.rglob(f"{stem}.{ext}")) or sorted(out_dir.rglob(f"*.{ext}"))
        if not products:
            raise ReportError(f"quarto render --to {fmt} reported success but wrote no .{ext} "
                              f"file under {out_dir}.")
        shutil.move(str(products[0]), target)
        logger.info("quarto %s: %.2f s", fmt, time.perf_counter() - start)


def _expected_images(project_dir: Path, logger: logging.Logger) -> int | None:
    from digitbench.report.rendering import crossref, sources

    try:
        doc = sources.load(project_dir)
        crossref.number(doc)
    except ReportError as exc:
        # Quarto understands more than the fallback's subset; skip the count then.
        logger.info("figure count skipped (%s)", exc)
        return None
    return len(doc.images)


def _commit(pairs: list[tuple[Path, Path]]) -> None:
    """Move finished files into place, each with an atomic rename."""
    staged: list[tuple[Path, Path]] = []
    try:
        # Stage next to each target first: os.replace is only atomic on one filesystem.
        for src, dst in pairs:
            tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
            shutil.copyfile(src, tmp)
            staged.append((tmp, dst))
        for tmp, dst in staged:
            os.replace(tmp, dst)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_scratch(folder: str | Path) -> list[Path]:
    """Delete scratch folders of renders that were killed (kill -9 skips their own clean-up).

    A folder counts as stale when the process named in it no longer exists; a render running
    beside this one keeps its folder.

    Returns:
        The folders removed.
    """
    removed = []
    for path in Path(folder).glob(f"{_SCRATCH}*"):
        pid = path.name[len(_SCRATCH):].split("-", 1)[0]
        if path.is_dir() and (not pid.isdigit() or not _alive(int(pid))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _render_checked(chosen: str, project_dir: Path, html_out: Path, pdf_out: Path,
                    logger: logging.Logger) -> None:
    html_out.parent.mkdir(parents=True, exist_ok=True)
    pdf_out.parent.mkdir(parents=True, exist_ok=True)
    # The scratch directory sits next to the output so nothing half-written ever
    # appears at the output paths; it is removed however the render ends.
    with tempfile.TemporaryDirectory(prefix=f"{_SCRATCH}{os.getpid()}-", dir=html_out.parent) as tmp:
        work = Path(tmp)
        (work / "products").mkdir()
        html, pdf = work / "products" / "report.html", work / "products" / "report.pdf"
        if chosen == "quarto":
            _render_quarto(find_quarto() or "quarto", project_dir, work, html, pdf, logger)
            expected = _expected_images(project_dir, logger)
        else:
            expected = len(fallback.render(project_dir, work, html, pdf, logger).images)
        texts = check_rendered(html, pdf, expected_figures=expected,
                               literals=validate.literal_texts(project_dir))
        checked = validate.check_numbers(project_dir, html, pdf, texts)
        faults = layout.layout_problems(pdf)
        if faults:
            raise ReportError("the PDF has layout faults (a table column too narrow for its text, or a figure or "
                              "text wider than the page's text block):\n  " + "\n  ".join(faults[:20]))
        logger.info("checks passed: no unresolved markup, %s figures, %d numeric values found in both texts, no "
                    "overprinted text and nothing beyond the text block; main text %d PDF pages",
                    expected if expected is not None else "uncounted", checked,
                    layout.main_text_pages(pdf, layout.SUPPLEMENT_HEADING))
        _commit([(html, html_out), (pdf, pdf_out)])


def render_report(project_dir: str | Path, html_out: str | Path, pdf_out: str | Path,
                  renderer: str = "auto",
                  log: str | os.PathLike[str] | logging.Logger | None = None) -> str:
    """Render the Quarto project to a self-contained HTML file and a PDF.

    Args:
        project_dir: Directory with ``_quarto.yml`` and ``index.qmd``.
        html_out: Destination of the HTML report.
        pdf_out: Destination of the PDF report.
        renderer: ``auto`` (Quarto if on PATH, else the fallback), ``quarto`` or ``fallback``.
        log: A log file path (appended to) or a logger; None logs to ``digitbench.report``.

    Returns:
        The renderer that ran: ``"quarto"`` or ``"fallback"``.

    Raises:
        ValueError: ``renderer`` is not one of the three names.
        ReportError: The renderer is unavailable, the sources are broken, or the
            rendered files fail :func:`check_rendered`. Existing outputs are left as they were.
    """
    if renderer not in RENDERERS:
        resolve_renderer(renderer)  # raises the ValueError
    project_dir = Path(project_dir).resolve()
    html_out, pdf_out = Path(html_out).resolve(), Path(pdf_out).resolve()
    with _report_logger(log) as logger:
        start = time.perf_counter()
        for stale in remove_stale_scratch(html_out.parent):  # first: a refused render cleans up too
            logger.info("removed %s, left by a render that was killed", stale)
        try:
            chosen = _choose(renderer)
            logger.info("rendering %s with %s", project_dir, chosen)
            if not (project_dir / "_quarto.yml").is_file():
                raise ReportError(f"{project_dir} is not a Quarto project (no _quarto.yml).")
            validate.check_sources(project_dir)
            _render_checked(chosen, project_dir, html_out, pdf_out, logger)
        except ReportError as exc:
            logger.error("report render failed; previous outputs left untouched: %s", exc)
            raise
        logger.info("report rendered with %s in %.2f s: %s, %s", chosen,
                    time.perf_counter() - start, html_out, pdf_out)
    return chosen


def publish_record(record: str | Path, files: list[str], renderer: str, rule: str) -> dict[str, object]:
    """Write the render's record (what it published) and enter the files, with digests, in the ledger.

    The record is the rule's output; the report files are not, so that Snakemake never deletes
    or restores them. The ledger lets the pre-run audit notice an edited or deleted report and name
    the record as what to ``--forcerun``.
    """
    import datetime as dt
    import json

    from digitbench import ledger
    from digitbench.atomic import write_atomic
    from digitbench.workdir import keep_published

    body = {"renderer": renderer, "rendered": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "files": ledger.record(files, rule, via=str(record))}
    write_atomic(record, lambda tmp: tmp.write_text(json.dumps(body, indent=1), encoding="utf-8"))
    keep_published(record)
    return body
