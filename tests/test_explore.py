"""digitbench.explore on tiny synthetic results folders, and the exploration notebook run on the smoke results."""

from __future__ import annotations

import json
import re
import sys

import matplotlib
import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats as sps
from statsmodels.stats.contingency_tables import mcnemar

from digitbench import explore as E
from digitbench.cnn_results import RUN_COLUMNS
from digitbench.preprocess import subsample_test_set
from digitbench.stats.predictions import Predictions, PredictionsError
from tests.conftest import ROOT, make_tiny_digits

matplotlib.use("Agg")
NOTEBOOK = ROOT / "notebooks/explore_results.ipynb"
TEST_SIZE = 50  # of make_tiny_digits' 100 test images


def _project(tmp_path, architectures=("se_cnn", "baseline_cnn"), seeds=(1, 2), test_size=TEST_SIZE, stamp=True):
    """A project directory as the workflow leaves it: config files, a stamped results folder, no runs yet."""
    root = tmp_path / "project"
    (root / "config").mkdir(parents=True)
    (root / "config/config.yaml").write_text("profile: paper\n")
    overlay = {"profile": "smoke", "data": {"test_size": test_size},
               "training": {"architectures": list(architectures), "seeds": list(seeds)}}
    (root / "config/mine.yaml").write_text(yaml.safe_dump(overlay))
    (root / "results/models").mkdir(parents=True)
    if stamp:
        stamp = {"profile": "smoke", "configfiles": ["config/mine.yaml"]}
        (root / "results/.profile.json").write_text(json.dumps(stamp))
    return root


def _labels(test_size=TEST_SIZE):
    return subsample_test_set(make_tiny_digits(), test_size, 42)["y_test"].astype(np.int64)


def _write_run(root, arch, seed, y_pred, y_true=None, accuracy=None):
    """A training job's metrics.json and predictions.npz; the prediction gets probability 0.8."""
    y_true = _labels() if y_true is None else y_true
    d = root / "results/models" / arch / f"seed{seed}"
    d.mkdir(parents=True)
    metrics = {c: 0 for c in RUN_COLUMNS}
    metrics.update(architecture=arch, seed=seed, parameters=10, backend="tensorflow", device="cpu:0",
                   accuracy=float(np.mean(y_pred == y_true)) if accuracy is None else accuracy)
    (d / "metrics.json").write_text(json.dumps(metrics))
    proba = np.full((len(y_pred), 10), 0.2 / 9)
    proba[np.arange(len(y_pred)), y_pred] = 0.8
    np.savez(d / "predictions.npz", y_true=y_true, y_pred=y_pred, proba=proba)


def _preds(name, y_true, y_pred, confidence=0.8):
    proba = np.full((len(y_pred), 10), (1 - confidence) / 9)
    proba[np.arange(len(y_pred)), y_pred] = confidence
    return Predictions(name, "cnn", np.asarray(y_true), proba, name.split("/")[0], 1, f"{name}.npz")


def test_open_results_layers_the_stamped_config_files_over_the_defaults(tmp_path):
    root = _project(tmp_path)
    folder = E.open_results(root / "results")
    assert folder.root == root.resolve() and folder.configfiles == ("config/mine.yaml",)
    assert folder.architectures == ["se_cnn", "baseline_cnn"] and folder.seeds == [1, 2]
    assert folder.run_keys == [("se_cnn", 1), ("se_cnn", 2), ("baseline_cnn", 1), ("baseline_cnn", 2)]
    assert folder.config["data"]["test_size"] == TEST_SIZE and folder.config["seed"] == 42  # schema default
    (root / "config/other.yaml").write_text("profile: smoke\ntraining: {seeds: [7]}\n")
    assert E.open_results(root / "results", ["config/other.yaml"]).run_keys[0] == ("baseline_cnn", 7)


def test_open_results_refuses_what_it_cannot_read(tmp_path):
    root = _project(tmp_path, stamp=False)
    with pytest.raises(ValueError, match="profile.json is missing.*pass configfiles"):
        E.open_results(root / "results")
    with pytest.raises(ValueError, match="with models/ in it"):
        E.open_results(root / "config")
    (root / "config/bad.yaml").write_text("training: {architectures: [not_a_net]}\n")
    with pytest.raises(ValueError, match="not_a_net"):
        E.open_results(root / "results", ["config/bad.yaml"])


