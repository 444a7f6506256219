"""The architectures a config declares under ``models``, handed from a job's config to the model code.

Jobs learn them from an environment variable that :func:`digitbench.ledger.start_job` sets, so that a
job that never builds a model (a plot) does not import Keras to learn them (``digitbench.models``
imports Keras); the model code looks a name up only when it is not one of the five.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

ENV = "DIGITBENCH_MODELS"


def declare(models: Mapping[str, Mapping[str, Any]]) -> None:
    """Make the config's ``models`` known to :func:`declared` in this process and its children."""
    if models:
        os.environ[ENV] = json.dumps({name: dict(entry) for name, entry in models.items()})


def declared(name: str) -> dict[str, Any] | None:
    """The declaration of ``name`` (``builder``, ``description``), or None."""
    return json.loads(os.environ.get(ENV, "{}")).get(name)
