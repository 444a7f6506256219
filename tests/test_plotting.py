"""Every registered figure draws from compute outputs (synthetic here) into PDF and PNG."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from digitbench import eda
from digitbench.baselines import run_baseline, summarize
from digitbench.cnn_results import confusion_examples
from digitbench.plotting import FIGURES, plot
from tests.conftest import baseline_params, make_tiny_digits
from tests.test_stats import write_stats_outputs


@pytest.fixture(scope="module")
def compute_outputs(tmp_path_factory):
    # Module-scoped: every figure reads the same inputs and none writes to them (the tests check
    # only their own outputs), so they are computed once rather than once per figure.
    tmp_path = tmp_path_factory.mktemp("compute_outputs")
    d = make_tiny_digits()
    result = eda.analyse(d["x_train"], d["y_train"], d["x_test"], d["y_test"], n_extreme=10)
    paths = {"class_distribution": tmp_path / "dist.csv", "arrays": tmp_path / "arrays.npz"}
    result.class_distribution.to_csv(paths["class_distribution"], index=False)
    np.savez(paths["arrays"], **result.arrays)
    files = {"metrics": [], "cv": [], "pc": []}
    for name in ("logreg", "random_forest"):
        r = run_baseline(name, d["x_train"] / 255.0, d["y_train"], d["x_test"] / 255.0, d["y_test"],
                         baseline_params(cv_folds=2, rf_n_estimators=5, logreg_max_iter=100), logging.getLogger())
        (tmp_path / f"{name}.json").write_text(json.dumps(r.metrics))
        np.savetxt(tmp_path / f"{name}_cv.csv", np.column_stack([[1, 2], r.cv_scores]), delimiter=",",
                   header="fold,accuracy", comments="")
        r.per_class.to_csv(tmp_path / f"{name}_pc.csv", index=False)
        r.confusion.to_csv(tmp_path / f"{name}_confusion.csv")
        np.savez(tmp_path / f"{name}_predictions.npz", y_true=d["y_test"], y_pred=r.y_pred, proba=r.proba)
        files["metrics"].append(tmp_path / f"{name}.json")
        files["cv"].append(tmp_path / f"{name}_cv.csv")
        files["pc"].append(tmp_path / f"{name}_pc.csv")
    tables = summarize(files["metrics"], files["cv"], files["pc"])
    for key, table in tables.items():
        paths[key] = tmp_path / f"summary_{key}.csv"
        table.to_csv(paths[key], index=False)
    paths["baseline_per_class"] = paths["per_class"]
    paths["confusion"] = tmp_path / "logreg_confusion.csv"
    examples = tmp_path / "logreg_confusion_examples.npz"
    np.savez(examples, **confusion_examples([tmp_path / "logreg_predictions.npz"], d["x_test"]))
    paths["baseline_confusion_examples"] = examples
    paths.update(_cnn_outputs(tmp_path, d["x_test"]))
    paths.update(write_stats_outputs(tmp_path, n_seeds=3))
    paths["throughput"] = write_throughput(tmp_path / "throughput.csv")
    paths.update(write_robustness_outputs(tmp_path))
    return {k: str(v) for k, v in paths.items()}


def write_robustness_outputs(tmp_path):
    """summarize_robustness' summary and examples, from synthetic runs through the real code."""
    from digitbench.stats.robustness import load_runs, summary_table

    rng = np.random.default_rng(0)
    family = np.array(["clean"] + [f for f in ("rotation", "shift", "blur", "noise") for _ in range(2)])
    strength = np.array([0.0] + [1.0, 2.0] * 4)
    paths, keys = [], []
    y_true, uci_y = np.arange(40) % 10, np.arange(30) % 10
    for arch, p in (("enhanced_cnn", 0.9), ("se_cnn", 0.8), ("logreg", 0.7)):
        for seed in (1, 2) if arch != "logreg" else (0,):
            paths.append(tmp_path / f"rob_{arch}_{seed}.npz")
            keys.append((arch, seed))
            predicted = np.where(rng.random((len(family), 40)) < p, y_true, (y_true + 1) % 10)
            uci_predicted = np.where(rng.random(30) < p, uci_y, (uci_y + 1) % 10)
            if (arch, seed) == ("enhanced_cnn", 1):
                predicted[6] = 8  # collapsed onto class 8 at the strongest blur
            np.savez(paths[-1], family=family, strength=strength, y_true=y_true, correct=predicted == y_true,
                     predicted=predicted, uci_y_true=uci_y, uci_proba=np.eye(10)[uci_predicted],
                     uci_predicted=uci_predicted)
    runs = load_runs(paths[:-1], keys[:-1]) + load_runs(paths[-1:], keys[-1:], kind="baseline")
    keys = keys[:-1]
    summary_table(runs, 50, 1, 0.95, 0.5).to_csv(tmp_path / "robustness.csv", index=False)
    images = rng.integers(0, 256, size=(len(family), 3, 28, 28)).astype(np.float32)
    np.savez(tmp_path / "robustness_examples.npz", family=family, strength=strength, digits=np.array([2, 5, 7]),
             perturbed=images, uci_original=rng.integers(0, 17, size=(10, 8, 8)),
             uci_resampled=rng.integers(0, 256, size=(10, 28, 28)))
    from digitbench.robustness.occlusion import summarize
    occlusion = []
    for arch, seed in keys:
        y = np.repeat(np.arange(10), 2)
        occlusion.append(tmp_path / f"occ_{arch}_{seed}.npz")
        np.savez(occlusion[-1], index=np.arange(20), y_true=y, images=rng.random((20, 28, 28)) * 255,
                 proba=rng.random((20, 10)), maps=rng.normal(size=(20, 28, 28)) * 0.1)
    np.savez(tmp_path / "occlusion.npz", **summarize([str(p) for p in occlusion], keys))
    return {"robustness": tmp_path / "robustness.csv", "robustness_examples": tmp_path / "robustness_examples.npz",
            "occlusion": tmp_path / "occlusion.npz"}


