"""Numbers of the protocol statement: which profile this report ran, and where it departs from the paper's.

The paper profile is the schema's defaults (``config/config.yaml`` sets nothing else), so the
departures are the resolved config's values that differ from them. The Methods show them as one
table; the title and the abstract name a profile that is not the paper's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from digitbench.config import PAPER_PROFILE, validate_config
from digitbench.report.escape import markdown_literal
from digitbench.report.numbers.appendix import flatten, shown_value
from digitbench.report.numbers.format import markdown_table
from digitbench.wording import plural

# Not part of the protocol: the profile's name, the paper's title, where MNIST is read from (every
# source is verified to be the same arrays), how many threads or GPU slots a job takes, and the
# tuning grid (whose runs no reported number comes from).
NOT_PROTOCOL = ("profile", "data.sources", "data.local_path", "data.keras_url", "data.npm_package",
                "baselines.threads", "training.threads", "training.jobs_per_gpu", "tensorboard.enabled")


def departures(config: Mapping[str, Any], schema: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """``(dotted key, paper value, this run's value)`` for every setting that differs from the paper profile."""
    paper = dict(flatten(validate_config({}, schema)))
    return [(key, paper.get(key), value) for key, value in flatten(config)
            if not (key in NOT_PROTOCOL or key.startswith(("report.", "tuning."))) and paper.get(key) != value]


def selection(config: Mapping[str, Any], rows: list[tuple[str, Any, Any]]) -> str:
    """How the departing training settings were chosen: on the validation split, by the tuning rule, or not at all."""
    tuning = config["tuning"]
    tuned = [key for key, _, _ in rows if key.removeprefix("training.") in tuning["grid"]]
    if not rows:
        return "No setting was tuned: every setting is the protocol of the original study."
    if not tuned:
        return "None of these settings was tuned; they shorten the run to fit the budget of the profile."
    return (f"Of these, {', '.join(tuned)} {'was' if len(tuned) == 1 else 'were'} chosen on the validation split "
            f"only: each combination of the tuning grid was trained once with tuning seed {tuning['seed']}, which no "
            f"reported run uses, for {' and '.join(tuning['architectures'])}, and ranked by its best validation "
            "accuracy (rule tune_training, results/tuning/validation.csv); the test set was not read. The other "
            "departures shorten the run to fit the budget of the profile.")


def build(config: Mapping[str, Any], schema: Mapping[str, Any],
          project: str | os.PathLike[str] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Variables under ``profile`` and the ``profile`` table (Methods).

    Args:
        config: The validated, resolved configuration.
        schema: The config schema, whose defaults are the paper profile.
        project: The project directory paths are shown against (the current directory when None).
    """
    rows = departures(config, schema)
    root = Path.cwd() if project is None else Path(project)
    name = markdown_literal(config["profile"])
    n = len(rows)
    if config["profile"] == PAPER_PROFILE and not rows:
        # No apostrophes in values: pandoc prints them as typographic quotes, and the render checks
        # that every value appears in the output as written.
        statement = "It reports the paper profile: the protocol of the study, with no setting changed."
    else:
        statement = (f"It reports the {name} profile, which departs from the protocol of the paper profile in "
                     f"{plural(n, 'setting')}, listed in the Methods.")
    table = markdown_table(
        pd.DataFrame([{"key": k, "paper": shown_value(k, p, root), "this": shown_value(k, v, root)}
                      for k, p, v in rows], columns=["key", "paper", "this"]),
        f"Settings of this report (profile {name}) that differ from the paper profile, the study's protocol "
        "(the schema's defaults). Settings not listed are the paper's, apart from where MNIST is read from, "
        "how many threads a job uses and whether TensorBoard logs are written, which change no result." if rows else
        "This report changes no setting of the paper profile, the study's protocol.", "tbl-profile",
        formats={"key": markdown_literal, "paper": markdown_literal, "this": markdown_literal},
        headers={"key": "Setting", "paper": "Paper profile", "this": "This report"})
    variables = {"name": name, "is_paper": "yes" if config["profile"] == PAPER_PROFILE else "no",
                 "n_departures": str(n), "statement": statement, "selection": selection(config, rows)}
    return variables, {"profile": table}
