"""Cluster support without a cluster: job sizes from benchmark files, the profiles, and the SLURM checks
(sinfo replaced by canned answers; tests/test_slurm.py runs a real SLURM)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from digitbench.cluster import slurm
from digitbench.cluster.__main__ import main
from digitbench.cluster.resources import (BEGIN, END, Measured, benchmark_patterns, job_sizes, measure,
                                          splice_profile)
from tests.conftest import ROOT
from tests.smoke import fresh_copy

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def bench(path, seconds, rss):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"{seconds}\t0:00:00\t{rss}\t1\t1\t1\t0\t0\t0\t0\n")


def test_every_benchmark_of_the_workflow_is_found():
    patterns = benchmark_patterns(ROOT / "workflow/rules")
    declared = sum(p.read_text().count("    benchmark:") for p in (ROOT / "workflow/rules").glob("*.smk"))
    assert len(patterns) == declared
    assert patterns["train_cnn"] == "results/benchmarks/train/{arch}_seed{seed}.tsv"
    assert all(p.startswith("results/benchmarks/") and p.endswith(".tsv") for p in patterns.values())


def test_measure_takes_each_rules_largest_file(tmp_path):
    bench(tmp_path / "results/benchmarks/train/a_seed1.tsv", 100.5, 1200.0)
    bench(tmp_path / "results/benchmarks/train/b_seed2.tsv", 80.0, 2100.0)
    bench(tmp_path / "results/benchmarks/eda/compute_eda.tsv", 3.0, "NA")
    patterns = {"train_cnn": "results/benchmarks/train/{arch}_seed{seed}.tsv",
                "compute_eda": "results/benchmarks/eda/compute_eda.tsv",
                "render_report": "results/benchmarks/report/render_report.tsv"}
    assert measure(tmp_path, patterns) == [Measured("compute_eda", 1, 3.0, 0.0),
                                           Measured("train_cnn", 2, 100.5, 2100.0)]


def test_a_file_that_is_no_benchmark_is_named(tmp_path):
    (path := tmp_path / "results/benchmarks/eda/compute_eda.tsv").parent.mkdir(parents=True)
    path.write_text("seconds\n3\n")
    with pytest.raises(ValueError, match=re.escape(f"{path} is not a Snakemake benchmark file (no column max_rss, s)")
                       + ".*rerun rule compute_eda"):
        measure(tmp_path, {"compute_eda": "results/benchmarks/eda/compute_eda.tsv"})


def test_job_sizes_round_up_with_headroom_and_floors():
    sizes = job_sizes([Measured("train_cnn", 2, 301.0, 1332.5), Measured("compute_eda", 1, 6.3, 517.2)])
    assert sizes == {"train_cnn": {"mem_mb": 2700, "runtime": 11}, "compute_eda": {"mem_mb": 1100, "runtime": 10}}
    assert job_sizes([Measured("r", 1, 10.0, 100.0)], headroom=1.0, min_mem_mb=0, min_runtime_min=0) == {
        "r": {"mem_mb": 100, "runtime": 1}}
    with pytest.raises(ValueError, match=re.escape("headroom must be >= 1 (a job needs at least what it used). "
                                                   "Received: 0.5")):
        job_sizes([], headroom=0.5)


def test_splice_replaces_only_the_generated_block():
    text = f"executor: slurm  # kept\n{BEGIN}\nset-resources:\n  old: {{mem_mb: 1}}\n{END}\n# tail kept\n"
    new = splice_profile(text, {"train_cnn": {"mem_mb": 2700, "runtime": 11}}, "Measured: quick, 2 cores")
    assert new.startswith("executor: slurm  # kept\n") and new.endswith(f"{END}\n# tail kept\n")
    assert "# Measured: quick, 2 cores\n" in new and "old" not in new
    assert yaml.safe_load(new)["set-resources"] == {"train_cnn": {"mem_mb": 2700, "runtime": 11}}
    assert splice_profile(new, {"train_cnn": {"mem_mb": 2700, "runtime": 11}}, "Measured: quick, 2 cores") == new
    with pytest.raises(ValueError, match="The profile has no generated block: add the lines"):
        splice_profile("executor: slurm\n", {}, "")


def test_command_sizes_a_profile_from_a_run(tmp_path, capsys):
    bench(tmp_path / "run/results/benchmarks/train/baseline_cnn_seed1.tsv", 72.06, 1332.5)
    profile = tmp_path / "config.yaml"
    profile.write_text(f"executor: slurm\n{BEGIN}\n{END}\n")
    assert main(["resources", "--run", str(tmp_path / "run"), "--profile", str(profile), "--source", "quick"]) == 0
    assert yaml.safe_load(profile.read_text())["set-resources"] == {"train_cnn": {"mem_mb": 2700, "runtime": 10}}
    assert "train_cnn: 1 file(s), up to 72 s and 1332 MB" in capsys.readouterr().out
    assert main(["resources", "--run", str(tmp_path / "empty"), "--profile", str(profile)]) == 2
    assert "No benchmark files under" in capsys.readouterr().err


def test_slurm_profile_sizes_real_rules_and_queries_without_accounting():
    profile = yaml.safe_load((ROOT / "workflow/profiles/slurm/config.yaml").read_text())
    assert profile["executor"] == "slurm" and profile["retries"] >= 1
    assert profile["slurm-status-command"] == "squeue"  # no slurmdbd needed
    rules = benchmark_patterns(ROOT / "workflow/rules")
    assert "train_cnn" in profile["set-resources"]
    for rule, res in profile["set-resources"].items():
        assert rule in rules and set(res) == {"mem_mb", "runtime"} and min(res.values()) > 0


SINFO = "debug*|gpu:sim:2\ngpu|gpu:a100:4(S:0-1),gpu:h100:2\ngpu|gpu:a100:2\ncpu|(null)\n"


def sinfo(stdout="", returncode=0, stderr=""):
    def run(cmd, **kwargs):
        assert cmd[0] == "sinfo"
        return subprocess.CompletedProcess(cmd, returncode, stdout, stderr)
    return run


@pytest.fixture
def sinfo_on_path(monkeypatch):
    monkeypatch.setattr(slurm.shutil, "which", lambda name: f"/usr/bin/{name}")


def test_partitions_and_their_gpu_models(sinfo_on_path):
    parts = {p.name: p for p in slurm.partitions(sinfo(SINFO))}
    assert parts["debug"].default and not parts["gpu"].default
    assert parts["gpu"].gpu_models() == {"a100", "h100"} and parts["debug"].gpu_models() == {"sim"}
    assert not parts["cpu"].has_gpus() and parts["gpu"].has_gpus()


def test_problems_name_rule_resource_and_what_to_set(sinfo_on_path):
    parts = slurm.partitions(sinfo(SINFO))
    ok = [("train_cnn", {"gpu": 1}), ("train_cnn", {"gpu": 1, "gpu_model": "h100", "slurm_partition": "gpu"}),
          ("compute_eda", {"slurm_partition": "cpu"})]
    assert slurm.problems(ok, parts) == []
    found = slurm.problems([
        ("train_cnn", {"gpu": 1, "slurm_partition": "gpus"}),
        ("train_cnn", {"gpu": 1, "gpu_model": "v100"}),
        ("train_cnn", {"gpu": 1, "gpu_model": "v100"}),
        ("train_cnn", {"gpu": 1, "slurm_partition": "cpu"}),
    ], parts)
    assert len(found) == 3
    assert found[0].startswith("Rule train_cnn asks for partition 'gpus' (resource slurm_partition), which SLURM "
                               "does not have. Its partitions: cpu, debug, gpu. Set slurm_partition in "
                               "workflow/profiles/slurm/config.yaml")
    assert "GPU model 'v100' (resource gpu_model), which no node of the default partition has. GPU models there: sim" \
        in found[1]
    assert "no node of partition cpu has a GPU" in found[2] and "--set-resources train_cnn:gpu=0" in found[2]


def test_check_lists_every_problem_in_one_error(sinfo_on_path):
    with pytest.raises(slurm.SlurmError, match="cannot run this workflow as configured:\n  - Rule a .*\n  - Rule b"):
        slurm.check([("a", {"slurm_partition": "x"}), ("b", {"gpu_model": "y"})], run=sinfo(SINFO))
    slurm.check([("a", {"gpu": 1})], run=sinfo(SINFO))


def test_a_slurm_that_does_not_answer_is_named(sinfo_on_path, monkeypatch):
    monkeypatch.setenv("SLURM_CONF", "/etc/slurm/nowhere.conf")
    failing = sinfo(returncode=1, stderr="sinfo: error: Unable to contact slurm controller (connect failure)\n")
    with pytest.raises(slurm.SlurmError, match=re.escape(
            'SLURM does not answer: `sinfo` exited with 1 and said "sinfo: error: Unable to contact slurm controller '
            '(connect failure)". Check that slurmctld runs (`scontrol ping`) and that SLURM_CONF names its slurm.conf '
            "(SLURM_CONF: /etc/slurm/nowhere.conf).")):
        slurm.partitions(failing)

    def hangs(cmd, **kwargs):
        raise subprocess.TimeoutExpired(cmd, kwargs["timeout"])
    with pytest.raises(slurm.SlurmError, match=re.escape("`sinfo` gave no reply in 30 s")):
        slurm.partitions(hangs)


def test_a_machine_without_slurm_is_named(monkeypatch):
    monkeypatch.setattr(slurm.shutil, "which", lambda name: None)
    with pytest.raises(slurm.SlurmError, match=re.escape("SLURM's `sinfo` is not on PATH") + ".*slurm-client.*"
                       + re.escape("leave out --profile workflow/profiles/slurm")):
        slurm.partitions(sinfo(SINFO))


def test_plugin_check_names_the_extra_to_install(monkeypatch, capsys):
    import importlib.util

    from digitbench.cluster import __main__ as cli
    assert cli.main(["plugins", "slurm"]) == 0  # make setup installs both extras
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if "slurm" in name else object())
    assert cli.missing_plugins("slurm") == ["snakemake-executor-plugin-slurm"]
    assert cli.missing_plugins("kubernetes") == []
    assert cli.main(["plugins", "slurm"]) == 2
    assert 'Install it with: pip install -e ".[slurm]"' in capsys.readouterr().err
    with pytest.raises(ValueError, match="No cluster profile 'lsf': choose one of slurm, kubernetes"):
        cli.missing_plugins("lsf")


def test_kubernetes_run_needs_an_image_and_the_shared_volume_as_working_directory(tmp_path):
    from digitbench.cluster.kubernetes import problems
    default = "snakemake/snakemake:v9.27.1"
    assert problems(tmp_path, "fs", str(tmp_path), "registry/digitbench:1", default) == []
    found = problems(tmp_path / "elsewhere", "fs", str(tmp_path), default, default)
    assert len(found) == 2
    assert found[0].startswith("--container-image is Snakemake's own image (snakemake/snakemake:v9.27.1)")
    assert f"not in the shared volume --default-storage-prefix={tmp_path}: clone the repository onto the volume" \
        in found[1]
    assert problems(tmp_path, "s3", "s3://bucket/x", "img", default) == [
        "--default-storage-provider is s3: this workflow's render step reads the results by path, so use the fs "
        "provider on a shared volume, as workflow/profiles/kubernetes/config.yaml does."]


def dry_run(work, *args):
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-n", *args, "--configfile", ".test/config.yaml"],
                          cwd=work, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return proc.stdout + proc.stderr


def test_kubernetes_profile_dry_runs_the_whole_workflow_through_storage(tmp_path):
    work = fresh_copy(tmp_path / "k8s")
    out = dry_run(work, "--profile", "workflow/profiles/kubernetes")
    here = dry_run(work, "--cores", "1")
    total = re.compile(r"^total\s+(\d+)$", re.M)
    assert total.search(out).group(1) == total.search(here).group(1)
    assert "output: /mnt/digitbench/results/models/baseline_cnn/seed1/model.keras (send to storage)" in out
    assert "/mnt/digitbench/.snakemake" not in out  # no declared file mapped to storage twice
    assert re.search(r"resources: .*gpu=1, gpu_manufacturer=nvidia", out)
    # Source files travel with the workflow's sources, not through storage.
    assert not re.search(r"/mnt/digitbench/(src|report/\w+\.qmd|workflow)/", out)