def test_runs_table_follows_config_order_and_names_a_missing_run(tmp_path):
    root = _project(tmp_path)
    y = _labels()
    for arch, seed, acc in [("se_cnn", 1, 0.5), ("se_cnn", 2, 0.6), ("baseline_cnn", 1, 0.7)]:
        _write_run(root, arch, seed, y, accuracy=acc)
    folder = E.open_results(root / "results")
    with pytest.raises(FileNotFoundError, match=r"snakemake results/models/baseline_cnn/seed2/metrics\.json .*"
                                                r"--configfile config/mine\.yaml"):
        E.runs_table(folder)
    _write_run(root, "baseline_cnn", 2, y, accuracy=0.8)
    runs = E.runs_table(folder)
    assert list(runs["run"]) == ["se_cnn/seed1", "se_cnn/seed2", "baseline_cnn/seed1", "baseline_cnn/seed2"]
    assert list(runs["accuracy"]) == [0.5, 0.6, 0.7, 0.8]
    assert set(RUN_COLUMNS) <= set(runs.columns)


def test_load_run_and_default_pair(tmp_path):
    root = _project(tmp_path)
    y = _labels()
    _write_run(root, "baseline_cnn", 2, (y + 1) % 10)
    folder = E.open_results(root / "results")
    run = E.load_run(folder, "baseline_cnn", 2)
    assert run.name == "baseline_cnn/seed2" and run.seed == 2 and run.accuracy == 0.0
    np.testing.assert_array_equal(run.y_true, y)
    with pytest.raises(ValueError, match="Received: resnet_inspired/seed1"):
        E.load_run(folder, "resnet_inspired", 1)
    with pytest.raises(FileNotFoundError, match="seed1/predictions.npz"):
        E.load_run(folder, "se_cnn", 1)
    assert E.default_pair(folder) == (("se_cnn", 1), ("baseline_cnn", 1))
    single = E.open_results(_project(tmp_path / "one", architectures=["enhanced_cnn"], seeds=[3, 5]) / "results")
    assert E.default_pair(single) == (("enhanced_cnn", 3), ("enhanced_cnn", 5))
    lone = E.open_results(_project(tmp_path / "lone", architectures=["enhanced_cnn"], seeds=[3]) / "results")
    with pytest.raises(ValueError, match="needs two"):
        E.default_pair(lone)


def test_load_test_images_are_the_runs_items(tmp_path, monkeypatch):
    digits = make_tiny_digits()
    monkeypatch.setattr(E, "load_npz", lambda path: make_tiny_digits())  # tiny digits cannot pass MNIST's digests
    root = _project(tmp_path)
    (root / "resources/mnist").mkdir(parents=True)
    (root / "resources/mnist/mnist.npz").write_bytes(b"")
    y = _labels()
    _write_run(root, "se_cnn", 1, y)
    folder = E.open_results(root / "results")
    run = E.load_run(folder, "se_cnn", 1)
    images = E.load_test_images(folder, [run])
    assert images.shape == (TEST_SIZE, 28, 28)
    # Each image is the tiny test image of the same label, in the runs' order.
    rows = [int(np.flatnonzero((digits["x_test"] == img).all(axis=(1, 2)))[0]) for img in images]
    np.testing.assert_array_equal(digits["y_test"][rows], run.y_true)
    other = _preds("other/seed1", np.roll(y, 1), y)
    with pytest.raises(ValueError, match="differ from those of other/seed1"):
        E.load_test_images(folder, [run, other])
    everything = E.open_results(_project(tmp_path / "all", test_size=0) / "results")
    (everything.root / "resources/mnist").mkdir(parents=True)
    (everything.root / "resources/mnist/mnist.npz").write_bytes(b"")
    assert len(E.load_test_images(everything)) == len(digits["y_test"])
    with pytest.raises(FileNotFoundError, match="snakemake resources/mnist/mnist.npz"):
        E.load_test_images(E.open_results(_project(tmp_path / "nodata") / "results"))


