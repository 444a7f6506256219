"""The architectures a config declares under ``models``, handed from a job's config to the model code.

Jobs learn them from an environment variable that :func:`digitbench.ledger.start_job` sets, so that a
job that never builds a model (a plot) does not import Keras to learn them (``digitbench.models``
imports Keras); the model code looks a name up only when it is not one of the five. The config's own
check of the declarations (:func:`config_problems`) lives here too, beside what they may contain.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

ENV = "DIGITBENCH_MODELS"
# The two ways a declaration names its builder (digitbench.builder_sources); it gives exactly one.
KINDS = ("builder", "entry_point")


def declare(models: Mapping[str, Mapping[str, Any]]) -> None:
    """Make the config's ``models`` known to :func:`declared` in this process and its children."""
    if models:
        os.environ[ENV] = json.dumps({name: dict(entry) for name, entry in models.items()})


def declared(name: str) -> dict[str, Any] | None:
    """The declaration of ``name`` (``builder`` or ``entry_point``, ``description``), or None."""
    return json.loads(os.environ.get(ENV, "{}")).get(name)


def config_problems(config: Mapping[str, Any], five: Sequence[str],
                    files: Sequence[str | os.PathLike[str]] = ()) -> list[str]:
    """Problems of a schema-valid config's ``models`` and of the names that select architectures, as sentences.

    That a declaration gives exactly one of ``builder`` and ``entry_point`` is checked here, not by the
    schema: jsonschema words a failed ``oneOf`` without naming either key.

    Args:
        config: The validated config.
        five: The study's own architectures (the schema's enum).
        files: The layered config files; each problem then names the file and line that set its key.

    Returns:
        One sentence per problem, with its fix; empty when there is none.
    """
    from digitbench.config_where import located

    models, problems = config.get("models", {}), []
    for name, entry in models.items():
        given = [kind for kind in KINDS if kind in entry]
        if len(given) != 1:
            what = "both builder and entry_point; keep one" if given else "neither builder nor entry_point; add one"
            problems.append(located(f"models.{name} gives {what}: builder: FILE.py:FUNCTION for a function in a "
                                    f"file of the project, or entry_point: NAME for an architecture an installed "
                                    f"package provides (entry-point group digitbench.architectures)", files,
                                    ("models", name), config))
    known = [*five, *models]
    for section in ("training", "tuning", "benchmark"):
        for i, name in enumerate(config.get(section, {}).get("architectures", [])):
            if name not in known:
                problems.append(located(f"{section}.architectures names '{name}', which is neither one of the five "
                                        f"nor declared under models; known: {', '.join(known)}", files,
                                        (section, "architectures", i), config))
    return problems
