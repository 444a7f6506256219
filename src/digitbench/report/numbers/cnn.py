"""Report variables and tables of the CNN study, from the summarize_cnns and describe_architectures outputs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

from digitbench.report.escape import markdown_literal
from digitbench.report.numbers.format import fmt_int, markdown_table, mean_sd
from digitbench.section_table import Built, ReportContext
from digitbench.wording import count_range, plural


def last_epoch_lr(training: dict[str, Any]) -> float:
    """The scheduled learning rate of the last epoch (per-epoch cosine: ``min_lr`` is reached only after it)."""
    from digitbench.training.schedule import ScheduleParams, warmup_cosine

    return warmup_cosine(training["epochs"] - 1, ScheduleParams.from_config(training))


def stopping_rules(training: dict[str, Any]) -> dict[str, str]:
    """Sentences on the plateau rule and early stopping that say whether they can act in this run.

    A rule whose patience is not shorter than the run can never fire; the Methods then say so
    instead of describing a mechanism the reported run did not have.
    """
    epochs, plateau, stop = training["epochs"], training["plateau_patience"], training["early_stopping_patience"]
    if plateau < epochs:
        plateau_rule = (f"When the validation loss has not improved for {plural(plateau, 'epoch')}, a plateau rule "
                        f"multiplies the whole schedule by {training['plateau_factor']:g} (floor "
                        f"{training['plateau_min_lr']:g}), so the two controls compose instead of overriding "
                        "each other.")
    else:
        plateau_rule = (f"The protocol also lowers the schedule after {plural(plateau, 'epoch')} without a gain in "
                        f"validation loss; in a run of {plural(epochs, 'epoch')} that rule cannot act.")
    if stop < epochs:
        early = (f"Training stops early after {plural(stop, 'epoch')} without a gain in validation accuracy, and "
                 "the weights of the best validation epoch are kept.")
    else:
        early = (f"Early stopping (after {plural(stop, 'epoch')} without a gain in validation accuracy) cannot act "
                 f"in {plural(epochs, 'epoch')}; the weights of the best validation epoch are kept.")
    return {"plateau_rule": plateau_rule, "early_stopping": early}


def convergence(runs: pd.DataFrame, epochs: int) -> str:
    """Whether the runs were still improving when training ended: best validation accuracy in the last epoch."""
    still = runs[(runs["best_epoch"] == runs["epochs_run"]) & (runs["epochs_run"] == epochs)]
    if still.empty:
        return "Every run reached its best validation accuracy before its last epoch."
    archs = list(dict.fromkeys(still["architecture"]))
    return (f"In {len(still)} of {len(runs)} runs (of {', '.join(archs)}) the best validation accuracy came in the "
            f"last of the {plural(epochs, 'epoch')}: those networks were still improving when training ended, so "
            "their test accuracies understate what the architectures reach with a longer budget, and any ranking "
            "that involves them, against the baselines too, is provisional.")


def declared_sentence(table: pd.DataFrame) -> str:
    """A sentence naming the architectures declared in the config, or "" when all are the original study's."""
    if "origin" not in table:
        return ""
    own = table[table["origin"] != "original study"]
    if own.empty:
        return ""
    names = ", ".join(markdown_literal(a) for a in own["architecture"])
    return (f"{names} {'is' if len(own) == 1 else 'are'} declared in this report's config (models) and built by "
            f"a file of its own (its origin in the table of architectures): not part of the original study, "
            f"trained and evaluated like the study's own architectures.")


def _origin(table: pd.DataFrame) -> list[str]:
    """["origin"] when an architecture of the table is not one of the original study's, else []."""
    return ["origin"] if "origin" in table and (table["origin"] != "original study").any() else []


