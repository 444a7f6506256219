"""Script logging: everything (native stderr too) in the rule's log, one clear line on the terminal."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import os, sys
from digitbench.logs import setup_script_logging
log = setup_script_logging(sys.argv[1], "demo_rule")
log.info("progress line")
os.write(2, b"native library notice\\n")
raise ValueError("config key 'x' is bad; set it to 1")
"""


def test_error_is_one_line_on_terminal_and_whole_in_log(tmp_path):
    log = tmp_path / "logs" / "demo.log"
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(log)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "digitbench error in rule demo_rule: config key 'x' is bad; set it to 1" in proc.stderr
    assert "Traceback" not in proc.stderr and "native library notice" not in proc.stderr
    text = log.read_text()
    assert "progress line" in text and "native library notice" in text and "Traceback" in text


def test_append_keeps_earlier_attempts(tmp_path):
    log = tmp_path / "train.log"
    code = "import sys; from digitbench.logs import setup_script_logging as s; s(sys.argv[1], 'r', append=True).info('x')"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", code, str(log)], check=True)
    assert log.read_text().count("==== r started ====") == 2
