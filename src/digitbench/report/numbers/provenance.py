"""Where and with what a report was produced: commit, hardware, package versions, rule runtimes."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where it is used: Snakemake calls git_commit while parsing
    import pandas as pd

# Distribution names: TensorFlow installs as tensorflow-cpu on Linux (pyproject.toml), so both are listed.
PACKAGES = ("digitbench", "snakemake", "numpy", "pandas", "scipy", "scikit-learn", "statsmodels", "scikit-posthocs",
            "mlxtend", "matplotlib", "seaborn", "jsonschema", "pypandoc-binary", "typst", "pypdf", "keras",
            "tensorflow", "tensorflow-cpu", "jax", "jaxlib", "torch")


def git_commit(repo: str | Path = ".") -> str:
    """Short commit hash of ``repo``, suffixed ``-dirty`` with uncommitted changes; ``unknown`` outside git."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=repo, capture_output=True,
                                text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo,
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}-dirty" if dirty else commit


def package_versions(names: tuple[str, ...] = PACKAGES) -> pd.DataFrame:
    """Installed version of each package (absent ones are left out)."""
    rows = []
    for name in names:
        try:
            rows.append({"package": name, "version": metadata.version(name)})
        except metadata.PackageNotFoundError:
            continue
    import pandas as pd

    return pd.DataFrame(rows, columns=["package", "version"])


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo, else platform.processor()."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def gpu_names() -> str:
    """GPUs nvidia-smi reports, or ``none``."""
    if not shutil.which("nvidia-smi"):
        return "none"
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                             text=True, check=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "none"
    return "; ".join(line.strip() for line in out.splitlines() if line.strip()) or "none"


def hardware() -> dict[str, str]:
    """Machine description for the appendix."""
    return {
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "cpu": cpu_model(),
        "cores": str(os.cpu_count() or "unknown"),
        "gpu": gpu_names(),
    }


def benchmark_table(paths: list[str | Path], root: str | Path = "results/benchmarks") -> pd.DataFrame:
    """Wall time and peak memory of each job from Snakemake ``benchmark:`` files.

    Args:
        paths: Benchmark TSV files (one row each unless the rule used ``repeat``).
        root: Prefix stripped from each path to name the job.

    Returns:
        Columns ``job``, ``seconds``, ``max_rss_mb`` and the job's ``start``/``end`` (epoch seconds), sorted by job.
    """
    import pandas as pd

    rows = []
    for path in map(Path, paths):
        df = pd.read_csv(path, sep="\t")
        end = path.stat().st_mtime  # Snakemake writes the file when the job ends
        try:
            job = str(path.relative_to(root).with_suffix(""))
        except ValueError:
            job = path.stem
        rss = pd.to_numeric(df.get("max_rss", pd.Series([float("nan")])), errors="coerce")
        rows.append({"job": job, "seconds": float(df["s"].mean()), "max_rss_mb": float(rss.mean()),
                     "start": end - float(df["s"].sum()), "end": end})
    columns = ["job", "seconds", "max_rss_mb", "start", "end"]
    return pd.DataFrame(rows, columns=columns).sort_values("job", ignore_index=True)


def wall_minutes(runtimes: pd.DataFrame) -> float:
    """Minutes from the first benchmarked job's start to the last one's end (parallel jobs overlap)."""
    if runtimes.empty:
        return 0.0
    return float(runtimes["end"].max() - runtimes["start"].min()) / 60