def test_compare_runs_counts_tests_and_lists_disagreements():
    # 20 both right, 6 only A right, 1 only B right, 3 both wrong (2 of them with different wrong digits).
    y = np.arange(30) % 10
    pred_a, pred_b = y.copy(), y.copy()
    pred_b[20:26] = (y[20:26] + 1) % 10
    pred_a[26] = (y[26] + 1) % 10
    pred_a[27:30] = (y[27:30] + 1) % 10
    pred_b[27:30] = (y[27:30] + np.array([1, 2, 3])) % 10
    a, b = _preds("se_cnn/seed1", y, pred_a, 0.9), _preds("baseline_cnn/seed1", y, pred_b, 0.6)
    c = E.compare_runs(a, b)
    assert c.table.to_numpy().tolist() == [[20, 6], [1, 3]]
    assert c.table.index.name == "se_cnn/seed1" and c.table.columns.name == "baseline_cnn/seed1"
    assert c.test["method"] == "exact binomial" and c.test["discordant"] == 7
    assert c.test["p"] == pytest.approx(sps.binomtest(1, 7, 0.5).pvalue)
    d = c.disagreements
    assert list(d["item"]) == [20, 21, 22, 23, 24, 25, 26, 28, 29]  # item 27: the same wrong digit, no disagreement
    assert list(d["right"]) == ["se_cnn/seed1"] * 6 + ["baseline_cnn/seed1"] + ["neither"] * 2
    assert (d["pred_a"] == pred_a[d["item"]]).all() and (d["pred_b"] == pred_b[d["item"]]).all()
    assert d["proba_a"].eq(0.9).all() and d["proba_b"].eq(0.6).all()
    assert (d["label"] == y[d["item"]]).all()


def test_compare_runs_of_identical_runs_and_of_other_items():
    y = np.arange(20) % 10
    same = E.compare_runs(_preds("a/seed1", y, y), _preds("b/seed1", y, y))
    assert same.test["p"] == 1.0 and same.disagreements.empty and same.table.to_numpy().tolist() == [[20, 0], [0, 0]]
    with pytest.raises(PredictionsError, match="different order"):
        E.compare_runs(_preds("a/seed1", y, y), _preds("b/seed1", np.roll(y, 1), y))


def test_plot_disagreements_draws_one_tile_per_item():
    import matplotlib.pyplot as plt

    y = np.arange(40) % 10
    pred = np.where(np.arange(40) < 11, (y + 1) % 10, y)
    c = E.compare_runs(_preds("a/seed1", y, y), _preds("b/seed1", y, pred))
    images = np.zeros((40, 28, 28), np.uint8)
    fig = E.plot_disagreements(c, images, max_items=8, columns=4)
    assert sum(bool(ax.images) for ax in fig.axes) == 8 and len(fig.axes) == 8
    assert "8 of 11 disagreements" in fig.get_suptitle()
    plt.close(fig)
    fig = E.plot_disagreements(E.compare_runs(_preds("a/seed1", y, y), _preds("b/seed1", y, y)), images)
    assert "never disagree" in fig.axes[0].texts[0].get_text()
    plt.close(fig)
    with pytest.raises(ValueError, match="Received: 0, 8"):
        E.plot_disagreements(c, images, max_items=0)
    with pytest.raises(ValueError, match="Received: 39 images"):
        E.plot_disagreements(c, images[:39])


def test_seed_summary_in_config_order(tmp_path):
    root = _project(tmp_path)
    folder = E.open_results(root / "results")
    with pytest.raises(FileNotFoundError, match="snakemake results/stats/seed_summary.csv"):
        E.seed_summary(folder)
    (root / "results/stats").mkdir()
    pd.DataFrame([{"architecture": a, "metric": m, "mean": v, "sd": 0.1, "min": 0, "max": 1, "n": 2}
                  for a, v in [("baseline_cnn", 0.9), ("se_cnn", 0.8)] for m in ["accuracy", "ece"]]).to_csv(
        root / "results/stats/seed_summary.csv", index=False)
    table = E.seed_summary(folder)
    assert list(table["architecture"]) == ["se_cnn", "baseline_cnn"] and list(table["mean"]) == [0.8, 0.9]
    with pytest.raises(ValueError, match="accuracy, ece. Received: loss"):
        E.seed_summary(folder, "loss")


