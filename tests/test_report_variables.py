"""Generated tables and variables: Quarto's table syntax, exact accuracies, provenance."""

from __future__ import annotations

import pandas as pd
import pytest

from digitbench.report.numbers.provenance import benchmark_table, git_commit, wall_minutes
from digitbench.report.numbers.format import acc, departures, fmt_p, markdown_table, p_clause
from digitbench.section_table import ReportContext
from tests.conftest import ROOT


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


def test_the_renderer_that_ran_is_named_and_cited(tmp_path):
    from digitbench.report.rendering.metadata import write_renderer_note

    text = write_renderer_note(tmp_path / "r.md", "fallback", {"pandoc": "3.9", "typst": "0.15.2"})
    assert "without Quarto" in text and "pandoc 3.9 [@macfarlane2024pandoc]" in text
    assert "Typst 0.15.2 [@madje2023typst]" in text and (tmp_path / "r.md").read_text() == text + "\n"
    quarto = write_renderer_note(tmp_path / "q.md", "quarto", {"quarto": "1.6.40"})
    assert quarto.startswith("This copy was rendered by Quarto 1.6.40 [@allaire2022quarto]")
    bib = (ROOT / "report/references.bib").read_text()
    assert all(f"{{{key}," in bib for key in ("macfarlane2024pandoc", "madje2023typst", "allaire2022quarto"))


def test_title_names_a_profile_that_is_not_the_papers(tmp_path):
    from digitbench.report.rendering.metadata import write_metadata

    meta = write_metadata(tmp_path / "m.yml", title="Study", authors=["A"], profile="quick", commit="c", renderer="r")
    assert meta["title"] == "Study (quick profile)"
    assert write_metadata(tmp_path / "p.yml", title="Study", authors=["A"], profile="paper", commit="c",
                          renderer="r")["title"] == "Study"


def _original_inputs(params: list[int], notebook_params: list[int | None]):
    from digitbench.report.numbers import original

    archs = list(original.CLAIMED_PARAMETERS)
    boot = pd.DataFrame([{"model": f"seeds/{a}", "architecture": a, "seed": None, "metric": "accuracy", "estimate": 0.99,
                          "ci_low": 0.9915, "ci_high": 0.9925} for a in archs]
                        + [{"model": f"resnet_inspired/seed{s}", "architecture": "resnet_inspired", "seed": s,
                            "metric": "top3_accuracy", "estimate": 0.999, "ci_low": low, "ci_high": high}
                           for s, low, high in ((1, 0.9980, 0.9990), (2, 0.9985, 0.9995))])
    summary = pd.DataFrame({"architecture": archs, "accuracy_mean": [0.990, 0.995, 0.991, 0.989],
                            "inference_ms_per_image_mean": [1.0, 4.0, 2.0, 3.0],
                            "training_seconds_mean": [60.0, 120.0, 90.0, 30.0]})
    built = pd.DataFrame({"architecture": archs, "parameters": params, "notebook_parameters": notebook_params})

    def fitted(model, acc, low, high, **extra):
        from digitbench.notebook_baselines import settings

        return {"model": model, "accuracy": acc, "accuracy_ci_low": low, "accuracy_ci_high": high, "fit_seconds": 12.5,
                "threads": 1, "n_train": 60000, "n_test": 10000, "settings": settings(model), **extra}

    notebook = {"logreg": fitted("logreg", 0.926, 0.921, 0.931, n_parameters=7850, n_iter=260),
                "random_forest": fitted("random_forest", 0.9704, 0.9669, 0.9720)}
    return boot, summary, built, notebook


def _build_original(tmp_path, config, schema, boot, summary, built, notebook):
    import json

    from digitbench.report.numbers import original

    for name, df in (("bootstrap", boot), ("cnn_summary", summary), ("architectures", built)):
        df.to_csv(tmp_path / f"{name}.csv", index=False)
    (tmp_path / "notebook.json").write_text(json.dumps({"models": notebook or {}}), encoding="utf-8")
    files = {name: str(tmp_path / f"{name}.csv") for name in ("bootstrap", "cnn_summary", "architectures")}
    built = original.build({**files, "notebook_baselines": str(tmp_path / "notebook.json")},
                           ReportContext(config=config, schema=schema, commit="c"))
    return built.variables["original"], built.tables


def _verdicts(table: str) -> dict[str, str]:
    return {line.split(" | ")[0].strip("| "): line.split(" | ")[-1].strip(" |") for line in table.splitlines()[2:-2]}


