"""The SLURM profile on a real SLURM: a single-node cluster on this machine (tests/slurm/localcluster.sh:
slurmctld, slurmd and munge on localhost, no accounting database, two emulated GPUs).

They carry the marker ``slurm``: `make test-slurm` runs them all (root, and Debian's slurm-wlm and
munge installed or installable; otherwise they skip, saying why). `make test` deselects them
(``-m "not slurm"``): they take 3 minutes without the smoke workflow through SLURM and 11 with it,
and `make test` is kept under 10 minutes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT
from tests.smoke import SMOKE, fresh_copy

pytestmark = pytest.mark.slurm
SCRIPT = ROOT / "tests/slurm/localcluster.sh"
# Status queries every few seconds instead of the profile's 20: the smoke jobs take seconds.
FAST = ("--slurm-init-seconds-before-status-checks", "3")
FULL = "DIGITBENCH_SLURM_WORKFLOW"  # set by `make test-slurm`: also run the whole smoke workflow through SLURM
SUBMITTED = re.compile(r"Job (\d+) has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")
# What a run measured about itself (time, machine); everything else in metrics.json is a result.
NOT_RESULTS = {"training_seconds", "wall_seconds_this_session", "images_per_second", "inference_ms_per_image",
               "device", "devices", "versions", "resumed_from_epoch", "fit_seconds", "predict_seconds"}


def why_not_here() -> str | None:
    if not sys.platform.startswith("linux"):
        return "a local SLURM needs Linux"
    if os.geteuid() != 0 and not shutil.which("slurmctld"):
        return "SLURM is not installed and installing it (apt-get install slurm-wlm munge) needs root"
    if os.geteuid() != 0:
        return "slurmd and munged are started as root; run `make test-slurm` as root"
    return None


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> dict[str, str]:
    """SLURM up for this module's tests, and down after them; the environment its commands need."""
    if reason := why_not_here():
        pytest.skip(reason)
    env = {**os.environ, "DIGITBENCH_SLURM_DIR": str(tmp_path_factory.mktemp("slurm") / "state")}
    installed = subprocess.run([SCRIPT, "install"], env=env, capture_output=True, text=True, timeout=900)
    if installed.returncode != 0:
        pytest.skip(f"SLURM could not be installed here: {installed.stderr.strip()}")
    started = subprocess.run([SCRIPT, "start"], env=env, capture_output=True, text=True, timeout=120)
    if started.returncode == 3:
        pytest.skip(started.stderr.strip())
    assert started.returncode == 0, f"SLURM is installed but did not start:\n{started.stderr}"
    env["SLURM_CONF"] = started.stdout.strip().removeprefix("export SLURM_CONF=")
    try:
        yield env
    finally:
        subprocess.run([SCRIPT, "stop"], env=env, capture_output=True, text=True, timeout=120)


def profile_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "snakemake", "--profile", "workflow/profiles/slurm", *FAST, *args]


def submissions(output: str) -> dict[str, list[str]]:
    """Snakemake job id -> the SLURM job ids it was submitted as (more than one after a retry)."""
    found: dict[str, list[str]] = {}
    for job, slurm_id, _ in SUBMITTED.findall(output):
        found.setdefault(job, []).append(slurm_id)
    return found


def jobs_run(output: str) -> dict[str, str]:
    """Snakemake job id -> rule, from the job blocks Snakemake prints."""
    jobs, rule = {}, None
    for line in output.splitlines():
        if m := re.match(r"^(?:local)?rule (\w+):$", line):
            rule = m.group(1)
        elif (m := re.match(r"^\s+jobid: (\d+)$", line)) and rule:
            jobs[m.group(1)] = rule
    return jobs


def result_digests(run: Path) -> dict[str, str]:
    """SHA-256 of every run's predictions (the arrays, not the zip, whose entries carry a time stamp)
    and of its metrics without the fields that describe the machine and the clock."""
    digests = {}
    for path in sorted(run.glob("results/*/**/predictions.npz")):
        with np.load(path) as npz:
            h = hashlib.sha256()
            for key in sorted(npz.files):
                h.update(key.encode() + np.ascontiguousarray(npz[key]).tobytes())
        digests[str(path.relative_to(run))] = h.hexdigest()
    for path in sorted(run.glob("results/*/**/metrics.json")):
        metrics = {k: v for k, v in json.loads(path.read_text()).items() if k not in NOT_RESULTS}
        digests[str(path.relative_to(run))] = hashlib.sha256(json.dumps(metrics, sort_keys=True).encode()).hexdigest()
    return digests


