"""What a rerun changes: two results folders of one profile compared run by run.

``python -m digitbench.reruns RESULTS_A RESULTS_B --out FILE`` compares the test predictions of every
CNN run (``models/{arch}/seed{seed}/predictions.npz``) and every baseline
(``baselines/{model}/predictions.npz``) present in both folders: whether the predicted labels are
identical, how many of them differ, whether the predicted probabilities are bit-identical, and the
accuracy of each. The file records the machine, software and date of the comparison, which is what it
applies to. A rerun takes as long as the run itself, so the comparison is shipped with the project
(config ``report.rerun_check``) and verified by its digest (:func:`adopt`) before the report prints it.
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from digitbench.atomic import write_atomic
from digitbench.report.numbers.provenance import hardware, package_versions
from digitbench.shipped import read_verified

COLUMNS = ["kind", "model", "seed", "n_test", "n_differ", "identical", "proba_identical", "max_proba_diff",
           "accuracy_a", "accuracy_b", "profile", "compared_on", "machine", "software"]
# The packages whose versions a rerun's predictions depend on (the rest only draw or render).
SOFTWARE = ("keras", "tensorflow", "tensorflow-cpu", "jax", "torch", "numpy", "scikit-learn")


def predictions(root: str | os.PathLike[str]) -> dict[tuple[str, str, str], Path]:
    """``(kind, model, seed) -> predictions.npz`` of every CNN run and baseline in a results folder (seed "" for baselines)."""
    root = Path(root)
    found = {("cnn", p.parent.parent.name, p.parent.name.removeprefix("seed")): p
             for p in root.glob("models/*/seed*/predictions.npz")}
    found |= {("baseline", p.parent.name, ""): p for p in root.glob("baselines/*/predictions.npz")}
    return dict(sorted(found.items(), key=lambda item: (item[0][0] != "cnn", item[0][1], int(item[0][2] or 0))))


def compare_files(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> dict[str, object]:
    """One run's two ``predictions.npz``: differing labels, bit-identical probabilities, accuracy of each.

    Raises:
        ValueError: The two files were tested on different images (their ``y_true`` differ).
    """
    with np.load(a) as fa, np.load(b) as fb:
        if not np.array_equal(fa["y_true"], fb["y_true"]):
            raise ValueError(f"{a} and {b} hold different test sets (y_true differs); compare runs of one profile. "
                             f"Received: {len(fa['y_true'])} and {len(fb['y_true'])} labels")
        y_true, pred_a, pred_b = fa["y_true"], fa["y_pred"], fb["y_pred"]
        proba_a, proba_b = fa["proba"], fb["proba"]
        n_differ = int((pred_a != pred_b).sum())
        same_proba = proba_a.shape == proba_b.shape and bool(np.array_equal(proba_a, proba_b))
        diff = float(np.abs(proba_a.astype(np.float64) - proba_b.astype(np.float64)).max()) \
            if proba_a.shape == proba_b.shape else float("nan")
        return {"n_test": int(len(y_true)), "n_differ": n_differ, "identical": n_differ == 0,
                "proba_identical": same_proba, "max_proba_diff": diff,
                "accuracy_a": float((pred_a == y_true).mean()), "accuracy_b": float((pred_b == y_true).mean())}


def _profile(root: Path) -> str:
    stamp = root / ".profile.json"
    return json.loads(stamp.read_text())["profile"] if stamp.is_file() else "unknown"


def compare(a: str | os.PathLike[str], b: str | os.PathLike[str], when: datetime.datetime | None = None) -> pd.DataFrame:
    """Every run present in both results folders, compared (:data:`COLUMNS`, CNN runs first).

    Args:
        a: The first results folder (``results/`` of one run of the profile).
        b: The second.
        when: The time of the comparison (default: now, UTC).

    Raises:
        ValueError: The folders belong to different profiles, or have no run in common.
    """
    a, b = Path(a), Path(b)
    profile_a, profile_b = _profile(a), _profile(b)
    if profile_a != profile_b:
        raise ValueError(f"{a} holds profile {profile_a!r} and {b} profile {profile_b!r}: a rerun repeats one "
                         f"profile. Received: {profile_a!r}, {profile_b!r}")
    runs_a, runs_b = predictions(a), predictions(b)
    common = [key for key in runs_a if key in runs_b]
    if not common:
        raise ValueError(f"{a} and {b} have no run in common (models/*/seed*/ or baselines/*/ with predictions.npz). "
                         f"Received: {len(runs_a)} and {len(runs_b)} runs")
    when = when or datetime.datetime.now(datetime.timezone.utc)
    machine = hardware()
    versions = package_versions(SOFTWARE)
    meta = {"profile": profile_a, "compared_on": when.strftime("%Y-%m-%d"),
            "machine": f"{machine['cpu']}, {machine['cores']} logical cores, GPU: {machine['gpu']}",
            "software": ", ".join(f"{r.package} {r.version}" for r in versions.itertuples())}
    rows = [{"kind": kind, "model": model, "seed": seed, **compare_files(runs_a[kind, model, seed],
                                                                         runs_b[kind, model, seed]), **meta}
            for kind, model, seed in common]
    return pd.DataFrame(rows, columns=COLUMNS)


def fix_message(path: str) -> str:
    """What to do when the shipped comparison is missing or changed: how to make it, and where it goes."""
    return (f"To make it, run this profile twice into two results folders A and B, run `python -m digitbench.reruns "
            f"A B --out {path or 'FILE'}` and set report.rerun_check_sha256 to its `sha256sum`.")


def adopt(path: str, sha256: str, root: str | os.PathLike[str] = ".") -> pd.DataFrame:
    """The shipped comparison (config ``report.rerun_check``) after its digest is verified; no rows without one.

    Returns:
        :data:`COLUMNS`, then the file and its digest (``file``, ``sha256``).

    Raises:
        digitbench.shipped.ShippedFileError: The file is missing, changed, or not a comparison.
    """
    table = read_verified(path, sha256, "report.rerun_check", fix_message(path), COLUMNS, root, dtype={"seed": str})
    return table.assign(seed=table["seed"].fillna(""), file=path, sha256=sha256)


def main(argv: list[str] | None = None) -> int:
    """``python -m digitbench.reruns A B --out FILE``: compare two results folders of one profile, run by run."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m digitbench.reruns", description=main.__doc__.splitlines()[0])
    parser.add_argument("a", help="the first results folder (results/ of one run)")
    parser.add_argument("b", help="the second results folder, of the same profile")
    parser.add_argument("--out", required=True, help="the CSV to write (for example config/reruns/quick.csv)")
    args = parser.parse_args(argv)
    table = compare(args.a, args.b)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    write_atomic(args.out, lambda p: table.to_csv(p, index=False))
    same = int(table["identical"].sum())
    print(f"{args.out}: {same} of {len(table)} runs gave identical test predictions; "
          f"{int(table['n_differ'].sum())} predictions differ in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