def write_throughput(path):
    """A throughput table of two backends, in the benchmark's columns."""
    rows = []
    for backend, device, compiled in (("tensorflow", "cpu:0", False), ("jax", "cuda:0", True)):
        for arch, base in (("baseline_cnn", 900.0), ("resnet_inspired", 300.0)):
            rates = {"augment_in_model": base, "notebook_cpu": base / 2, "no_augmentation": base * 1.1}
            rows += [{"architecture": arch, "pipeline": k, "backend": backend, "device": device, "batch_size": 128,
                      "steps": 8, "repeats": 3, "compiled": compiled, "images_per_second": v,
                      "ratio_to_notebook": v / rates["notebook_cpu"], "ratio_to_ceiling": v / rates["no_augmentation"]}
                     for k, v in rates.items()]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _cnn_outputs(tmp_path, x_test):
    """Synthetic training-job outputs run through the real summary code."""
    from digitbench import cnn_results as R
    from tests.test_cnn_results import _job

    jobs = [("enhanced_cnn", 1, 0.97), ("enhanced_cnn", 2, 0.98), ("se_cnn", 1, 0.96), ("se_cnn", 2, 0.95)]
    dirs = [_job(tmp_path / "cnn", a, s, acc) for a, s, acc in jobs]
    keys = [(a, s) for a, s, _ in jobs]
    runs = R.collect_runs([p / "metrics.json" for p in dirs])
    out = {k: tmp_path / f"cnn_{k}" for k in ("histories.csv", "summary.csv", "per_class.csv", "confusion.csv")}
    R.collect_histories([p / "history.csv" for p in dirs], keys).to_csv(out["histories.csv"], index=False)
    R.summarize_runs(runs, ["enhanced_cnn", "se_cnn"]).to_csv(out["summary.csv"], index=False)
    R.per_class_f1([p / "predictions.npz" for p in dirs], keys).to_csv(out["per_class.csv"], index=False)
    R.pooled_confusion([p / "predictions.npz" for p in dirs[:2]]).to_csv(out["confusion.csv"])
    best = tmp_path / "best.json"
    best.write_text(json.dumps({"architecture": "enhanced_cnn", "n_seeds": 2, "seeds": [1, 2]}))
    errors = tmp_path / "errors.npz"
    np.savez(errors, **R.confident_errors([p / "predictions.npz" for p in dirs[:2]], [1, 2], x_test[:20]))
    confusion_examples = tmp_path / "confusion_examples.npz"
    np.savez(confusion_examples, **R.confusion_examples([p / "predictions.npz" for p in dirs[:2]], x_test[:20]))
    examples = tmp_path / "augmentation.npz"
    np.savez(examples, examples=np.random.default_rng(0).random((3, 8, 28, 28)), digits=np.array([1, 3, 8]))
    return {"histories": out["histories.csv"], "summary": out["summary.csv"], "cnn_per_class": out["per_class.csv"],
            "confusion_best": out["confusion.csv"], "best": best, "errors": errors, "examples": examples,
            "confusion_examples": confusion_examples}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_renders_both_formats(name, compute_outputs, tmp_path):
    out = [tmp_path / f"{name}.pdf", tmp_path / f"{name}.png"]
    plot(name, compute_outputs, [str(p) for p in out])
    assert out[0].read_bytes().startswith(b"%PDF") and out[1].read_bytes().startswith(b"\x89PNG")
    assert not list(tmp_path.glob(".*.tmp*"))  # temporary files renamed into place