def build(files: Mapping[str, str], ctx: ReportContext) -> Built:
    """Variables under ``cnn`` and the ``cnn_architectures`` table.

    Args:
        files: ``summary`` (``cnn_summary.csv``: per architecture, mean/SD/n over seeds), ``runs``
            (``cnn_runs.csv``: per job), ``best`` (``cnn_best.json``) and ``architectures``
            (``cnn_architectures.csv``).
        ctx: The report's context (the ``training`` config section).
    """
    training = ctx.config["training"]
    s = pd.read_csv(files["summary"])
    runs = pd.read_csv(files["runs"])
    arch_table = pd.read_csv(files["architectures"])
    with open(files["best"], encoding="utf-8") as fh:
        best = json.load(fh)
    per_arch = {}
    for _, r in s.iterrows():
        per_arch[r["architecture"]] = {
            "accuracy": mean_sd(r["accuracy_mean"], r["accuracy_sd"]), "accuracy_mean": f"{r['accuracy_mean']:.4f}",
            "macro_f1": mean_sd(r["macro_f1_mean"], r["macro_f1_sd"]), "n_seeds": str(int(r["n_seeds"])),
            "parameters": fmt_int(r["parameters"]), "training_seconds": f"{r['training_seconds_mean']:.0f}",
            "inference_ms": f"{r['inference_ms_per_image_mean']:.3f}",
        }
    b = s.set_index("architecture").loc[best["architecture"]]
    top_run = runs.loc[runs["accuracy"].idxmax()]
    first = runs.iloc[0]
    variables = {
        **per_arch,
        "best": best["architecture"], "best_accuracy": mean_sd(b["accuracy_mean"], b["accuracy_sd"]),
        "best_accuracy_mean": f"{b['accuracy_mean']:.4f}", "best_error_pct": f"{100 * (1 - b['accuracy_mean']):.2f}",
        "best_n_seeds": str(best["n_seeds"]),
        "top_run_accuracy": f"{top_run['accuracy']:.4f}", "top_run": f"{top_run['architecture']} seed {top_run['seed']}",
        "n_architectures": str(len(s)), "n_runs": str(len(runs)), "declared": declared_sentence(arch_table),
        "convergence": convergence(runs, training["epochs"]),
        "seeds": ", ".join(str(x) for x in training["seeds"]), "n_seeds": str(len(training["seeds"])),
        "n_train": fmt_int(first["n_train"]), "n_val": fmt_int(first["n_val"]), "n_test": fmt_int(first["n_test"]),
        "epochs": str(training["epochs"]), "batch_size": str(training["batch_size"]),
        "subset": ("all " + fmt_int(int(first["n_train"]) + int(first["n_val"])) + " training images"
                   if training["train_size"] == 0 else
                   "a stratified subset of " + fmt_int(training["train_size"]) + " training images"),
        "beta_1": f"{training['adam_beta_1']:g}", "beta_2": f"{training['adam_beta_2']:g}",
        "epsilon": f"{training['adam_epsilon']:g}",
        "validation_pct": f"{100 * training['validation_split']:.0f}",
        "warmup": plural(training["warmup_epochs"], "epoch"), "max_lr": f"{training['max_lr']:g}",
        "min_lr": f"{training['min_lr']:g}", "last_lr": f"{last_epoch_lr(training):.2g}",
        **stopping_rules(training), "clipnorm": f"{training['clipnorm']:g}",
        "bn_momentum": f"{training['bn_momentum']:g}",
        # Only what acts in the run: recalibration replaces the moving averages before every use.
        "bn_moving": (f"The moving averages of batch normalization (momentum {training['bn_momentum']:g}) are "
                      "replaced by recomputed statistics before every validation and in the saved model, so they "
                      "play no part in the results." if training["recalibrate_bn"] else
                      f"The moving averages of batch normalization use momentum {training['bn_momentum']:g}."),
        "bn_statistics": (f"recomputed after every epoch, before that epoch is validated, as the average over "
                          f"{fmt_int(training['recalibrate_bn_images'])} clean (un-augmented) training images drawn "
                          "once with the run seed, and saved with the best epoch; the best epoch and early stopping "
                          "are thus chosen on the model that is tested"
                          if training["recalibrate_bn"] else
                          "the moving averages accumulated during training, not recomputed"),
        "augmentation": "on" if training["augmentation"]["enabled"] else "off",
        "rotation": f"{training['augmentation']['rotation_degrees']:g}",
        "shift_pct": f"{100 * training['augmentation']['shift']:g}",
        "zoom_pct": f"{100 * training['augmentation']['zoom']:g}",
        "shear": f"{training['augmentation']['shear_degrees']:g}",
        "brightness": "–".join(f"{v:g}" for v in training["augmentation"]["brightness"]),
        "backend": str(first["backend"]), "device": str(first["device"]),
        "epochs_run": count_range(int(runs["epochs_run"].min()), int(runs["epochs_run"].max()), "epoch"),
    }
    # The test results themselves are in the main results table (stats section), once.
    tables = {
        "cnn_architectures": markdown_table(
            arch_table[["architecture", "parameters", "layers", "weighted_layers", "depth", *_origin(arch_table)]],
            f"The {len(arch_table)} architectures: parameters, Keras layers, weighted (convolution and dense) layers, "
            "and depth (longest chain of weighted layers)" + (
                "; origin: the original study, or a builder declared in the config (its file, or its entry point "
                "with the package and version, and the file's SHA-256), which is "
                "not part of the original study." if _origin(arch_table) else "."), "tbl-architectures",
            formats={"parameters": fmt_int},
            headers={"architecture": "Architecture", "parameters": "Parameters", "layers": "Layers",
                     "weighted_layers": "Weighted layers", "depth": "Depth", "origin": "Origin"}),
    }
    return Built({"cnn": variables}, tables)