def test_committed_notebook_has_no_outputs_and_no_typed_numbers():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    for cell in nb.cells:
        if cell.cell_type == "markdown":  # a number belongs in an output, computed when the notebook runs
            assert not re.search(r"(?<![A-Za-z_])\d", cell.source), cell.source
    assert "DIGITBENCH_RESULTS" in code[0].source
    source = "".join(c.source for c in code)
    assert not re.search(r"np\.load|read_csv|json\.load|\.npz|\.csv", source)  # results come through explore


def _execute(nb, tmp_path, monkeypatch, results):
    """Run ``nb`` in a kernel of this interpreter (a temporary kernelspec: never a system Python), from its folder."""
    from nbclient import NotebookClient

    spec = tmp_path / "jupyter/kernels/digitbench-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "digitbench test", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    # Neither the user's Jupyter runtime folder nor their IPython profile (startup scripts) takes part.
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("DIGITBENCH_RESULTS", str(results))
    monkeypatch.delenv("DIGITBENCH_CONFIGFILES", raising=False)
    client = NotebookClient(nb, timeout=300, kernel_name="digitbench-test",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    return nb


def _text(cell) -> str:
    return "".join(o.get("text", "") if o.output_type == "stream" else o.get("data", {}).get("text/plain", "")
                   for o in cell.outputs)


@pytest.mark.workflow
def test_notebook_runs_on_the_smoke_results(smoke_run, tmp_path, monkeypatch):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    dump = tmp_path / "values.json"
    # One extra cell (in memory only) hands the notebook's own values to the test.
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json\n"
        f"json.dump({{'runs': runs[['run', 'accuracy']].values.tolist(), 'pair': [run_a.name, run_b.name], "
        f"'items': disagreements['item'].tolist()}}, open({str(dump)!r}, 'w'))"))
    _execute(nb, tmp_path, monkeypatch, smoke_run / "results")
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    cells = {c.metadata.get("tags", [None])[0]: c for c in nb.cells if c.cell_type == "code"}
    values = json.loads(dump.read_text())

    config = yaml.safe_load((smoke_run / ".test/config.yaml").read_text())["training"]
    keys = [(a, s) for a in config["architectures"] for s in config["seeds"]]
    assert f"{len(keys)} runs: {len(config['architectures'])} architectures x {len(config['seeds'])} seeds" in _text(
        cells["runs"])
    for (run, accuracy), (arch, seed) in zip(values["runs"], keys, strict=True):
        metrics = json.loads((smoke_run / f"results/models/{arch}/seed{seed}/metrics.json").read_text())
        assert run == f"{arch}/seed{seed}" and run in _text(cells["runs"]) and accuracy == metrics["accuracy"]

    # The comparison, recomputed here from the two prediction files.
    (arch_a, arch_b), seed = config["architectures"][:2], config["seeds"][0]
    assert values["pair"] == [f"{arch_a}/seed{seed}", f"{arch_b}/seed{seed}"]
    a, b = (np.load(smoke_run / f"results/models/{arch}/seed{seed}/predictions.npz") for arch in (arch_a, arch_b))
    pred_a, pred_b = a["proba"].argmax(axis=1), b["proba"].argmax(axis=1)
    right_a, right_b = pred_a == a["y_true"], pred_b == b["y_true"]
    only_a, only_b = int(np.sum(right_a & ~right_b)), int(np.sum(~right_a & right_b))
    table = [[int(np.sum(right_a & right_b)), only_a], [only_b, int(np.sum(~right_a & ~right_b))]]
    p = mcnemar(table, exact=True).pvalue
    assert f"{only_a} only A, {only_b} only B" in _text(cells["mcnemar"])
    assert re.search(r"\nright\s+{}\s+{}\nwrong\s+{}\s+{}".format(*table[0], *table[1]), _text(cells["pair"]))
    assert f"p = {p:.4g}" in _text(cells["mcnemar"])
    assert sorted(values["items"]) == np.flatnonzero(pred_a != pred_b).tolist()
    assert f"{len(values['items'])} of {len(pred_a)} test items" in _text(cells["disagreements"])
    assert any("image/png" in o.get("data", {}) for o in cells["grid"].outputs)
    assert "mean" in _text(cells["seed-summary"])
