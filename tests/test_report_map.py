"""report/README.md maps every generated table and sentence to the .qmd that shows it and the code that writes it."""

from __future__ import annotations

import re

from tests.conftest import ROOT

ROW = re.compile(r"^\| `(tables|text)/(\w+)\.md` \| (`\w+\.qmd`(?:, `\w+\.qmd`)*) \| `(\w+\.py)` \|$", re.M)
INCLUDE = re.compile(r"_generated/(tables|text)/(\w+)\.md")


def test_map_lists_every_include_with_its_qmd_and_a_module_that_writes_it():
    rows = {(kind, name): (set(re.findall(r"`(\w+\.qmd)`", qmds)), module)
            for kind, name, qmds, module in ROW.findall((ROOT / "report/README.md").read_text())}
    shown: dict[tuple[str, str], set[str]] = {}
    for qmd in sorted((ROOT / "report").rglob("*.qmd")):
        for kind, name in INCLUDE.findall(qmd.read_text()):
            shown.setdefault((kind, name), set()).add(qmd.name)
    assert shown and set(rows) == set(shown)
    for key, (qmd, module) in rows.items():
        assert shown[key] == qmd, key
        assert f'"{key[1]}"' in (ROOT / "src/digitbench/report/numbers" / module).read_text(), (key, module)


def test_report_rule_declares_every_generated_text():
    from digitbench.report.numbers.claims import claim_texts
    from digitbench.section_table import SECTIONS, report_texts

    # The claims' paragraphs (stats section), and the robustness section's.
    assert set(report_texts()) == set(claim_texts({"claims": [], "untested": []})) | {"robustness_tests", "robustness_behaviour"}
    assert set(SECTIONS["stats"].texts) == set(claim_texts({"claims": [], "untested": []}))
