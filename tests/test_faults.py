"""The fault matrix: what a demanding user does wrong after training, and what the workflow says.

Each probe runs on a copy of the smoke run and asserts the message (the file or key, and the fix)
and that no output is left looking complete: the last good report stays byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.smoke import SMOKE, copy_run, fresh_copy, report_texts, snakemake

pytestmark = pytest.mark.workflow
REPORT = ("results/report/digitbench.html", "results/report/digitbench.pdf")


def _report_bytes(work: Path) -> list[bytes]:
    return [(work / name).read_bytes() for name in REPORT]


def _scratch(work: Path) -> list[Path]:
    return sorted((work / "results/report").glob(".render-*"))


def test_edited_truncated_and_deleted_results_stop_the_run_naming_each(smoke_run, tmp_path):
    work = copy_run(smoke_run, tmp_path / "edited")
    before = _report_bytes(work)
    metrics = work / "results/models/enhanced_cnn/seed1/metrics.json"
    values = json.loads(metrics.read_text())
    values["accuracy"] = min(1.0, values["accuracy"] + 0.4)  # the edit of the bug report: 0.5312 -> 0.9312
    metrics.write_text(json.dumps(values))
    predictions = work / "results/models/baseline_cnn/seed2/predictions.npz"
    with open(predictions, "r+b") as fh:
        fh.truncate(predictions.stat().st_size // 2)
    (work / "results/tables/cnn_summary.csv").unlink()
    table = work / "report/_generated/tables/main_results.md"  # a number edited where the render reads it
    table.write_text(table.read_text().replace("0.", "0.9", 1))
    proc = snakemake(work, *SMOKE, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "Job stats" not in out
    assert "results/models/enhanced_cnn/seed1/metrics.json: changed since rule train_cnn wrote it" in out
    assert "results/models/baseline_cnn/seed2/predictions.npz: changed since rule train_cnn wrote it" in out
    assert "results/tables/cnn_summary.csv: missing (written by rule summarize_cnns)" in out
    assert "report/_generated/tables/main_results.md: changed since rule collect_report_variables wrote it" in out
    command = ("--configfile .test/config.yaml --forcerun report/_generated/tables/main_results.md "
               "results/models/baseline_cnn/seed2/predictions.npz results/models/enhanced_cnn/seed1/metrics.json "
               "results/tables/cnn_summary.csv")
    assert command in out
    assert _report_bytes(work) == before
    # The command it prints is accepted, and reruns those jobs and what depends on them.
    proc = snakemake(work, "--dry-run", *command.split())
    out = proc.stdout + proc.stderr
    assert "train_cnn" in out and "summarize_cnns" in out and "render_report" in out


def test_another_profile_is_refused_and_a_figure_is_regenerated_without_training(smoke_run):
    target = "results/figures/cnn_learning_curves.pdf"
    proc = snakemake(smoke_run, "--dry-run", target, check=False)  # the paper profile of config/config.yaml
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "train_cnn" not in out
    assert "results/ holds profile 'smoke'" in out and "this run's config is profile 'paper'" in out
    assert f"snakemake {target} --cores all --resources gpu=1 --configfile .test/config.yaml" in out
    proc = snakemake(smoke_run, "--dry-run", target, *SMOKE, "--forcerun", "plot_cnn_learning_curves")
    out = proc.stdout + proc.stderr
    assert "plot_cnn_learning_curves" in out and "train_cnn" not in out


@pytest.mark.parametrize(("text", "expected"), [
    ("training:\n  epochs: 2\n  batch_size: 64\n  epochs: 3\n",
     "line 4: key 'epochs' is given twice (first on line 2)"),
    ("training:\n  batch_size: 1000\n", "training.batch_size"),
])
def test_config_mistakes_stop_before_any_job(smoke_run, tmp_path, text, expected):
    extra = tmp_path / "extra.yaml"
    extra.write_text(text)
    proc = snakemake(smoke_run, "--dry-run", *SMOKE, str(extra), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and expected in out and "Job stats" not in out


def test_copied_verified_data_is_used_without_a_download(smoke_data, tmp_path):
    work = fresh_copy(tmp_path / "copied")
    (work / "resources/mnist").mkdir(parents=True)
    shutil.copy2(smoke_data, work / "resources/mnist/mnist.npz")  # cp -p
    # The whole study, not one target: on a fresh clone nothing that download_mnist declares is missing.
    proc = snakemake(work, "--dry-run", *SMOKE)
    out = proc.stdout + proc.stderr
    assert re.search(r"^\s*(local)?rule compute_eda:", out, re.M)
    assert not re.search(r"^\s*(local)?rule download_mnist:", out, re.M), out
    # A changed data source does not make Snakemake delete the verified copy to fetch it again.
    (work / "source.yaml").write_text("data:\n  sources: [npm]\n")
    proc = snakemake(work, "--dry-run", *SMOKE, "source.yaml")
    assert not re.search(r"^\s*(local)?rule download_mnist:", proc.stdout + proc.stderr, re.M)
    # The verified copy keeps a hard link: removed by hand (or by a failed download), it comes back.
    (work / "resources/mnist/mnist.npz").unlink()
    proc = snakemake(work, "--dry-run", "results/tables/eda_summary.json", *SMOKE)
    out = proc.stdout + proc.stderr
    assert "restored from its verified hard link" in out and "rule download_mnist" not in out, out


def test_a_wrong_data_copy_or_local_path_stops_the_run_before_any_job(smoke_run, tmp_path):
    work = copy_run(smoke_run, tmp_path / "wrong-data")
    npz = work / "resources/mnist/mnist.npz"
    npz.unlink()  # a new file, not an edit of the verified one (its hard link keeps that)
    npz.write_bytes(b"not an npz")
    proc = snakemake(work, *SMOKE, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "resources/mnist/mnist.npz is not the verified MNIST" in out, out
    assert "mv resources/mnist/mnist.npz resources/mnist/mnist.npz.bad" in out and "Select jobs" not in out
    assert "Traceback" not in out
    # Moved aside as the message says: the verified copy comes back and nothing reruns.
    npz.rename(npz.with_name("mnist.npz.bad"))
    proc = snakemake(work, "--dry-run", *SMOKE)
    assert "restored" in proc.stdout + proc.stderr
    (work / "local.yaml").write_text("data:\n  local_path: /nowhere/mnist.npz\n")
    proc = snakemake(work, "--dry-run", *SMOKE, "local.yaml", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "data.local_path in config/config.yaml" in out and "/nowhere/mnist.npz" in out
    assert "Traceback" not in out


def test_hostile_title_killed_and_refused_renders_keep_the_last_good_report(smoke_run, tmp_path):
    work = copy_run(smoke_run, tmp_path / "render")
    title = "<script>alert(1)</script> $x$ *y* {{< var data.n_train >}} @ref"
    (work / "hostile.yaml").write_text(json.dumps({"report": {"title": title}}))
    config = (*SMOKE, "hostile.yaml")
    # The copy has no Snakemake metadata, which is what notices a changed title: force the render.
    proc = snakemake(work, *config, "--forcerun", "render_report")
    assert "render_report" in proc.stderr and "train_cnn" not in proc.stderr
    html = (work / REPORT[0]).read_text()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for text in report_texts(work).values():
        assert "$x$ *y* {{< var data.n_train >}} @ref" in text
    before = _report_bytes(work)

    # kill -9 of Snakemake and the render while the render works in its scratch folder
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *config, "--forcerun", "render_report"]
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and not _scratch(work):
        time.sleep(0.2)
    time.sleep(1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _scratch(work) and _report_bytes(work) == before

    # a refused render: a report source uses a variable no rule wrote
    source = work / "report/sections/_limitations.qmd"
    source.write_text(source.read_text() + "\nSee {{< var no.such.value >}}.\n")
    # After a kill -9 the user releases Snakemake's stale lock and reruns (README); the report files
    # are not Snakemake outputs (the publication record is), so nothing is "incomplete".
    snakemake(work, "--unlock", *config)
    proc = snakemake(work, *config, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "no.such.value" in out
    assert _report_bytes(work) == before and not _scratch(work)
    # The kept report is not taken for a current one: the render is still due. Its record, which
    # Snakemake deleted when the render started, comes back with it, so no --forcerun is demanded.
    proc = snakemake(work, "--dry-run", *config)
    out = proc.stdout + proc.stderr
    assert "render_report" in out and "Nothing to be done" not in out and "--forcerun" not in out
    assert "digitbench.json restored" in out and (work / "results/report/digitbench.json").is_file()


def _lock_is_held(path: Path) -> bool:
    import fcntl

    if not path.exists():
        return False
    with open(path, "a", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
    return False


def test_two_runs_at_once_one_is_refused_and_the_other_finishes(smoke_run, tmp_path):
    from digitbench.workdir import LOCK

    work = copy_run(smoke_run, tmp_path / "twice")
    figure = work / "results/figures/eda_sample_grid.pdf"
    cmd = [sys.executable, "-m", "snakemake", "results/figures/eda_sample_grid.pdf", "--cores", "1", *SMOKE,
           "--forcerun", "plot_eda_sample_grid"]
    first = subprocess.Popen(cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             process_group=0)
    deadline = time.time() + 300
    while not _lock_is_held(work / LOCK) and first.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert first.poll() is None, "the first run ended before it was seen holding the folder's lock"
    # Held still while the second starts, whatever the machine's load: the first run is frozen meanwhile.
    os.killpg(first.pid, signal.SIGSTOP)
    try:
        assert _lock_is_held(work / LOCK), "the first run never took the folder's lock"
        second = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=600)
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    out = first.communicate(timeout=600)[0]
    assert first.returncode == 0, out
    refused = second.stdout + second.stderr
    # Snakemake's own lock on the outputs, or this project's lock on the folder: both name the fix.
    assert second.returncode != 0 and ("is executing jobs in this folder" in refused
                                       or "cannot be locked" in refused), refused
    assert figure.stat().st_size > 0 and not list(figure.parent.glob(".tmp-*"))


def test_the_printed_command_with_several_config_files_is_accepted(smoke_run, tmp_path):
    work = copy_run(smoke_run, tmp_path / "several")
    (work / "title.yaml").write_text("report:\n  title: Another title\n")
    metrics = work / "results/models/enhanced_cnn/seed1/metrics.json"
    metrics.write_text(metrics.read_text().replace("0.", "0.9", 1))
    proc = snakemake(work, "--dry-run", *SMOKE, "title.yaml", check=False)
    out = proc.stdout + proc.stderr
    lines = [line.strip() for line in out.splitlines() if line.strip().startswith("snakemake ") and "--forcerun" in line]
    assert lines and "--configfile .test/config.yaml title.yaml --forcerun" in lines[0], out
    # Snakemake 9 keeps only the last of repeated --configfile flags: the command names them once.
    assert lines[0].count("--configfile") == 1
    proc = snakemake(work, "--dry-run", *shlex.split(lines[0])[1:])
    out = proc.stdout + proc.stderr
    assert "train_cnn" in out and "Traceback" not in out


def test_trained_runs_are_shared_through_snakemakes_cache_and_an_edited_entry_is_refused(smoke_data, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    env = {"SNAKEMAKE_OUTPUT_CACHE": str(cache)}
    run = "results/models/baseline_cnn/seed1"
    behaviour = "results/robustness/baseline_cnn/seed1.npz"
    clones = []
    for name in ("first", "second"):
        work = fresh_copy(tmp_path / name)
        (work / "resources/mnist").mkdir(parents=True)
        shutil.copy2(smoke_data, work / "resources/mnist/mnist.npz")
        clones.append(work)
    first, second = clones
    # Targets first: --cache takes rule names. Two seeds of one architecture: the cache keeps them apart.
    snakemake(first, f"{run}/metrics.json", "results/models/baseline_cnn/seed2/metrics.json", *SMOKE, "--cache",
              "train_cnn", env=env)
    assert (first / "results/logs/train/baseline_cnn_seed1.log").exists()
    assert len([p for p in cache.iterdir() if p.name.endswith("_metrics.json")]) == 2
    assert (first / run / "metrics.json").read_text() != (first / "results/models/baseline_cnn/seed2/metrics.json"
                                                           ).read_text()
    # The second clone trains nothing: the run comes from the cache, verified by the job that reads it.
    proc = snakemake(second, behaviour, *SMOKE, "--cache", "train_cnn", env=env)
    out = proc.stdout + proc.stderr
    train_log = second / "results/logs/train/baseline_cnn_seed1.log"  # Snakemake may create it, empty
    assert "from cache" in out and "epoch" not in (train_log.read_text() if train_log.exists() else ""), out
    assert (second / run / "model.keras").is_symlink() and (second / behaviour).is_file()
    # An edited cache entry is refused by the first job that reads it, naming the file.
    entry = (second / run / "predictions.npz").resolve()  # this run's entry: the cache holds both seeds
    entry.chmod(0o644)
    with open(entry, "ab") as fh:
        fh.write(b"\0")
    proc = snakemake(second, behaviour, *SMOKE, "--cache", "train_cnn", "--forcerun", behaviour, env=env,
                     check=False)
    out = proc.stdout + proc.stderr + (second / "results/logs/behaviour/baseline_cnn_seed1.log").read_text()
    assert proc.returncode != 0 and f"{run}/predictions.npz: differs from the digest rule train_cnn listed" in out
    # --cache without a cache folder is refused before any job.
    proc = snakemake(second, behaviour, *SMOKE, "--cache", "train_cnn", check=False)
    assert proc.returncode != 0 and "SNAKEMAKE_OUTPUT_CACHE is not set" in proc.stdout + proc.stderr


def test_a_declared_architecture_reruns_only_its_own_runs_and_a_broken_builder_stops_before_any_job(smoke_run,
                                                                                                   tmp_path):
    work = copy_run(smoke_run, tmp_path / "own-model")
    builder = work / "examples/lenet5.py"
    builder.write_text(builder.read_text().replace("Dense(84,", "Dense(64,"))
    proc = snakemake(work, "--dry-run", *SMOKE)
    out = proc.stdout + proc.stderr
    trained = set(re.findall(r"output: results/models/(\w+)/seed\d+/model.keras", out))
    assert trained == {"lenet5"}, out[-3000:]
    broken = {"shape": ("def build(input_shape, num_classes):\n    return None\n", "returned a NoneType"),
              "missing": (None, "examples/none.py: no such file")}
    for name, (source, expected) in broken.items():
        spec = "examples/lenet5.py:build" if source else "examples/none.py:build"
        if source:
            builder.write_text(source)
        (work / "own.yaml").write_text(f"models:\n  lenet5:\n    builder: {spec}\n")
        proc = snakemake(work, *SMOKE, "own.yaml", check=False)
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0 and expected in out and "no job has run" in out, (name, out[-2000:])
        assert "Select jobs" not in out and "Traceback" not in out
