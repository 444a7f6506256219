"""Robustness evaluation: perturbations, the UCI digits in MNIST's format, one saved model evaluated,
the summary and tests over runs, and the report's table and sentences."""

from __future__ import annotations

import json
import logging
import re

import numpy as np
import pytest
from scipy import ndimage

from digitbench.robustness.perturb import FAMILIES, conditions, perturb, perturbed_sets, uci_digits_as_mnist
from digitbench.stats import robustness as R
from tests.conftest import make_tiny_digits

STRENGTHS = {"rotation": [30, 60], "shift": [3], "blur": [1.0], "noise": [0.1, 0.2]}


def a_digit() -> np.ndarray:
    img = np.zeros((1, 28, 28), np.float32)
    img[0, 8:20, 12:16] = 255  # a vertical bar: its rotation and shift are easy to see
    return img


@pytest.mark.parametrize("family", list(FAMILIES))
def test_strength_zero_is_the_image_and_every_perturbation_is_seeded(family):
    x = np.repeat(a_digit(), 3, axis=0)
    np.testing.assert_array_equal(perturb(x, family, 0, seed=1), x)
    once, again = perturb(x, family, 2, seed=1), perturb(x, family, 2, seed=1)
    np.testing.assert_array_equal(once, again)
    assert once.dtype == np.float32 and once.min() >= 0 and once.max() <= 255 and not np.array_equal(once, x)


def test_each_family_does_what_it_says():
    x = a_digit()
    com = np.array(ndimage.center_of_mass(x[0]))
    moved = np.array(ndimage.center_of_mass(perturb(x, "shift", 4, seed=3)[0]))
    assert np.linalg.norm(moved - com) == pytest.approx(4, abs=0.3)
    rotated = perturb(x, "rotation", 90, seed=3)[0]
    rows, cols = np.nonzero(rotated > 128)
    assert np.ptp(cols) > np.ptp(rows)  # the vertical bar lies down
    assert perturb(x, "blur", 2, seed=0).max() < 255 and perturb(x, "blur", 2, seed=0).sum() == pytest.approx(
        x.sum(), rel=0.02)
    noisy = perturb(np.zeros((200, 28, 28), np.float32) + 128, "noise", 0.1, seed=0)
    assert noisy.std() == pytest.approx(25.5, rel=0.05)


def test_bad_family_or_strength_is_refused():
    message = "family must be one of rotation, shift, blur, noise. Received: zoom"
    with pytest.raises(ValueError, match=re.escape(message)):
        perturb(a_digit(), "zoom", 1, seed=0)
    with pytest.raises(ValueError, match=re.escape("strength must be >= 0. Received: -1")):
        perturb(a_digit(), "blur", -1, seed=0)


def test_conditions_start_clean_and_follow_the_config():
    assert conditions(STRENGTHS) == [("clean", 0.0), ("rotation", 30.0), ("rotation", 60.0), ("shift", 3.0),
                                     ("blur", 1.0), ("noise", 0.1), ("noise", 0.2)]
    conds, images = perturbed_sets(a_digit(), STRENGTHS, seed=0)
    assert images.shape == (len(conds), 1, 28, 28)
    np.testing.assert_array_equal(images[0], a_digit())


def test_uci_digits_take_mnists_format():
    images, labels = uci_digits_as_mnist()
    assert images.shape == (1797, 28, 28) and images.dtype == np.float32 and labels.shape == (1797,)
    assert images.min() >= 0 and images.max() == pytest.approx(255, abs=1)
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    centres = np.array([ndimage.center_of_mass(img) for img in images[:50]])
    np.testing.assert_allclose(centres, 13.5, atol=0.6)
    inside = images[:, 3:25, 3:25].sum() / images.sum()
    assert inside > 0.97  # the 20 x 20 box, centred: almost no ink near the frame's edge, as in MNIST