def test_original_claims_get_a_verdict_from_this_run(tmp_path):
    from digitbench.config import load_schema, validate_config
    from tests.conftest import ROOT

    schema = load_schema(ROOT / "workflow/schemas/config.schema.yaml")
    # enhanced_cnn: the printed count equals the code's; resnet: the code builds 1 and the notebook printed
    # 123,410 (densenet_inspired likewise); se_cnn: the workflow's model is not the notebook's here, so only "not reproduced" can be said.
    boot, summary, built, notebook = _original_inputs([89_634, 1, 95_000, 2], [89_634, 1, 3, 2])
    variables, tables = _build_original(tmp_path, validate_config({}, schema), schema, boot, summary, built, notebook)
    rows = _verdicts(tables["original_claims"])
    assert rows["`enhanced_cnn` test accuracy"] == "reproduced"  # 0.9921 inside [0.9915, 0.9925]
    assert rows["`resnet_inspired` test accuracy"] == "not reproduced"  # 0.9947 outside
    # The baselines come from the notebook-style fits: 0.9248 inside [0.921, 0.931], 0.9721 above 0.9720.
    assert rows["logistic regression test accuracy"] == "reproduced" and rows["random forest test accuracy"] == "not reproduced"
    assert rows["`enhanced_cnn` parameters"] == "reproduced"
    assert rows["`resnet_inspired` parameters"] == ("contradicted by the notebook's own code "
                                                    "(its code builds 1; it printed 123,410)")
    assert rows["`se_cnn` parameters"] == "not reproduced" and rows["logistic regression parameters"] == "reproduced"
    assert rows["most accurate of the four CNNs"] == "reproduced"
    assert rows["`resnet_inspired` top-3 accuracy"] == "reproduced"  # 0.9993 inside the runs' span [0.9980, 0.9995]
    assert rows["training time per CNN"].startswith("not comparable")
    assert rows["inference time per image, every CNN"] == "reproduced on this hardware"
    assert rows["statistical validation with Friedman and Wilcoxon tests"].startswith("contradicted")
    assert variables["n_claims"] == "18" and variables["cnn_departures"] == "none"
    assert variables["overall"] == ("The original notebook printed simulated results: its own code contradicts "
                                    "2 parameter counts and 2 statements about its statistics; fitted as it fitted "
                                    "them, its baselines reproduce 1 of its 2 baseline accuracies; this run "
                                    "reproduces 1 of its 4 CNN accuracies.")
    assert "the logistic regression used 260 L-BFGS iterations" in variables["notebook_baselines"]
    assert "5-fold cross-validation of both (not run here" in variables["notebook_baselines"]
    assert variables["logreg_strategy_note"].startswith("The notebook's logistic regression is multinomial instead")


def test_original_baseline_claims_stay_comparable_when_the_cnns_are_not(tmp_path):
    from digitbench.config import load_schema, validate_config
    from digitbench.report.numbers import original
    from tests.conftest import ROOT

    schema = load_schema(ROOT / "workflow/schemas/config.schema.yaml")
    boot, summary, built, notebook = _original_inputs([158_058, 699_402, 97_784, 70_290],
                                                      [158_058, 699_402, 97_784, 70_290])
    # A profile that trains differently and fits its own baselines on a subset, as the quick profile does.
    quick = validate_config({"profile": "quick", "training": {"epochs": 4}, "baselines": {"train_size": 10000,
                                                                                          "logreg_strategy": "multinomial"}},
                            schema)
    variables, tables = _build_original(tmp_path, quick, schema, boot, summary, built, notebook)
    rows = _verdicts(tables["original_claims"])
    for arch in original.CLAIMED_PARAMETERS:
        assert rows[f"`{arch}` test accuracy"] == "not comparable in this profile"
        assert rows[f"`{arch}` parameters"].startswith("contradicted by the notebook's own code (its code builds")
    assert rows["logistic regression test accuracy"] == "reproduced"  # fitted as the notebook did, in any profile
    assert variables["cnn_departures"] == "training.epochs"
    assert variables["cnn_comparability"] == ("This profile departs from it in training.epochs, so the CNN claims "
                                              "are not compared.")
    assert "6 are contradicted by the notebook's own code, and 7 cannot be compared" in variables["summary"]
    assert variables["overall"].endswith("cannot be checked in this profile, which trains the networks differently "
                                         "(training.epochs).")
    assert variables["logreg_strategy_note"].startswith("Like the notebook's")
    # Without the notebook-style fits (original.baselines off) the baseline claims are not checked, and say why.
    variables, tables = _build_original(tmp_path, quick, schema, boot, summary, built, None)
    rows = _verdicts(tables["original_claims"])
    assert rows["random forest test accuracy"] == "not comparable in this profile"
    assert "original.baselines is off" in variables["notebook_baselines"]
    assert "baselines reproduce" not in variables["overall"]


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


def test_rehearsal_keeps_the_paper_downstream_and_says_its_numbers_are_not_results():
    import yaml

    from digitbench.config import load_schema, validate_config
    from digitbench.report.numbers.profile import front

    schema = load_schema(ROOT / "workflow/schemas/config.schema.yaml")
    paper = validate_config({}, schema)
    rehearsal = validate_config(yaml.safe_load((ROOT / "config/rehearsal.yaml").read_text()), schema)
    for section in ("robustness", "occlusion", "stats", "data"):  # everything after training at the paper's size
        assert rehearsal[section] == paper[section], section
    assert rehearsal["training"]["architectures"] == paper["training"]["architectures"]
    assert rehearsal["training"]["seeds"] == paper["training"]["seeds"] and len(paper["training"]["seeds"]) >= 5
    assert rehearsal["training"]["epochs"] < paper["training"]["epochs"]
    machine = {"cpu": "CPU", "cores": "2", "gpu": "none"}
    assert front(rehearsal, schema, machine).startswith("These are rehearsal numbers, not results")
    assert "rehearsal" not in front(paper, schema, machine)