def test_plot_code_imports_no_deep_learning_framework():
    # A fresh interpreter: other tests in this process legitimately import keras.
    code = ("import sys, digitbench.plotting, digitbench.cnn_results, digitbench.throughput_table, "
            "digitbench.report.numbers.assemble, digitbench.report.rendering.render, "
            "digitbench.report.rendering.validate, digitbench.stats.comparisons; "
            "print(sorted({'tensorflow', 'keras', 'jax', 'torch'} & {m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_unknown_figure_lists_valid_ones(tmp_path):
    with pytest.raises(ValueError, match="Received: nope"):
        plot("nope", {}, [str(tmp_path / "x.png")])


def test_critical_difference_with_two_seeds_says_why_instead_of_drawing(tmp_path):
    from digitbench.plotting import stats

    fig = stats.critical_difference(write_stats_outputs(tmp_path, n_seeds=2))
    assert "too few blocks" in " ".join(t.get_text() for t in fig.axes[0].texts)


def test_figure_table_names_real_functions_and_compute_outputs():
    from digitbench.figure_table import FIGURES as TABLE
    from digitbench.figure_table import figure_stem, report_figures

    assert set(TABLE) == set(FIGURES)
    for name, spec in TABLE.items():
        assert callable(FIGURES[name]) and FIGURES[name].__name__ == spec.draw.split(".")[1]
        assert spec.inputs and all(ref.count(".") == 1 for ref in spec.inputs.values()), name
    assert figure_stem("baseline_confusion") == "baseline_confusion_{model}"
    names = report_figures({"model": ["logreg", "random_forest"]})
    assert names[0] == "eda_class_distribution" and names[-2:] == ["baseline_confusion_logreg",
                                                                    "baseline_confusion_random_forest"]
    assert len(names) == len(set(names)) == len(TABLE) + 1


MIN_FONT_PT = 6.0


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_text_is_legible_at_print_width(name, compute_outputs):
    """Every visible text of every figure is at least 6 pt once the figure is scaled to the text width."""
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from digitbench.plotting.style import TEXT_WIDTH_IN, apply_style

    apply_style()
    fig = FIGURES[name](compute_outputs)
    fig.canvas.draw()
    scale = min(1.0, TEXT_WIDTH_IN / fig.get_figwidth())
    small = sorted({(round(t.get_fontsize() * scale, 1), t.get_text()[:30]) for t in fig.findobj(Text)
                    if t.get_visible() and t.get_text().strip() and t.get_fontsize() * scale < MIN_FONT_PT})
    plt.close(fig)
    assert not small, f"{name} ({fig.get_figwidth():.1f} in wide): text under {MIN_FONT_PT} pt at print width: {small[:5]}"


def test_robustness_curves_mark_collapse_and_draw_the_baselines(compute_outputs):
    from digitbench.plotting import robustness

    labels = {name: robustness._curves(compute_outputs, name).axes[0].get_legend_handles_labels()[1]
              for name in ("blur", "noise")}
    assert "a run collapsed onto one class" in labels["blur"] and "logreg (reference)" in labels["blur"]
    assert "a run collapsed onto one class" not in labels["noise"]


def test_occlusion_maps_have_a_colour_scale(compute_outputs):
    from digitbench.plotting import robustness

    for draw in (robustness.occlusion_examples, robustness.occlusion_class_means):
        bars = [ax for ax in draw(compute_outputs).axes if ax.get_ylabel() == "drop in true-class probability"]
        assert len(bars) == 1, draw.__name__
        low, high = bars[0].get_ylim()
        assert low == -high > -1  # one symmetric scale, so white is no change


def test_a_one_epoch_study_has_whole_epoch_ticks_and_visible_points(tmp_path):
    from digitbench.plotting.cnn import learning_curves, lr_schedule

    rows = [{"architecture": a, "seed": s, "epoch": 1, "val_accuracy": 0.1 + s / 100, "loss": 2.3, "lr": 1e-3}
            for a in ("baseline_cnn", "se_cnn") for s in (1, 2)]
    pd.DataFrame(rows).to_csv(tmp_path / "h.csv", index=False)
    for fig in (learning_curves({"histories": tmp_path / "h.csv"}), lr_schedule({"histories": tmp_path / "h.csv"})):
        for ax in fig.axes:
            fig.canvas.draw()
            assert [t.get_text() for t in ax.get_xticklabels()] == ["1"]  # not 0.945, 0.960, ... overprinted
            assert all(line.get_marker() not in (None, "None", "") for line in ax.get_lines())
