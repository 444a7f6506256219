"""Architecture facts for the report's table: layers, parameters, depth."""

from __future__ import annotations

from functools import lru_cache

import keras

from digitbench.models.architectures import ARCHITECTURES, build

WEIGHTED = (keras.layers.Conv2D, keras.layers.Dense)


def depth(model: keras.Model) -> int:
    """Longest input-to-output chain of weighted (Conv2D/Dense) layers: the usual notion of network depth.

    A shortcut projection runs beside two convolutions, so it adds layers but no depth; a
    squeeze-excitation MLP feeds the multiply on the main path, so its two Dense layers count.
    """
    @lru_cache(maxsize=None)
    def longest(node) -> int:
        own = 1 if isinstance(node.operation, WEIGHTED) else 0
        return own + max((longest(p) for p in node.parent_nodes), default=0)

    return max(longest(node) for node in model._nodes_by_depth[0])


def describe(name: str) -> dict[str, int | str]:
    """Parameters (total, trainable), number of layers, weighted layers and depth of one architecture."""
    model = build(name)
    trainable = sum(int(keras.ops.size(w)) for w in model.trainable_weights)
    return {
        "architecture": name,
        "parameters": int(model.count_params()),
        "trainable_parameters": trainable,
        "layers": len(model.layers) - 1,  # the Input layer is not a layer of the network
        "weighted_layers": sum(isinstance(layer, WEIGHTED) for layer in model.layers),
        "depth": depth(model),
    }


def describe_all(names: list[str] | None = None,
                 models: dict[str, dict[str, str]] | None = None) -> list[dict[str, int | str | None]]:
    """``describe`` for each registered (or given) architecture, with ``notebook_parameters`` and ``origin``.

    ``notebook_parameters`` is what the original notebook's own model code builds
    (:mod:`digitbench.models.notebook`), for the four architectures it defines (None for the others):
    the report confronts the parameter counts the notebook printed with it. ``origin`` is "original
    study", or for an architecture declared under the config's ``models`` its builder (the project's file,
    or the entry point with its distribution and version) and the SHA-256 of its module file (the first 12
    hex digits).
    """
    from digitbench.models.notebook import notebook_parameter_counts
    from digitbench.user_models import builder_source

    notebook, models = notebook_parameter_counts(), models or {}

    def origin(name: str) -> str:
        entry = models.get(name)
        return builder_source(name, entry).origin() if entry else "original study"
    return [{**describe(n), "notebook_parameters": notebook.get(n), "origin": origin(n)}
            for n in (names or list(ARCHITECTURES))]


def plot_diagram(name: str, path: str) -> bool:
    """Draw ``keras.utils.plot_model`` when pydot and graphviz are installed; False when they are not."""
    try:
        keras.utils.plot_model(build(name), to_file=path, show_shapes=True, show_layer_names=True, dpi=80)
    except ImportError:
        return False
    return True
