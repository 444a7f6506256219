"""Generated tables and variables: Quarto's table syntax, exact accuracies, provenance."""

from __future__ import annotations

import pandas as pd
import pytest

from digitbench.report.numbers.provenance import benchmark_table, git_commit, wall_minutes
from digitbench.report.numbers.format import acc, fmt_p, markdown_table


def test_markdown_table_has_caption_label_and_alignment():
    df = pd.DataFrame({"model": ["a|b"], "accuracy": [0.9262]})
    md = markdown_table(df, "Cap.", "tbl-x", formats={"accuracy": acc}, headers={"model": "Model"})
    lines = md.splitlines()
    assert lines[0] == "| Model | accuracy |" and lines[1] == "|:-----|--------:|"
    assert lines[2] == "| a\\|b | 0.9262 |" and lines[-1] == ": Cap. {#tbl-x}"
    with pytest.raises(ValueError, match="Received: fig-x"):
        markdown_table(df, "Cap.", "fig-x")


def test_accuracy_on_ten_thousand_images_is_exact_with_four_decimals():
    for correct in (9262, 9704, 10000, 1):
        value = correct / 10000
        assert float(acc(value)) == value and acc(value) == f"{value:.4f}"


def test_fmt_p_never_prints_zero():
    # One rule for every p-value of the report (issue 12: it had two).
    assert fmt_p(0.0) == "< 1e-10" and fmt_p(0.03) == "0.030" and fmt_p(1.5e-9) == "1.50e-09"
    assert fmt_p(4e-4) == "4.00e-04" and fmt_p(None) == "not computed"


def test_benchmark_table_reads_snakemake_tsv(tmp_path):
    path = tmp_path / "benchmarks" / "data" / "job.tsv"
    path.parent.mkdir(parents=True)
    path.write_text("s\th:m:s\tmax_rss\tmax_vms\n12.5\t0:00:12\t300.1\t400\n")
    table = benchmark_table([path], root=tmp_path / "benchmarks")
    assert table[["job", "seconds", "max_rss_mb"]].to_dict("records") == [
        {"job": "data/job", "seconds": 12.5, "max_rss_mb": 300.1}]
    assert table["end"].iloc[0] - table["start"].iloc[0] == pytest.approx(12.5)


def test_wall_minutes_counts_overlapping_jobs_once():
    runtimes = pd.DataFrame({"start": [0.0, 30.0, 60.0], "end": [120.0, 90.0, 180.0]})
    assert wall_minutes(runtimes) == 3.0


def test_git_commit_outside_git_is_unknown(tmp_path):
    assert git_commit(tmp_path) == "unknown"


def test_integer_columns_stay_integers_next_to_floats():
    df = pd.DataFrame({"digit": [0, 1], "share": [9.87, 11.24]})
    md = markdown_table(df, "Cap.", "tbl-d")
    assert "| 0 | 9.87 |" in md and "| 1 | 11.24 |" in md
