"""Result files shipped with the project and verified by their SHA-256 before the report reads them.

Some results cost more than ``make report`` may spend (the tuning that chose a profile's settings, a
second run of the whole profile). They are produced by the workflow once, copied into the repository
and named in the config together with their digest; a rule verifies the copy against that digest
before any section quotes it, so a number in the paper can still be traced to a file a rule wrote.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class ShippedFileError(Exception):
    """A shipped result is missing or differs from its recorded digest (the message names the file, key and fix)."""


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: str, sha256: str, key: str, fix: str, root: str | os.PathLike[str] = ".") -> Path:
    """Check a shipped file against the digest recorded in the config.

    Args:
        path: The file, relative to ``root`` (the config value of ``key``).
        sha256: Its expected hex SHA-256 (the config value of ``<key>_sha256``).
        key: The config key that names the file, for the message.
        fix: How to regenerate the file and where to copy it, for the message.
        root: The project directory that ``path`` is read against.

    Returns:
        The verified file.

    Raises:
        ValueError: ``path`` or ``sha256`` is empty or malformed.
        ShippedFileError: The file is missing or its digest differs.
    """
    if not path:
        raise ValueError(f"{key} is empty: there is no shipped file to verify. Received: {path!r}")
    if not _SHA256_RE.match(sha256):
        raise ValueError(f"{key}_sha256 must be 64 lowercase hex digits. Received: {sha256!r}")
    file = Path(root) / path
    if not file.is_file():
        raise ShippedFileError(f"{path} (config key {key}) does not exist. {fix}")
    found = sha256_file(file)
    if found != sha256:
        raise ShippedFileError(
            f"{path} (config key {key}) has SHA-256 {found}, but {key}_sha256 is {sha256}: the file changed since "
            f"its digest was recorded. {fix} If you changed the file on purpose, set {key}_sha256 to {found}.")
    return file


def read_verified(path: str, sha256: str, key: str, fix: str, columns: list[str],
                  root: str | os.PathLike[str] = ".", dtype: dict[str, Any] | None = None) -> pd.DataFrame:
    """The shipped CSV after :func:`verify`, with exactly ``columns``; without a file (``path`` empty), no rows.

    ``dtype`` is passed to :func:`pandas.read_csv` (text columns whose values look like numbers).

    Raises:
        ShippedFileError: The file is missing, differs from its digest, or lacks some of ``columns``.
    """
    if not path:
        return pd.DataFrame(columns=columns)
    table = pd.read_csv(verify(path, sha256, key, fix, root), dtype=dtype)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ShippedFileError(f"{path} (config key {key}) lacks the columns {missing}: it is not the file this "
                               f"rule expects. {fix}")
    return table[columns]
