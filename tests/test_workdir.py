"""One results folder per profile, one run at a time."""

from __future__ import annotations

import subprocess
import sys

import pytest

from digitbench import workdir


def test_stamp_admits_its_own_profile_and_refuses_another_with_the_command(tmp_path):
    workdir.check_profile("paper", [], root=tmp_path)  # no stamp yet: a fresh folder
    workdir.write_stamp("quick", ["config/quick.yaml"], tmp_path)
    workdir.check_profile("quick", ["config/quick.yaml"], root=tmp_path)
    with pytest.raises(workdir.WorkdirError) as err:
        workdir.check_profile("paper", [], ["results/figures/cnn_learning_curves.pdf"], root=tmp_path)
    text = str(err.value)
    assert "results/ holds profile 'quick'" in text and "profile 'paper'" in text
    assert ("snakemake results/figures/cnn_learning_curves.pdf --cores all --resources gpu=1 "
            "--configfile config/quick.yaml") in text
    assert "mv results results-quick" in text


def test_unreadable_stamp_is_named(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / workdir.STAMP).write_text("{not json")
    with pytest.raises(workdir.WorkdirError, match=r"results/\.profile\.json is unreadable"):
        workdir.check_profile("paper", [], root=tmp_path)


def test_second_lock_is_refused_with_the_holder(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from digitbench.workdir import lock_run; "
                               "lock_run(sys.argv[1]); print('locked', flush=True); time.sleep(30)", str(tmp_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(workdir.WorkdirError, match=f"pid {holder.pid}"):
            workdir.lock_run(tmp_path)
    finally:
        holder.kill()
        holder.wait()
    workdir.lock_run(tmp_path)  # released when its holder died, even by SIGKILL


def test_results_that_lost_their_stamp_are_refused_or_named_from_the_copy(tmp_path):
    (tmp_path / "results/.ledger/results").mkdir(parents=True)
    (tmp_path / "results/.ledger/results/x.csv.json").write_text("{}")  # one recorded result
    with pytest.raises(workdir.WorkdirError) as err:
        workdir.check_profile("paper", [], root=tmp_path)
    assert "results/.profile.json, which names the profile that made them, is missing" in str(err.value)
    assert "echo '{\"profile\": \"paper\", \"configfiles\": []}' > results/.profile.json" in str(err.value)
    workdir.write_stamp("quick", ["config/quick.yaml"], tmp_path)
    (tmp_path / workdir.STAMP).unlink()
    workdir.check_profile("quick", ["config/quick.yaml"], root=tmp_path)  # the copy names it
    with pytest.raises(workdir.WorkdirError, match="results/ holds profile 'quick'"):
        workdir.check_profile("paper", [], root=tmp_path)


def test_the_published_record_comes_back_after_snakemake_deletes_it(tmp_path):
    record = tmp_path / "results/report/digitbench.json"
    record.parent.mkdir(parents=True)
    record.write_text('{"files": {}}')
    workdir.keep_published(record)
    assert not workdir.restore_published("results/report/digitbench.json", tmp_path)  # present: nothing to do
    record.unlink()  # what Snakemake does before a render that then fails
    import base64

    meta = tmp_path / ".snakemake/metadata" / base64.urlsafe_b64encode(b"results/report/digitbench.json").decode()
    meta.parent.mkdir(parents=True)
    meta.write_text("{}")  # the failed render's record, which would make the put-back file look current
    assert workdir.restore_published("results/report/digitbench.json", tmp_path) and not meta.exists()
    assert record.read_text() == '{"files": {}}'
    # Killed: Snakemake marked the record incomplete and reruns the render itself.
    record.unlink()
    marker = tmp_path / ".snakemake/incomplete" / base64.urlsafe_b64encode(b"results/report/digitbench.json").decode()
    marker.parent.mkdir(parents=True)
    marker.touch()
    assert not workdir.restore_published("results/report/digitbench.json", tmp_path) and not record.exists()
