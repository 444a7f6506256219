"""Where a config key is set: the file and line of the last layered config file that sets it.

Snakemake layers ``--configfile`` files over ``configfile:`` and hands the workflow one merged dict,
so a message about a key would otherwise name every file; a user edits one line of one file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

COMMAND_LINE = "set by --config on the command line, over the config files"
_UNSET = object()


def _child(node: yaml.Node | None, step: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(step, str):
        return next((value for key, value in node.value if getattr(key, "value", None) == step), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        return node.value[step]
    return None


def _value(tree: Any, path: Sequence[str | int]) -> Any:
    for step in path:
        if isinstance(tree, dict) and isinstance(step, str) and step in tree:
            tree = tree[step]
        elif isinstance(tree, list) and isinstance(step, int) and 0 <= step < len(tree):
            tree = tree[step]
        else:
            return _UNSET
    return tree


def key_line(files: Sequence[str | os.PathLike[str]], path: Sequence[str | int],
             config: Mapping[str, Any] | None = None) -> str | None:
    """``"file, line N"`` of the key ``path`` (``("training", "seeds", 2)``) in the last file that sets it.

    Args:
        files: The layered config files, first to last (later ones win).
        path: Keys, and list positions, from the top of the config.
        config: The merged config the workflow received. When the value there differs from the file's,
            ``--config`` on the command line set it, and the file's line would point at the wrong value.

    Returns:
        The place, ``COMMAND_LINE`` when ``--config`` overrode the file, or None when no file sets the key
        (its value is the schema's default, or comes from ``--config``), or a file cannot be read (its
        own check names it).
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
            if config is not None:
                in_file = yaml.SafeLoader("").construct_object(node, deep=True)
                # A section (a mapping) is completed with the schema's defaults, so only values are compared.
                if not isinstance(in_file, dict) and in_file != _value(config, path):
                    return COMMAND_LINE
            return f"{name}, line {node.start_mark.line + 1}"
    return None


def located(message: str, files: Sequence[str | os.PathLike[str]], path: Sequence[str | int],
            config: Mapping[str, Any] | None = None) -> str:
    """``message`` followed by where the key is set, if a file or the command line sets it (:func:`key_line`)."""
    place = key_line(files, path, config)
    return f"{message} [{place}]" if place else message
