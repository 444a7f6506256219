"""Logging for Snakemake scripts: everything to the rule's log file, a short error on stderr.

A failing rule should tell the user what went wrong and how to fix it in one line, with the
full traceback kept in its log for whoever needs it.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_script_logging(log_path: str | Path, rule: str = "", append: bool = False) -> logging.Logger:
    """Send all logging (and warnings) to ``log_path`` and install a short error hook.

    Args:
        log_path: The rule's ``log:`` file.
        rule: Rule name, quoted in the one-line error on stderr.
        append: Keep what earlier attempts logged. Snakemake itself deletes a job's log before
            rerunning the job, so this only matters when the script runs more than once per log.

    Returns:
        The ``digitbench`` logger.
    """
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_path, mode="a" if append else "w", encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    # Native libraries (TensorFlow's C++ start-up notices) write straight to file descriptor 2;
    # point it at the log too, and keep the terminal for the one-line error below.
    terminal = os.fdopen(os.dup(2), "w", buffering=1)
    os.dup2(handler.stream.fileno(), 2)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    for noisy in ("matplotlib", "PIL", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        logging.getLogger("digitbench").error("".join(traceback.format_exception(exc_type, exc, tb)))
        where = f" in rule {rule}" if rule else ""
        terminal.write(f"\ndigitbench error{where}: {exc}\n(full traceback in {log_path})\n\n")

    sys.excepthook = hook
    log = logging.getLogger("digitbench")
    if append:
        log.info("==== %s started ====", rule or "job")
    return log
