"""The results ledger: digests recorded by jobs, verified by consumers, audited before any job."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap

import pytest

from digitbench import ledger


@pytest.fixture
def work(tmp_path):
    (tmp_path / "results/models").mkdir(parents=True)
    (tmp_path / "results/models/metrics.json").write_text('{"accuracy": 0.5312}')
    (tmp_path / "results/tables").mkdir()
    (tmp_path / "results/tables/summary.csv").write_text("accuracy\n0.5312\n")
    return tmp_path


def test_record_notes_digest_rule_and_recorded_sources(work):
    ledger.record(["results/models/metrics.json"], "train_cnn", work)
    done = ledger.record(["results/tables/summary.csv", "resources/mnist.npz"], "summarize_cnns", work,
                         inputs=["results/models/metrics.json", "src/digitbench/x.py"])
    assert done == ["results/tables/summary.csv"]  # only results/ and report/ are recorded
    rec = json.loads((work / "results/.ledger/results/tables/summary.csv.json").read_text())
    assert rec["rule"] == "summarize_cnns" and rec["sha256"] == ledger.sha256(work / "results/tables/summary.csv")
    assert list(rec["inputs"]) == ["results/models/metrics.json"]


def test_audit_is_clean_until_a_file_is_edited_truncated_or_removed(work):
    ledger.record(["results/models/metrics.json", "results/tables/summary.csv"], "r", work)
    assert ledger.audit(work) == []
    (work / "results/models/metrics.json").write_text('{"accuracy": 0.9312}')
    (work / "results/tables/summary.csv").unlink()
    problems = ledger.audit(work)
    assert [(p.path, p.kind) for p in problems] == [("results/models/metrics.json", "changed"),
                                                      ("results/tables/summary.csv", "missing")]
    message = ledger.describe(problems, command="snakemake --cores all --configfile config/quick.yaml")
    assert "results/models/metrics.json: changed since rule r wrote it" in message
    assert "results/tables/summary.csv: missing (written by rule r)" in message
    assert ("snakemake --cores all --configfile config/quick.yaml --forcerun results/models/metrics.json "
            "results/tables/summary.csv") in message


def test_audit_exempts_what_this_run_regenerates(work):
    ledger.record(["results/models/metrics.json"], "train_cnn", work)
    (work / "results/models/metrics.json").write_text("{}")
    assert ledger.audit(work, exempt=["results/models/metrics.json"]) == []
    assert ledger.audit(work, exempt_rules=["train_cnn"]) == []
    assert len(ledger.audit(work, exempt=["results/other.json"])) == 1


def test_missing_output_of_an_interrupted_job_is_left_to_snakemake(work):
    ledger.record(["results/models/metrics.json"], "train_cnn", work)
    (work / "results/models/metrics.json").unlink()
    marker = base64.urlsafe_b64encode(b"results/models/metrics.json").decode()
    (work / ".snakemake/incomplete").mkdir(parents=True)
    (work / ".snakemake/incomplete" / marker).write_text("")
    assert ledger.audit(work) == []


def test_verify_names_the_changed_input(work):
    ledger.record(["results/models/metrics.json"], "train_cnn", work)
    ledger.verify(["results/models/metrics.json", "results/tables/summary.csv"], work)  # unrecorded: fine
    with open(work / "results/models/metrics.json", "r+b") as fh:
        fh.truncate(5)
    with pytest.raises(ledger.LedgerError, match="results/models/metrics.json: changed since rule train_cnn"):
        ledger.verify(["results/models/metrics.json"], work)


def test_forget_drops_the_records_of_outputs_being_rewritten(work):
    ledger.record(["results/models/metrics.json"], "train_cnn", work)
    ledger.forget(["results/models/metrics.json"], work)
    (work / "results/models/metrics.json").unlink()
    assert ledger.audit(work) == []


SCRIPT = """
import sys
from types import SimpleNamespace
from digitbench.ledger import start_job

smk = SimpleNamespace(log=["results/logs/job.log"], rule="make_table",
                      input=["results/models/metrics.json"], output=["results/tables/out.csv"])
log = start_job(smk)
open("results/tables/out.csv", "w").write("x\\n1\\n")
if sys.argv[1] == "fail":
    raise RuntimeError("boom")
"""


@pytest.mark.parametrize("outcome", ["ok", "fail"])
def test_start_job_records_outputs_only_when_the_script_succeeds(work, outcome):
    ledger.record(["results/models/metrics.json"], "train_cnn", work)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(SCRIPT), outcome], cwd=work,
                          capture_output=True, text=True)
    recorded = (work / "results/.ledger/results/tables/out.csv.json").exists()
    assert (proc.returncode == 0) == (outcome == "ok") == recorded
    if outcome == "fail":
        assert "boom" in proc.stderr


def test_start_job_refuses_an_edited_input(work):
    ledger.record(["results/models/metrics.json"], "train_cnn", work)
    (work / "results/models/metrics.json").write_text('{"accuracy": 0.9312}')
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(SCRIPT), "ok"], cwd=work,
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "results/models/metrics.json: changed since rule train_cnn" in proc.stderr
    assert not (work / "results/tables/out.csv").exists()


def test_files_published_via_a_record_name_the_record_to_force(work):
    (work / "results/report").mkdir()
    (work / "results/report/digitbench.html").write_text("<p>report</p>")
    ledger.record(["results/report/digitbench.html"], "render_report", work, via="results/report/digitbench.json")
    (work / "results/report/digitbench.html").unlink()
    problems = ledger.audit(work)
    assert [(p.path, p.kind, p.via) for p in problems] == [
        ("results/report/digitbench.html", "missing", "results/report/digitbench.json")]
    assert "--forcerun results/report/digitbench.json" in ledger.describe(problems)
    assert ledger.audit(work, exempt=["results/report/digitbench.json"]) == []


def test_outputs_from_the_output_cache_are_verified_by_their_digests_and_symlinks_count(tmp_path):
    from digitbench import ledger

    cache = tmp_path / "cache"
    cache.mkdir()
    run = tmp_path / "results/models/a/seed1"
    run.mkdir(parents=True)
    (cache / "h_metrics.json").write_text('{"accuracy": 0.5}')
    (run / "metrics.json").symlink_to(cache / "h_metrics.json")  # as Snakemake's cache hands it over
    ledger.write_digests(run / "digests.json", [str(run / "metrics.json")])
    ledger.verify(["results/models/a/seed1/metrics.json"], tmp_path)  # no record: its digest list vouches
    (cache / "h_metrics.json").write_text('{"accuracy": 0.9}')  # the cached copy edited
    with pytest.raises(ledger.LedgerError, match=r"metrics.json: differs from the digest rule train_cnn listed in "
                                                 r"digests.json.*output cache"):
        ledger.verify(["results/models/a/seed1/metrics.json"], tmp_path)
    # A symlink into a folder outside the project is recorded and checked under its own path.
    assert ledger.record(["results/models/a/seed1/metrics.json"], "train_cnn", tmp_path) == [
        "results/models/a/seed1/metrics.json"]
