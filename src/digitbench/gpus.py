"""Give each training job a GPU of its own: Snakemake's ``--resources gpu=N`` only caps how many run.

Jobs call this before importing Keras, JAX or TensorFlow, which read the environment then: stdlib only."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from itertools import product, takewhile
from pathlib import Path
from typing import IO

COUNT_VAR = "DIGITBENCH_GPU_COUNT"
LOCK_DIR_VAR = "DIGITBENCH_GPU_LOCK_DIR"
MEMORY_POLICY = {
    "XLA_PYTHON_CLIENT_PREALLOCATE": ("false", "JAX would take 75% of the GPU memory per process"),
    "TF_FORCE_GPU_ALLOW_GROWTH": ("true", "TensorFlow would take all of the GPU memory per process"),
}


@dataclass
class GpuBinding:
    """The GPU a job got, and the lock that keeps it the job's own.

    Attributes:
        gpu: The GPU id (``CUDA_VISIBLE_DEVICES`` under SLURM), or None on the CPU.
        how: One sentence for the job log: which GPU, and why.
    """

    gpu: str | None
    how: str
    _lock: IO[str] | None = field(default=None, repr=False, compare=False)

    def release(self) -> None:
        """Give the GPU slot back to other jobs (safe to call more than once)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def visible_gpus(env: Mapping[str, str] | None = None) -> list[str]:
    """The ids of the GPUs this process may use.

    Args:
        env: Environment (default ``os.environ``). ``DIGITBENCH_GPU_COUNT=n`` (fakes or overrides the
            count: ids ``0..n-1``) comes first, then ``CUDA_VISIBLE_DEVICES``, then ``nvidia-smi -L``.

    Returns:
        GPU ids, in order; empty when there is none.

    Raises:
        ValueError: ``DIGITBENCH_GPU_COUNT`` is not a non-negative integer.
    """
    env = os.environ if env is None else env
    if COUNT_VAR in env:
        if not (value := env[COUNT_VAR]).strip().isdecimal():
            raise ValueError(f"{COUNT_VAR} must be a non-negative integer. Received: {value!r}")
        return [str(i) for i in range(int(value))]
    if "CUDA_VISIBLE_DEVICES" in env:
        ids = [d.strip() for d in env["CUDA_VISIBLE_DEVICES"].split(",") if d.strip()]
        # CUDA hides every device from the first invalid id on: "-1" hides them all.
        return list(takewhile(lambda d: not d.startswith("-"), ids))
    if (exe := shutil.which("nvidia-smi")) is None:
        return []
    try:
        out = subprocess.run([exe, "-L"], capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []  # a broken driver should cost the GPU, not the run
    return [str(i) for i in range(sum(line.startswith("GPU ") for line in out.splitlines()))]


def configure_memory(env: MutableMapping[str, str] | None = None) -> list[str]:
    """Make the backends take GPU memory as they need it, so that several jobs fit on one GPU.

    Args:
        env: Environment to update (default ``os.environ``); values the user set are kept.

    Returns:
        One line per setting, set or kept, for the job log.
    """
    env = os.environ if env is None else env
    lines = []
    for key, (value, why) in MEMORY_POLICY.items():
        kept = key in env
        env.setdefault(key, value)
        lines.append(f"{key}={env[key]} (kept: set by the user)" if kept else f"{key}={value} (set: {why})")
    return lines


def bind_gpu(slots_per_gpu: int = 1, lock_dir: str | Path | None = None, env: MutableMapping[str, str] | None = None,
             wait_seconds: float = 3600, poll_seconds: float = 1.0) -> GpuBinding:
    """Claim a GPU slot for this job and make its GPU the only one the backend sees.

    With 2+ GPUs the job ``flock``s ``gpu{id}.slot{s}.lock``, slot 0 of every GPU before slot 1 of
    any, so jobs spread out before doubling up. The kernel drops a flock when its process dies, even
    by ``kill -9``, so a dead job frees its GPU. Under SLURM or with < 2 GPUs, nothing is locked.

    Args:
        slots_per_gpu: Jobs allowed on one GPU at once (``training.jobs_per_gpu``).
        lock_dir: Lock folder (default ``$DIGITBENCH_GPU_LOCK_DIR``, else a per-user one in the temp dir).
        env: Environment to read and update (default ``os.environ``, which the backend reads).
        wait_seconds, poll_seconds: How long to wait for a free slot, and how often to look.

    Returns:
        The binding; keep it for the whole job, as releasing it frees the slot.

    Raises:
        ValueError: ``slots_per_gpu`` is below 1.
        RuntimeError: Every slot stayed taken for ``wait_seconds``.
    """
    if slots_per_gpu < 1:
        raise ValueError(f"jobs_per_gpu must be >= 1. Received: {slots_per_gpu}")
    env = os.environ if env is None else env
    if "SLURM_JOB_ID" in env:  # the scheduler already chose; our locks could only fight it
        cvd = env.get("CUDA_VISIBLE_DEVICES")
        return GpuBinding(cvd, f"GPU from the SLURM allocation: CUDA_VISIBLE_DEVICES={cvd or '(none)'}")
    if not (gpus := visible_gpus(env)):
        return GpuBinding(None, "no GPU found: running on the CPU")
    if len(gpus) == 1:
        return GpuBinding(gpus[0], "one GPU: shared by all jobs")
    default_dir = Path(tempfile.gettempdir()) / f"digitbench-gpu-locks-{os.getuid()}"  # machine-wide, like GPUs
    lock_dir = Path(lock_dir or env.get(LOCK_DIR_VAR) or default_dir)
    lock_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        for slot, gpu in product(range(slots_per_gpu), gpus):
            path = lock_dir / f"gpu{gpu}.slot{slot}.lock"
            fh = open(path, "a+", encoding="utf-8")  # "a+": opening a held lock must not wipe its holder's pid
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.close()
                continue
            fh.truncate(0)
            print(os.getpid(), file=fh, flush=True)  # for humans asking who holds the GPU
            env["CUDA_VISIBLE_DEVICES"] = gpu
            return GpuBinding(gpu, f"GPU {gpu} of {len(gpus)} (lock {path})", fh)
        if (remaining := deadline - time.monotonic()) <= 0:
            n = len(gpus) * slots_per_gpu
            raise RuntimeError(f"All {n} GPU slots ({len(gpus)} GPUs x {slots_per_gpu} jobs per GPU) stayed taken for "
                               f"{wait_seconds:g} s (holders' pids are in the lock files in {lock_dir}). Run Snakemake "
                               f"with --resources gpu={n} or fewer, or raise training.jobs_per_gpu.")
        time.sleep(min(poll_seconds, remaining))
