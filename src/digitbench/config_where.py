"""Where a config key is set: the file and line of the last layered config file that sets it.

Snakemake layers ``--configfile`` files over ``configfile:`` and hands the workflow one merged dict,
so a message about a key would otherwise name every file; a user edits one line of one file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import yaml


def _child(node: yaml.Node | None, step: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(step, str):
        return next((value for key, value in node.value if getattr(key, "value", None) == step), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        return node.value[step]
    return None


def key_line(files: Sequence[str | os.PathLike[str]], path: Sequence[str | int]) -> str | None:
    """``"file, line N"`` of the key ``path`` (``("training", "seeds", 2)``) in the last file that sets it.

    Args:
        files: The layered config files, first to last (later ones win).
        path: Keys, and list positions, from the top of the config.

    Returns:
        The place, or None when no file sets the key (its value is the schema's default, or comes from
        ``--config``), or a file cannot be read (its own check names it).
    """
    for name in reversed(list(files)):
        try:
            with open(name, encoding="utf-8") as fh:
                node = yaml.compose(fh)
        except (OSError, yaml.YAMLError):
            continue
        for step in path:
            node = _child(node, step)
        if node is not None:
            return f"{name}, line {node.start_mark.line + 1}"
    return None


def located(message: str, files: Sequence[str | os.PathLike[str]], path: Sequence[str | int]) -> str:
    """``message`` followed by where the key is set, if a file sets it."""
    place = key_line(files, path)
    return f"{message} [{place}]" if place else message
