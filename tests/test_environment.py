"""environment.yml and pyproject.toml must declare the same Python dependencies."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests.conftest import ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> dict[str, str]:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        deps = tomllib.load(fh)["project"]["dependencies"]
    return {_name(d): d.replace(" ", "") for d in deps}


def _environment() -> dict[str, str]:
    with open(ROOT / "environment.yml", encoding="utf-8") as fh:
        env = yaml.safe_load(fh)
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return {_name(d): d.replace(" ", "") for d in pip if not d.startswith("-e")}


def test_same_packages_and_pins():
    assert _environment() == _pyproject()


def test_environment_installs_the_package_and_quarto():
    with open(ROOT / "environment.yml", encoding="utf-8") as fh:
        env = yaml.safe_load(fh)
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
    assert any(d.startswith("quarto") for d in conda) and any(d.startswith("python") for d in conda)
    assert "conda-forge" in env["channels"]
