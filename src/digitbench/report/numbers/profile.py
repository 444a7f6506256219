"""Numbers of the protocol statement: which profile this report ran, and where it departs from the paper's.

The paper profile is the schema's defaults (``config/config.yaml`` sets nothing else), so the
departures are the resolved config's values that differ from them. The Methods show them as one
table; the title and the abstract name a profile that is not the paper's.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from digitbench.config import PAPER_PROFILE, validate_config
from digitbench.report.escape import markdown_literal
from digitbench.report.numbers.format import VALUE_WIDTH, departures, markdown_table, shown_value
from digitbench.report.numbers.provenance import hardware
from digitbench.section_table import Built, ReportContext
from digitbench.wording import plural

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


# config/rehearsal.yaml: the paper's downstream with training cut short, whose numbers are not results.
REHEARSAL_PROFILE = "rehearsal"


def _budget(training: Mapping[str, Any]) -> str:
    images = "all 60,000 training images" if not training["train_size"] else f"{training['train_size']:,} training images"
    return f"{images}, at most {plural(training['epochs'], 'epoch')}, {plural(len(training['seeds']), 'seed')}"


def front(config: Mapping[str, Any], schema: Mapping[str, Any], machine: Mapping[str, str]) -> str:
    """The abstract's statement of what was run where: the profile and its budget, the hardware, and the paper profile."""
    paper = validate_config({}, schema)
    gpu = "no GPU" if machine["gpu"] == "none" else f"GPU {machine['gpu']}"
    where = f"on {machine['cpu']} ({machine['cores']} logical cores, {gpu})"
    if config["profile"] == REHEARSAL_PROFILE:
        return (f"These are rehearsal numbers, not results: the paper profile's analyses at full size after a "
                f"training cut to {_budget(config['training'])} per architecture, computed {where}, to check that "
                f"the paper profile ({_budget(paper['training'])}) runs end to end.")
    if config["profile"] == PAPER_PROFILE and not departures(config, schema):
        return f"These are the paper profile's numbers ({_budget(config['training'])} per architecture), computed {where}."
    return (f"These numbers come from the {markdown_literal(config['profile'])} profile "
            f"({_budget(config['training'])} per architecture), computed {where}; the paper profile "
            f"({_budget(paper['training'])}) was not run for this report.")


def study(config: Mapping[str, Any], commit: str) -> dict[str, str]:
    """Variables under ``study`` (title block): config strings are data, escaped once here to show literally."""
    lit = markdown_literal
    return {"title": lit(config["report"]["title"]), "authors": ", ".join(lit(a) for a in config["report"]["authors"]),
            "profile": lit(config["profile"]), "commit": lit(commit), "seed": str(config["seed"])}


def build(files: Mapping[str, str], ctx: ReportContext) -> Built:
    """Variables under ``study`` and ``profile``, and the ``profile`` table (Methods).

    Args:
        files: None (the profile is read from the config).
        ctx: The report's context: config, schema (its defaults are the paper profile), commit and
            the project directory paths are shown against (the current directory when None).
    """
    config, schema, project = ctx.config, ctx.schema, ctx.project
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
        headers={"key": "Setting", "paper": "Paper profile", "this": "This report"},
        # A long value (an architecture's description) wraps instead of squeezing the setting's name.
        max_widths={"paper": VALUE_WIDTH // 2, "this": VALUE_WIDTH})
    variables = {"name": name, "is_paper": "yes" if config["profile"] == PAPER_PROFILE else "no",
                 "n_departures": str(n), "statement": statement, "selection": selection(config, rows),
                 "front": front(config, schema, hardware())}
    return Built({"study": study(config, ctx.commit), "profile": variables}, {"profile": table})
