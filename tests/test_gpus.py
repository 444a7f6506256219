"""GPU binding for parallel training jobs: detection, memory policy, and flock slots across processes.

No GPU needed: ``DIGITBENCH_GPU_COUNT`` fakes the count, and the locks are real.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from digitbench.gpus import bind_gpu, configure_memory, visible_gpus

# A training job in miniature: bind a GPU (in os.environ, as a real job does), say which, and hold
# it until stdin closes or the job is killed.
JOB = """
import os, sys
from digitbench.gpus import bind_gpu
try:
    binding = bind_gpu(wait_seconds=float(sys.argv[1]), poll_seconds=0.05)
except RuntimeError as exc:
    print("ERROR", exc, flush=True)
    sys.exit(3)
print(os.environ["CUDA_VISIBLE_DEVICES"], flush=True)
sys.stdin.read()
"""


def start_job(lock_dir: Path, wait_seconds: float) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CUDA_VISIBLE_DEVICES", "SLURM_JOB_ID")}
    env.update(DIGITBENCH_GPU_COUNT="3", DIGITBENCH_GPU_LOCK_DIR=str(lock_dir))
    return subprocess.Popen([sys.executable, "-c", JOB, str(wait_seconds)], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def first_line(job: subprocess.Popen[str], timeout: float = 60) -> str:
    ready, _, _ = select.select([job.stdout], [], [], timeout)
    assert ready, f"job {job.pid} said nothing within {timeout} s"
    return job.stdout.readline().strip()


def two_gpus(**extra: str) -> dict[str, str]:
    return {"DIGITBENCH_GPU_COUNT": "2", **extra}


def test_gpus_module_imports_no_backend():
    code = "import sys, digitbench.gpus; print([m for m in ('keras', 'jax', 'tensorflow') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("env, expected", [
    ({"DIGITBENCH_GPU_COUNT": "3", "CUDA_VISIBLE_DEVICES": "5"}, ["0", "1", "2"]),
    ({"DIGITBENCH_GPU_COUNT": " 0 "}, []),
    ({"CUDA_VISIBLE_DEVICES": "2, 3,"}, ["2", "3"]),
    ({"CUDA_VISIBLE_DEVICES": "GPU-5e0b1c2d"}, ["GPU-5e0b1c2d"]),
    ({"CUDA_VISIBLE_DEVICES": ""}, []),
    ({"CUDA_VISIBLE_DEVICES": "-1"}, []),
    ({"CUDA_VISIBLE_DEVICES": "0,-1,1"}, ["0"]),
])
def test_visible_gpus_precedence(monkeypatch, env, expected):
    monkeypatch.setattr(shutil, "which", lambda name: pytest.fail("nvidia-smi consulted despite an override"))
    assert visible_gpus(env) == expected


@pytest.mark.parametrize("value", ["two", "-1", "1.5", ""])
def test_bad_gpu_count_is_refused(value):
    message = f"DIGITBENCH_GPU_COUNT must be a non-negative integer. Received: {value!r}"
    with pytest.raises(ValueError, match=re.escape(message)):
        visible_gpus({"DIGITBENCH_GPU_COUNT": value})


def test_no_nvidia_smi_means_no_gpu(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert visible_gpus({}) == []


@pytest.mark.parametrize("script, expected", [
    ("echo 'GPU 0: A100 (UUID: GPU-a)'; echo '  MIG 1g.5gb Device 0: (UUID: MIG-b)'; echo 'GPU 1: A100 (UUID: GPU-c)'",
     ["0", "1"]),
    ("echo 'NVIDIA-SMI has failed' >&2; exit 9", []),
])
def test_nvidia_smi_lists_the_gpus(tmp_path, monkeypatch, script, expected):
    smi = tmp_path / "nvidia-smi"
    smi.write_text(f"#!/bin/sh\n{script}\n")
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert visible_gpus({}) == expected


def test_configure_memory_sets_the_policy_but_keeps_user_values():
    env = {"TF_FORCE_GPU_ALLOW_GROWTH": "false"}
    lines = configure_memory(env)
    assert env == {"XLA_PYTHON_CLIENT_PREALLOCATE": "false", "TF_FORCE_GPU_ALLOW_GROWTH": "false"}
    assert lines[0].startswith("XLA_PYTHON_CLIENT_PREALLOCATE=false (set: JAX")
    assert lines[1] == "TF_FORCE_GPU_ALLOW_GROWTH=false (kept: set by the user)"
    configure_memory(empty := {})
    assert empty == {"XLA_PYTHON_CLIENT_PREALLOCATE": "false", "TF_FORCE_GPU_ALLOW_GROWTH": "true"}


def test_configure_memory_defaults_to_os_environ(monkeypatch):
    # setenv first so that teardown removes what configure_memory sets (delenv of an unset name records nothing)
    monkeypatch.setenv("XLA_PYTHON_CLIENT_PREALLOCATE", "placeholder")
    monkeypatch.delenv("XLA_PYTHON_CLIENT_PREALLOCATE")
    monkeypatch.setenv("TF_FORCE_GPU_ALLOW_GROWTH", "false")
    configure_memory()
    assert os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
    assert os.environ["TF_FORCE_GPU_ALLOW_GROWTH"] == "false"


@pytest.mark.parametrize("env, gpu, how", [
    ({"DIGITBENCH_GPU_COUNT": "0"}, None, "no GPU found: running on the CPU"),
    ({"DIGITBENCH_GPU_COUNT": "1"}, "0", "one GPU: shared by all jobs"),
    ({"CUDA_VISIBLE_DEVICES": "3"}, "3", "one GPU: shared by all jobs"),
])
def test_fewer_than_two_gpus_take_no_lock(tmp_path, env, gpu, how):
    before = dict(env)
    binding = bind_gpu(lock_dir=tmp_path / "locks", env=env)
    assert (binding.gpu, binding.how) == (gpu, how)
    assert env == before
    assert not (tmp_path / "locks").exists()


def test_slurm_allocation_is_used_as_it_is(tmp_path):
    env = {"SLURM_JOB_ID": "42", "CUDA_VISIBLE_DEVICES": "3", "DIGITBENCH_GPU_COUNT": "4"}
    binding = bind_gpu(lock_dir=tmp_path / "locks", env=env)
    assert (binding.gpu, binding.how) == ("3", "GPU from the SLURM allocation: CUDA_VISIBLE_DEVICES=3")
    assert env["CUDA_VISIBLE_DEVICES"] == "3"
    assert not (tmp_path / "locks").exists()


def test_jobs_per_gpu_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match=re.escape("jobs_per_gpu must be >= 1. Received: 0")):
        bind_gpu(slots_per_gpu=0, lock_dir=tmp_path, env=two_gpus())


def test_concurrent_jobs_get_distinct_gpus_and_a_killed_job_frees_its_gpu(tmp_path):
    jobs: list[subprocess.Popen[str]] = []
    try:
        jobs = [start_job(tmp_path, wait_seconds=0) for _ in range(3)]
        got = [first_line(job) for job in jobs]
        assert sorted(got) == ["0", "1", "2"]

        jobs.append(late := start_job(tmp_path, wait_seconds=0.3))
        refusal = first_line(late)
        assert late.wait(timeout=60) == 3
        assert refusal.startswith("ERROR All 3 GPU slots (3 GPUs x 1 jobs per GPU) stayed taken")
        assert str(tmp_path) in refusal and "--resources gpu=3" in refusal and "training.jobs_per_gpu" in refusal
        # The refused job opened every lock file, yet the holders' pids are still there.
        assert (tmp_path / f"gpu{got[0]}.slot0.lock").read_text() == f"{jobs[0].pid}\n"

        jobs[1].kill()  # SIGKILL: no cleanup code runs, the kernel drops the flock
        jobs[1].wait(timeout=60)
        jobs.append(successor := start_job(tmp_path, wait_seconds=10))
        assert first_line(successor) == got[1]
    finally:
        for job in jobs:
            job.kill()
            job.communicate(timeout=60)


def test_jobs_spread_over_gpus_before_sharing_one(tmp_path):
    envs = [two_gpus() for _ in range(4)]
    bindings = [bind_gpu(slots_per_gpu=2, lock_dir=tmp_path, env=env, wait_seconds=0) for env in envs]
    try:
        assert [b.gpu for b in bindings] == ["0", "1", "0", "1"]
        assert [env["CUDA_VISIBLE_DEVICES"] for env in envs] == ["0", "1", "0", "1"]
        assert bindings[3].how == f"GPU 1 of 2 (lock {tmp_path / 'gpu1.slot1.lock'})"
        with pytest.raises(RuntimeError, match=re.escape("(2 GPUs x 2 jobs per GPU)") + ".*--resources gpu=4"):
            bind_gpu(slots_per_gpu=2, lock_dir=tmp_path, env=two_gpus(), wait_seconds=0)
    finally:
        for binding in bindings:
            binding.release()


def test_release_frees_the_slot_for_the_next_job(tmp_path):
    lock_dir = tmp_path / "made" / "on demand"
    env = two_gpus(DIGITBENCH_GPU_LOCK_DIR=str(lock_dir))
    first, second = bind_gpu(env=dict(env), wait_seconds=0), bind_gpu(env=dict(env), wait_seconds=0)
    assert lock_dir.is_dir()
    first.release()
    first.release()  # idempotent
    third = bind_gpu(env=dict(env), wait_seconds=0)
    assert (first.gpu, second.gpu, third.gpu) == ("0", "1", "0")
    for binding in (second, third):
        binding.release()


def test_a_waiting_job_gets_the_slot_freed_meanwhile(tmp_path):
    holders = [bind_gpu(lock_dir=tmp_path, env=two_gpus(), wait_seconds=0) for _ in range(2)]
    timer = threading.Timer(0.3, holders[1].release)
    timer.start()
    try:
        waiter = bind_gpu(lock_dir=tmp_path, env=two_gpus(), wait_seconds=30, poll_seconds=0.05)
        assert waiter.gpu == "1"
        waiter.release()
    finally:
        timer.cancel()
        for binding in holders:
            binding.release()
