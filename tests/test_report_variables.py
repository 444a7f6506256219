"""Generated tables and variables: Quarto's table syntax, exact accuracies, provenance."""

from __future__ import annotations

import pandas as pd
import pytest

from digitbench.report.numbers.provenance import benchmark_table, git_commit, wall_minutes
from digitbench.report.numbers.format import acc, departures, fmt_p, markdown_table, p_clause
from digitbench.section_table import ReportContext


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
    # One rule for every p-value of the report (issue 13: 0.002, 9.59e-06 and < 1e-10 in one paper).
    assert fmt_p(0.0) == "< 0.001" and fmt_p(0.03) == "0.030" and fmt_p(1.5e-9) == "< 0.001"
    assert fmt_p(4e-4) == "< 0.001" and fmt_p(0.001) == "0.001" and fmt_p(None) == "not computed"
    assert p_clause(0.0123) == "p = 0.012" and p_clause(1e-7, "Holm p") == "Holm p < 0.001"


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


def test_profile_table_lists_every_departure_from_the_paper_profile(tmp_path):
    from digitbench.config import load_schema, validate_config
    from digitbench.report.numbers import profile
    from tests.conftest import ROOT

    schema = load_schema(ROOT / "workflow/schemas/config.schema.yaml")
    def build(config):
        built = profile.build({}, ReportContext(config=config, schema=schema, commit="c", project=str(tmp_path)))
        return built.variables["profile"], built.tables

    paper_vars, paper_tables = build(validate_config({}, schema))
    assert paper_vars["n_departures"] == "0" and "no setting changed" in paper_vars["statement"]
    assert "'" not in paper_vars["statement"]  # pandoc would print a typographic quote: the number check fails
    assert "changes no setting" in paper_tables["profile"]
    quick = validate_config({"profile": "quick", "training": {"epochs": 4, "threads": 1, "seeds": [1, 2]},
                             "data": {"sources": ["npm"]}, "report": {"title": "T"},
                             "tensorboard": {"enabled": False}}, schema)
    # threads, sources, title, TensorBoard logs: no result changes
    assert sorted(departures(quick, schema)) == [("training.epochs", 50, 4),
                                                         ("training.seeds", [1, 2, 3, 4, 5], [1, 2])]
    variables, tables = build(quick)
    assert variables["statement"].startswith("It reports the quick profile") and "in 2 settings" in variables["statement"]
    assert "| training\\.epochs | 50 | 4 |" in tables["profile"] and "{#tbl-profile}" in tables["profile"]
    one = validate_config({"profile": "paper", "training": {"epochs": 4}}, schema)
    assert "in 1 setting," in build(one)[0]["statement"]  # a changed paper profile says so
    # How departing settings were chosen (issue 13): tuned ones on the validation split, with the grid's seed.
    assert paper_vars["selection"].startswith("No setting was tuned")
    assert variables["selection"].startswith("None of these settings was tuned")
    tuned = validate_config({"profile": "quick", "training": {"bn_momentum": 0.9, "epochs": 4}}, schema)
    text = build(tuned)[0]["selection"]
    assert text.startswith("Of these, training.bn_momentum was chosen on the validation split only")
    assert "tuning seed 0" in text and "enhanced_cnn and resnet_inspired" in text and "'" not in text


def test_title_names_a_profile_that_is_not_the_papers(tmp_path):
    from digitbench.report.rendering.metadata import write_metadata

    meta = write_metadata(tmp_path / "m.yml", title="Study", authors=["A"], profile="quick", commit="c", renderer="r")
    assert meta["title"] == "Study (quick profile)"
    assert write_metadata(tmp_path / "p.yml", title="Study", authors=["A"], profile="paper", commit="c",
                          renderer="r")["title"] == "Study"