def test_a_saved_model_is_evaluated_on_every_condition_and_the_uci_digits(tmp_path, monkeypatch):
    import keras

    from digitbench.robustness.evaluate import evaluate_run
    from digitbench.training.data import prepare

    digits = make_tiny_digits()
    np.savez(tmp_path / "mnist.npz", **digits)
    # The toy digits are not MNIST: read them without the check of MNIST's digests.
    monkeypatch.setattr("digitbench.data.load_npz", lambda path: dict(np.load(path)))
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10, "softmax")])
    model.save(tmp_path / "model.keras")
    training = {"train_size": 0, "validation_split": 0.2}
    # The run's record of the whole test set, as train_cnn writes it.
    whole = prepare(digits, train_size=0, validation_split=0.2, split_seed=1)
    np.savez(tmp_path / "predictions.npz", proba=model.predict(whole.x_test, verbose=0))
    robustness = {"test_size": 50, "seed": 3, **STRENGTHS}

    def evaluate(record="predictions.npz", batch_size=7):
        return evaluate_run(str(tmp_path / "model.keras"), str(tmp_path / "mnist.npz"), record=str(tmp_path / record),
                            training=training, split_seed=1, preprocessing="standard", percentiles=(1.0, 99.0),
                            test_set={"size": 0, "seed": None}, robustness=robustness,
                            occlusion={"per_class": 2, "patch": 6, "stride": 4}, batch_size=batch_size,
                            log=logging.getLogger("test"))
    out, occ = evaluate()
    assert out["correct"].shape == (7, 50) and out["uci_proba"].shape == (1797, 10)
    assert (out["correct"] == (out["predicted"] == out["y_true"])).all() and out["top_share"].shape == (7,)
    assert (out["uci_predicted"] == out["uci_proba"].argmax(axis=1)).all()
    assert list(out["family"]) == [f for f, _ in conditions(STRENGTHS)]
    # The clean row is the model on the run's own preprocessing of those test images.
    from digitbench.robustness.perturb import test_subset
    arrays = test_subset(str(tmp_path / "mnist.npz"), {"size": 0, "seed": None}, 50, 3)
    x = prepare(arrays, train_size=0, validation_split=0.2, split_seed=1).x_test
    np.testing.assert_array_equal(out["correct"][0], model.predict(x, verbose=0).argmax(axis=1) == arrays["y_test"])
    np.testing.assert_array_equal(out["y_true"], arrays["y_test"])
    # Occlusion maps of the first 2 test digits of each class, from the same predictions.
    from digitbench.robustness.occlusion import occlusion_maps
    assert occ["maps"].shape == (20, 28, 28) and occ["y_true"].tolist() == sorted(list(range(10)) * 2)

    def predict(images):
        scaled = prepare({**arrays, "x_test": images, "y_test": np.zeros(len(images), int)}, train_size=0,
                         validation_split=0.2, split_seed=1).x_test
        return model.predict(scaled, verbose=0)
    maps, _ = occlusion_maps(predict, occ["images"], occ["y_true"], patch=6, stride=4)
    np.testing.assert_allclose(occ["maps"], maps, atol=1e-5)
    # The batch size paces inference only.
    again, occ_again = evaluate(batch_size=512)
    np.testing.assert_array_equal(again["predicted"], out["predicted"])
    np.testing.assert_allclose(occ_again["maps"], occ["maps"], atol=1e-6)
    # A record of another model is refused, naming the rule that rewrites it.
    np.savez(tmp_path / "other.npz", proba=np.full((len(digits["y_test"]), 10), 0.1))
    with pytest.raises(ValueError, match="other.npz.*rerun rule train_cnn"):
        evaluate("other.npz")


