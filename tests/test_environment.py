"""uv.lock, pyproject.toml and environment.yml describe one environment."""

from __future__ import annotations

import shutil
import tomllib

import pytest
import yaml

from digitbench import envlock
from tests.conftest import ROOT


def test_the_lock_was_made_from_pyproject():
    assert envlock.disagreements(ROOT / "pyproject.toml", ROOT / "uv.lock") == [], "run `make lock`"


def test_a_lock_that_disagrees_with_pyproject_is_caught(tmp_path):
    text = (ROOT / "pyproject.toml").read_text()
    assert '"scipy>=1.15",' in text
    (tmp_path / "pyproject.toml").write_text(text.replace('"scipy>=1.15",', '"scipy>=1.16",\n    "rich>=13",'))
    found = envlock.disagreements(tmp_path / "pyproject.toml", ROOT / "uv.lock")
    assert any(line.startswith("scipy>=1.16: in") for line in found) and any("rich>=13" in line for line in found)
    assert any(line.startswith("scipy>=1.15: in") and "not in" in line for line in found)


def test_the_lock_covers_both_pythons_and_every_extra_with_hashes():
    with open(ROOT / "uv.lock", "rb") as fh:
        lock = tomllib.load(fh)
    markers = " ".join(lock["resolution-markers"] + lock.get("supported-markers", []))
    assert "3.12" in markers and "< '3.13'" in markers and "x86_64" in markers
    root = next(p for p in lock["package"] if p["name"] == "digitbench")
    assert set(root["metadata"]["provides-extras"]) == {"gpu", "slurm", "kubernetes"}
    registry = [p for p in lock["package"] if "registry" in p.get("source", {})]
    assert registry and all(all(w["hash"].startswith("sha256:") for w in p.get("wheels", [])) for p in registry)


def test_environment_yml_installs_the_locks_pins_for_python_3_11():
    pins = envlock.environment_pins(ROOT / "environment.yml")
    env311 = {"python_full_version": "3.11.0", "sys_platform": "linux", "platform_machine": "x86_64"}
    locked = envlock.locked_versions(ROOT / "uv.lock", env311)
    assert pins and all(locked[name] == version for name, version in pins.items())
    with open(ROOT / "pyproject.toml", "rb") as fh:
        direct = tomllib.load(fh)["project"]["dependencies"]
    from packaging.requirements import Requirement
    wanted = {envlock.canonical(Requirement(d).name) for d in direct
              if not Requirement(d).marker or Requirement(d).marker.evaluate(env311)}
    assert wanted <= set(pins), wanted - set(pins)


def test_environment_installs_the_package_and_quarto():
    with open(ROOT / "environment.yml", encoding="utf-8") as fh:
        env = yaml.safe_load(fh)
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip and "python=3.11" in conda
    assert any(d.startswith("quarto") for d in conda)
    assert "conda-forge" in env["channels"]


def test_differences_name_each_package_off_the_lock():
    pins = envlock.locked_versions(ROOT / "uv.lock")
    installed = {"numpy": pins["numpy"], "scipy": "0.1", "jupyterlab": "4.0", "digitbench": "9"}
    assert envlock.differences(ROOT / "uv.lock", installed) == [("jupyterlab", "not locked", "4.0"),
                                                                 ("scipy", pins["scipy"], "0.1")]


@pytest.mark.skipif(shutil.which("uv") is None and not (ROOT / ".cache/uv/bin/uv").exists(), reason="uv not installed")
def test_uv_agrees_that_the_lock_is_current():
    import subprocess

    uv = str(ROOT / ".cache/uv/bin/uv") if (ROOT / ".cache/uv/bin/uv").exists() else shutil.which("uv")
    proc = subprocess.run([uv, "lock", "--check", "--offline"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