def test_original_claims_get_a_verdict_from_this_run(tmp_path):
    from digitbench.config import load_schema, validate_config
    from digitbench.report.numbers import original
    from tests.conftest import ROOT

    schema = load_schema(ROOT / "workflow/schemas/config.schema.yaml")
    archs = list(original.CLAIMED_PARAMETERS)
    boot = pd.DataFrame([{"model": f"seeds/{a}", "metric": "accuracy", "estimate": 0.99, "ci_low": 0.9915,
                          "ci_high": 0.9925} for a in archs]
                        + [{"model": m, "metric": "accuracy", "estimate": 0.92, "ci_low": 0.915, "ci_high": 0.93}
                           for m in ("logreg", "random_forest")])
    summary = pd.DataFrame({"architecture": archs, "inference_ms_per_image_mean": [1.0, 4.0, 2.0, 3.0]})
    built = pd.DataFrame({"architecture": archs, "parameters": [89_634, 1, 95_847, 2]})
    for name, df in (("bootstrap", boot), ("cnn_summary", summary), ("architectures", built)):
        df.to_csv(tmp_path / f"{name}.csv", index=False)
    files = {name: str(tmp_path / f"{name}.csv") for name in ("bootstrap", "cnn_summary", "architectures")}

    def build(config):
        out = original.build(files, ReportContext(config=config, schema=schema, commit="c"))
        return out.variables["original"], out.tables

    variables, tables = build(validate_config({}, schema))
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ")[-1].strip(" |")
            for line in tables["original_claims"].splitlines()[2:-2]}
    assert rows["`enhanced_cnn` test accuracy"] == "reproduced"  # 0.9921 inside [0.9915, 0.9925]
    assert rows["`resnet_inspired` test accuracy"] == "not reproduced"  # 0.9947 outside
    assert rows["logistic regression test accuracy"] == "reproduced" and rows["random forest test accuracy"] == "not reproduced"
    assert rows["`enhanced_cnn` parameters"] == "reproduced" and rows["`resnet_inspired` parameters"] == "not reproduced"
    assert rows["inference time per image, every CNN"] == "reproduced on this hardware"
    assert variables["n_claims"] == "11" and variables["n_not_comparable"] == "0"
    # A profile that trains differently cannot confirm or refute an accuracy; its parameter counts still can.
    quick = validate_config({"profile": "quick", "training": {"epochs": 4}}, schema)
    variables, tables = build(quick)
    assert variables["n_not_comparable"] == "4" and "4 are reproduced, 3 are not, and 4 cannot" in variables["summary"]


def test_methods_say_when_a_stopping_rule_cannot_act():
    from digitbench.report.numbers.cnn import stopping_rules
    from tests.conftest import training_config

    long = stopping_rules(training_config(epochs=50, plateau_patience=7, early_stopping_patience=15))
    assert long["plateau_rule"].startswith("When the validation loss has not improved for 7 epochs")
    assert long["early_stopping"].startswith("Training stops early after 15 epochs")
    short = stopping_rules(training_config(epochs=4, plateau_patience=7, early_stopping_patience=15))
    assert short["plateau_rule"].endswith("in a run of 4 epochs that rule cannot act.")
    assert "cannot act in 4 epochs" in short["early_stopping"]
    assert "'" not in "".join(long.values()) + "".join(short.values())
    from digitbench.report.numbers.cnn import last_epoch_lr

    # Set once per epoch: with 4 epochs and 1 of warm-up the last epoch is half-way down the cosine.
    assert last_epoch_lr(training_config(epochs=4, warmup_epochs=1, max_lr=1e-3, min_lr=1e-6)) == pytest.approx(2.5075e-4)


def test_published_table_lists_this_study_only_when_it_follows_the_paper_protocol(tmp_path):
    from digitbench.config import load_schema, validate_config
    from digitbench.report.numbers import literature
    from tests.conftest import ROOT

    summary = pd.DataFrame({"architecture": ["a", "b"], "accuracy_mean": [0.99, 0.98], "n_seeds": [5, 5],
                            "parameters": [10, 20]})
    summary.to_csv(tmp_path / "s.csv", index=False)
    schema = load_schema(ROOT / "workflow/schemas/config.schema.yaml")

    def table(config):
        return literature.build({"cnn_summary": str(tmp_path / "s.csv")},
                                ReportContext(config=validate_config(config, schema), schema=schema, commit="c")).tables

    assert "This study: `a` (mean of 5 seeds)" in table({})["published"]
    table = table({"profile": "quick", "training": {"epochs": 4}})["published"]
    assert "This study" not in table and "not listed beside them" in table


def test_targets_table_commands_repeat_the_run_config_files():
    from digitbench.report.numbers.appendix import targets_table

    table = targets_table(["eda_sample_grid"], ["main_results"], ["config/quick.yaml"])
    assert ("`snakemake results/figures/eda_sample_grid.pdf --cores all --resources gpu=1 --configfile "
            "config/quick.yaml`") in table
    assert "`snakemake report/_generated/tables/main_results.md --cores all --resources gpu=1 --configfile" in table
    assert "--configfile" not in targets_table(["eda_sample_grid"], [], [])  # the paper profile needs none