def write_runs(tmp_path, archs=(("a", 0.9), ("b", 0.6)), seeds=(1, 2), n=60, collapse=None, kind="cnn"):
    """Behaviour files of toy runs that are right with probability p, wrong onto a random other class.

    ``collapse`` maps ``(arch, condition row or None for the UCI digits)`` to a class that all of that
    architecture's runs predict for every image there, or to ``{seed: class}`` for some of its runs."""
    rng = np.random.default_rng(0)
    family = np.array(["clean", "rotation", "rotation", "noise"])
    y_true, uci_y = np.tile(np.arange(10), n // 10), np.tile(np.arange(10), 4)
    paths, keys = [], []
    for arch, p in archs:
        for seed in seeds:
            path = tmp_path / f"{arch}{seed}.npz"
            predicted = np.where(rng.random((4, n)) < p, y_true, (y_true + rng.integers(1, 10, (4, n))) % 10)
            uci_predicted = np.where(rng.random(40) < p, uci_y, (uci_y + rng.integers(1, 10, 40)) % 10)
            for (a, row), cls in (collapse or {}).items():
                cls = cls.get(seed) if isinstance(cls, dict) else cls
                if cls is None:
                    continue
                if a == arch and row is None:
                    uci_predicted[:] = cls
                elif a == arch:
                    predicted[row] = cls
            np.savez(path, family=family, strength=np.array([0, 15, 30, 0.1]), y_true=y_true,
                     correct=predicted == y_true, predicted=predicted.astype(np.int8), uci_y_true=uci_y,
                     uci_proba=np.eye(10)[uci_predicted], uci_predicted=uci_predicted.astype(np.int8))
            paths.append(path)
            keys.append((arch, seed))
    return R.load_runs(paths, keys, kind)


def test_summary_covers_every_architecture_condition_and_the_uci_digits(tmp_path):
    table = R.summary_table(write_runs(tmp_path), n_resamples=200, seed=1, confidence=0.95, collapse_share=0.5)
    assert len(table) == 2 * (4 + 1)
    assert set(table["family"]) == {"clean", "rotation", "noise", "uci_digits"}
    row = table[(table["architecture"] == "a") & (table["family"] == "uci_digits")].iloc[0]
    assert row["n_seeds"] == 2 and row["n_images"] == 40 and row["ci_low"] <= row["accuracy"] <= row["ci_high"]
    assert (table["min"] <= table["accuracy"]).all() and (table["accuracy"] <= table["max"]).all()


def test_architectures_are_compared_at_each_familys_strongest_perturbation(tmp_path):
    tests = R.tests_table(write_runs(tmp_path), alpha=0.05, n_resamples=200, seed=1, confidence=0.95,
                          collapse_share=0.5)
    assert list(tests.columns) == R.TEST_COLUMNS
    assert list(tests["family"]) == ["robustness_rotation", "robustness_noise", "uci_digits"]
    assert list(tests["strength"]) == [30.0, 0.1, 0.0]
    assert (tests["error_a"] < tests["error_b"]).all() and (tests["p_holm"] >= tests["p"]).all()
    one = R.tests_table(write_runs(tmp_path, archs=(("a", 0.9),)), 0.05, 200, 1, 0.95, 0.5)
    assert one.empty and list(one.columns) == R.TEST_COLUMNS


def test_runs_on_other_conditions_are_refused(tmp_path):
    runs = write_runs(tmp_path)
    with np.load(tmp_path / "b2.npz") as z:
        arrays = dict(z)
    arrays["strength"] = np.array([0, 20, 30, 0.1])
    np.savez(tmp_path / "b2.npz", **arrays)
    with pytest.raises(ValueError, match="b2.npz was evaluated on other conditions than .*a1.npz: rerun rule "
                                         "evaluate_behaviour"):
        R.load_runs([tmp_path / f"{a}{s}.npz" for a, s in (("a", 1), ("a", 2), ("b", 1), ("b", 2))],
                    [(r.architecture, r.seed) for r in runs])


def test_report_table_and_sentences_come_from_the_files(tmp_path):
    from digitbench.report.numbers.robustness import build
    from digitbench.section_table import ReportContext
    from digitbench.stats.claims import pairwise_claims

    runs = write_runs(tmp_path)
    R.summary_table(runs, 200, 1, 0.95, 0.5).to_csv(tmp_path / "summary.csv", index=False)
    tests = R.tests_table(runs, 0.05, 200, 1, 0.95, 0.5)
    tests.to_csv(tmp_path / "tests.csv", index=False)
    (tmp_path / "claims.json").write_text(json.dumps({"claims": pairwise_claims(tests, 0.05)}))
    config = {"test_size": 60, "seed": 1, "rotation": [15, 30], "shift": [2], "blur": [1], "noise": [0.1],
              "collapse_share": 0.5}
    files = {name: str(tmp_path / name) for name in ("summary.csv", "tests.csv", "claims.json")}
    built = build({"summary": files["summary.csv"], "tests": files["tests.csv"], "claims": files["claims.json"]},
                  ReportContext(config={"robustness": config}, schema={}, commit="c"))
    variables, tables, texts = built.variables["robustness"], built.tables, built.texts
    assert variables["strengths"]["rotation"] == "15° and 30°" and variables["n_uci"] == "40"
    assert "Rotation 30°" in tables["robustness"] and "{#tbl-robustness}" in tables["robustness"]
    text = texts["robustness_tests"]
    assert "At the strongest rotation (30°):" in text and "On the UCI digits:" in text
    assert "error rate than" in text and "test error" not in text
    # One paragraph per condition; up to two tested pairs are stated in full.
    assert text.count("\n\n") == len(set(tests["family"])) and text.count("(two-level") == len(tests)
    assert "No run collapsed on any condition." in texts["robustness_behaviour"]
    assert "`a` has the highest mean" in texts["robustness_behaviour"]


# --- occlusion -----------------------------------------------------------------------------------------


def centre_detector(x: np.ndarray) -> np.ndarray:
    """A stand-in model: class 0's probability is the share of ink in the central 8 x 8 pixels."""
    share = x[:, 10:18, 10:18].sum(axis=(1, 2)) / np.maximum(1, x.sum(axis=(1, 2)))
    return np.stack([share, 1 - share], axis=1)


def test_positions_cover_the_image_to_its_edge():
    from digitbench.robustness.occlusion import positions
    corners = positions(28, 6, 4)
    assert corners[0] == (0, 0) and corners[-1] == (22, 22) and len(corners) == 7 * 7
    with pytest.raises(ValueError, match=re.escape("patch and stride must be in 1..28. Received: patch=0, stride=2")):
        positions(28, 0, 2)


def test_occlusion_map_is_high_where_the_model_looks():
    from digitbench.robustness.occlusion import occlusion_maps
    image = np.zeros((2, 28, 28), np.float32)
    image[:, 8:20, 8:20] = 255
    maps, proba = occlusion_maps(centre_detector, image, np.array([0, 1]))
    assert maps.shape == (2, 28, 28) and proba.shape == (2, 2)
    # Hiding the centre costs class 0; hiding the empty corners costs nothing.
    assert maps[0, 14, 14] > 0.05 and maps[0, 2, 2] == 0
    assert maps[1, 14, 14] == pytest.approx(-maps[0, 14, 14])  # ... and helps class 1 by as much


def test_pick_digits_takes_the_first_of_each_class():
    from digitbench.robustness.occlusion import pick_digits
    labels = np.array([3, 0, 1, 2, 4, 5, 6, 7, 8, 9, 0, 1])
    assert pick_digits(labels, 1).tolist() == [1, 2, 3, 0, 4, 5, 6, 7, 8, 9]
    with pytest.raises(ValueError, match="Digit 2 has 1 images, fewer than occlusion.per_class. Received: 2"):
        pick_digits(labels, 2)


def test_summary_averages_seeds_and_shows_right_and_wrong_digits(tmp_path):
    from digitbench.robustness.occlusion import summarize
    y = np.repeat(np.arange(10), 2)
    paths, keys = [], []
    for arch, seed, bad in (("a", 1, [3]), ("a", 2, [3, 5]), ("b", 1, [])):
        proba = np.eye(10)[y]
        proba[bad] = np.eye(10)[(y[bad] + 1) % 10]
        paths.append(str(tmp_path / f"{arch}{seed}.npz"))
        keys.append((arch, seed))
        np.savez(paths[-1], index=np.arange(20), y_true=y, images=np.zeros((20, 28, 28)), proba=proba,
                 maps=np.full((20, 28, 28), float(seed)))
    s = summarize(paths, keys, n_examples=2)
    assert s["architectures"].tolist() == ["a", "b"] and s["n_seeds"].tolist() == [2, 1]
    assert s["maps"][0, 0, 0, 0] == 1.5 and s["class_maps"].shape == (2, 10, 28, 28)
    assert s["wrong"][0, 3] == 2 and s["wrong"][0, 5] == 1 and s["wrong"][1].sum() == 0
    assert s["examples"].tolist() == [0, 2, 3, 5] and s["example_wrong"].tolist() == [False, False, True, True]
    np.savez(paths[2], index=np.arange(1, 21), y_true=y, images=np.zeros((20, 28, 28)), proba=np.eye(10)[y],
             maps=np.zeros((20, 28, 28)))
    with pytest.raises(ValueError, match="b1.npz holds maps of other digits than .*a1.npz"):
        summarize(paths, keys)


def test_occlusion_paragraph_says_which_digits_are_shown(tmp_path):
    from digitbench.report.numbers.robustness import occlusion_variables
    np.savez(tmp_path / "s.npz", y_true=np.zeros(50), example_wrong=np.array([False] * 4 + [True] * 3))
    v = occlusion_variables(str(tmp_path / "s.npz"), {"patch": 6, "stride": 2, "per_class": 5})
    assert v == {"patch": "6", "stride": "2 pixels", "per_class": "5", "n_digits": "50",
                 "shown": "4 digits that every run classified correctly and 3 digits that the most runs misclassified"}
    np.savez(tmp_path / "s.npz", y_true=np.zeros(10), example_wrong=np.array([False]))
    assert occlusion_variables(str(tmp_path / "s.npz"), {"patch": 6, "stride": 1, "per_class": 1})["shown"] == (
        "1 digit that every run classified correctly; no run misclassified any of the digits")