def test_smoke_workflow_runs_every_job_through_slurm_with_the_local_results(cluster, smoke_run, tmp_path):
    if not os.environ.get(FULL):
        pytest.skip(f"the smoke workflow through SLURM (every job, two at a time) takes about 8 minutes: "
                    f"`make test-slurm` runs it ({FULL}=1)")
    work = fresh_copy(tmp_path / "digitbench")
    proc = subprocess.run(profile_command(*SMOKE), cwd=work, env={**cluster, "PYTHONUNBUFFERED": "1"},
                          capture_output=True, text=True, timeout=2400)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-8000:]

    # Every job Snakemake ran (all but the target rule `all`, which has nothing to run) was a SLURM job,
    # and SLURM wrote each one's log under the id it gave.
    ran = {job for job, rule in jobs_run(output).items() if rule != "all"}
    sent = submissions(output)
    assert ran and set(sent) == ran, f"ran {sorted(ran)}, submitted {sorted(sent)}"
    slurm_ids = [i for ids in sent.values() for i in ids]
    assert len(slurm_ids) == len(set(slurm_ids)) == len(ran)  # no retries were needed
    logs = {p.stem for p in (work / ".snakemake/slurm_logs").rglob("*.log")}
    assert set(slurm_ids) <= logs
    controller = (Path(cluster["SLURM_CONF"]).parent / "slurmctld.log").read_text()
    done = set(re.findall(r"_job_complete: JobId=(\d+) done", controller))
    assert set(slurm_ids) <= done

    # The scheduler's GPU allocation is used as it is (SLURM sets CUDA_VISIBLE_DEVICES; no lock is taken).
    train_log = (work / "results/logs/train/baseline_cnn_seed1.log").read_text()
    assert re.search(r"device: GPU from the SLURM allocation: CUDA_VISIBLE_DEVICES=[01]$", train_log, re.M)

    # Same results as the local run of the same config.
    local, remote = result_digests(smoke_run), result_digests(work)
    assert len(local) >= 2 * 8 and local == remote


def test_a_cancelled_training_job_is_retried_and_resumes_from_its_checkpoint(cluster, tmp_path):
    work = fresh_copy(tmp_path / "resume")
    (work / "resume.yaml").write_text("training:\n  train_size: 3000\n  epochs: 3\n")  # epochs of ~10 s: time to cancel
    target = "results/models/baseline_cnn/seed1/metrics.json"
    log = work / "results/logs/train/baseline_cnn_seed1.log"
    out = open(tmp_path / "snakemake.out", "w+", encoding="utf-8")  # noqa: SIM115 -- read after the run
    proc = subprocess.Popen(profile_command(target, "--configfile", ".test/config.yaml", "resume.yaml"), cwd=work,
                            env={**cluster, "PYTHONUNBUFFERED": "1"}, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.time() + 600
        while time.time() < deadline and not (log.exists() and "epoch 1/3" in log.read_text()):
            assert proc.poll() is None, "Snakemake ended before the first epoch"
            time.sleep(0.5)
        # This run's training job, by its working directory (another run's jobs may share the cluster).
        running = subprocess.run(["squeue", "--noheader", "--states=RUNNING", "--format=%i|%k|%Z"], env=cluster,
                                 capture_output=True, text=True, check=True).stdout.split()
        training = [line.split("|")[0] for line in running
                    if "rule_train_cnn" in line and line.split("|")[2] == str(work)]
        assert len(training) == 1, running
        subprocess.run(["scancel", training[0]], env=cluster, check=True)
        assert proc.wait(timeout=900) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        out.seek(0)
        output = out.read()
        out.close()
    assert f"SLURM-job '{training[0]}' failed, SLURM status is: 'CANCELLED'" in output, output[-6000:]
    (attempts,) = [ids for ids in submissions(output).values() if training[0] in ids]
    assert len(attempts) == 2  # the cancelled job, then its retry
    text = log.read_text()
    assert "resuming baseline_cnn seed 1 from its checkpoint at epoch 2 of 3" in text
    assert "epoch 2/3" in text and "epoch 3/3" in text
    history = pd.read_csv(work / "results/models/baseline_cnn/seed1/history.csv")
    assert list(history["epoch"]) == [1, 2, 3]


def test_a_missing_gpu_model_stops_the_run_before_any_submission(cluster, tmp_path):
    work = fresh_copy(tmp_path / "badgpu")
    proc = subprocess.run(profile_command(*SMOKE, "--set-resources", "train_cnn:gpu_model=h100"), cwd=work,
                          env=cluster, capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Rule train_cnn asks for GPU model 'h100' (resource gpu_model), which no node of the default partition " \
           "has. GPU models there: sim." in output
    assert not SUBMITTED.search(output)


def test_a_slurm_that_does_not_answer_stops_the_run_before_any_submission(cluster, tmp_path):
    # A controller address where nothing listens, as when slurmctld is down.
    conf = tmp_path / "slurm.conf"
    conf.write_text(Path(cluster["SLURM_CONF"]).read_text().replace("SlurmctldPort=16817", "SlurmctldPort=16899"))
    work = fresh_copy(tmp_path / "down")
    proc = subprocess.run(profile_command(*SMOKE), cwd=work, env={**cluster, "SLURM_CONF": str(conf)},
                          capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "SLURM does not answer: `sinfo` exited with 1 and said" in output
    assert f"that SLURM_CONF names its slurm.conf (SLURM_CONF: {conf})" in output
    assert not SUBMITTED.search(output)
