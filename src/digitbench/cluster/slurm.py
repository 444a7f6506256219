"""Check a SLURM cluster against the jobs of a run before anything is submitted.

The executor plugin's own failures come late and raw (``sbatch: error: Invalid partition name
specified`` from the first job, after the DAG is built); these checks ask ``sinfo`` once, and name the
resource, the rule and what to set instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

Run = Callable[..., subprocess.CompletedProcess]

PROFILE = "workflow/profiles/slurm/config.yaml"


class SlurmError(RuntimeError):
    """The cluster cannot run this workflow as configured."""


@dataclass(frozen=True)
class Partition:
    """One partition as ``sinfo`` reports it.

    Attributes:
        name: Partition name (without the default marker ``*``).
        default: Whether jobs without ``--partition`` land here.
        gres: Generic resources of its nodes, e.g. ``("gpu:a100:4",)``.
    """

    name: str
    default: bool
    gres: tuple[str, ...]

    def gpu_models(self) -> set[str]:
        """The GPU types its nodes declare (``gpu:a100:4`` -> ``a100``); untyped GPUs add none."""
        fields = [g.split("(")[0].split(":") for g in self.gres]  # "gpu:a100:4(S:0-1)": sockets after "("
        return {f[1] for f in fields if f[0] == "gpu" and len(f) == 3}

    def has_gpus(self) -> bool:
        """Whether any of its nodes declares a GPU."""
        return any(g.split(":")[0] == "gpu" for g in self.gres)


def partitions(run: Run = subprocess.run, timeout: float = 30) -> list[Partition]:
    """Ask SLURM for its partitions and their GPUs.

    Args:
        run: ``subprocess.run`` or a stand-in (tests).
        timeout: Seconds to wait for ``sinfo``.

    Returns:
        Partitions, one entry per name.

    Raises:
        SlurmError: ``sinfo`` is missing, fails or does not answer in time.
    """
    if shutil.which("sinfo") is None:
        raise SlurmError("SLURM's `sinfo` is not on PATH, so this machine cannot submit jobs to SLURM. Run Snakemake "
                         "on the cluster's login node, install SLURM's client commands (Debian: slurm-client), or "
                         f"leave out --profile {PROFILE.rsplit('/', 1)[0]} to run on this machine.")
    conf = os.environ.get("SLURM_CONF", "(unset: SLURM's built-in path)")
    try:
        out = run(["sinfo", "--noheader", "--format=%P|%G"], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SlurmError(f"SLURM does not answer: `sinfo` gave no reply in {timeout:g} s. Check that slurmctld runs "
                         f"(`scontrol ping`) and that SLURM_CONF names its slurm.conf (SLURM_CONF: {conf}).") from None
    if out.returncode != 0:
        said = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["(nothing)"]
        raise SlurmError(f'SLURM does not answer: `sinfo` exited with {out.returncode} and said "{said[0]}". '
                         "Check that slurmctld runs (`scontrol ping`) and that SLURM_CONF names its slurm.conf "
                         f"(SLURM_CONF: {conf}).")
    found: dict[str, Partition] = {}
    for line in out.stdout.splitlines():
        if "|" not in line:
            continue
        name, gres = line.strip().split("|", 1)
        default = name.endswith("*")
        name = name.rstrip("*")
        items = tuple(g for g in gres.split(",") if g and g != "(null)")
        old = found.get(name, Partition(name, default, ()))
        found[name] = Partition(name, old.default or default, old.gres + items)
    return list(found.values())


def problems(jobs: Iterable[tuple[str, Mapping]], available: list[Partition]) -> list[str]:
    """What each rule asks for that the cluster does not have.

    Args:
        jobs: ``(rule, resources)`` pairs; resources as Snakemake resolved them (profile included).
        available: From :func:`partitions`.

    Returns:
        One sentence per (rule, problem), each naming the resource and what to set; empty if none.
    """
    by_name = {p.name: p for p in available}
    names = ", ".join(sorted(by_name)) or "(none)"
    found, seen = [], set()
    for rule, res in jobs:
        wanted = res.get("slurm_partition")
        if wanted and wanted not in by_name:
            found.append(f"Rule {rule} asks for partition '{wanted}' (resource slurm_partition), which SLURM does not "
                         f"have. Its partitions: {names}. Set slurm_partition in {PROFILE} to one of them.")
            continue
        pool = ([by_name[wanted]] if wanted else [p for p in available if p.default]) or available
        where = f"partition {wanted}" if wanted else "the default partition"
        model, gpus = res.get("gpu_model"), res.get("gpu", 0)
        if model:
            models = set().union(*(p.gpu_models() for p in pool))
            if model not in models:
                have = ", ".join(sorted(models)) or "none (no typed GPUs)"
                found.append(f"Rule {rule} asks for GPU model '{model}' (resource gpu_model), which no node of {where} "
                             f"has. GPU models there: {have}. Set gpu_model in {PROFILE} to one of them, or remove it "
                             "to take any GPU.")
        elif gpus and not any(p.has_gpus() for p in pool):
            found.append(f"Rule {rule} asks for gpu={gpus}, but no node of {where} has a GPU (sinfo lists no "
                         "gres/gpu). Set slurm_partition to a partition with GPUs, or train on CPUs with "
                         f"--set-resources {rule}:gpu=0.")
    return [p for p in found if not (p in seen or seen.add(p))]


def check(jobs: Iterable[tuple[str, Mapping]], run: Run = subprocess.run) -> None:
    """Raise one error listing every problem of ``jobs`` on this cluster, or return if there is none.

    Raises:
        SlurmError: SLURM does not answer, or a job asks for a partition or GPU it does not have.
    """
    if found := problems(jobs, partitions(run)):
        raise SlurmError("The SLURM cluster cannot run this workflow as configured:\n" + "\n".join(
            f"  - {p}" for p in found))
