"""Validate a study configuration against the JSON schema and fill in its defaults.

Snakemake's own ``validate`` prints jsonschema's raw error; users need the key, the allowed
values and the file to fix, so this module words the first error itself.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from digitbench.config_where import located
from digitbench.model_declarations import config_problems


# The schema's default profile: every key at its default is the study's protocol.
PAPER_PROFILE = "paper"


class ConfigError(ValueError):
    """A configuration key or value the schema does not allow."""


def load_schema(path: str | Path) -> dict[str, Any]:
    """Read the YAML/JSON schema at ``path``."""
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _fill_defaults(instance: dict[str, Any], schema: Mapping[str, Any]) -> None:
    """Insert schema defaults for missing keys, recursing into nested objects."""
    for key, sub in schema.get("properties", {}).items():
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if sub.get("type") == "object" and isinstance(instance.get(key), dict):
            _fill_defaults(instance[key], sub)


def _key_path(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(top level)"


def _describe(error: jsonschema.ValidationError, schema: Mapping[str, Any]) -> str:
    """Turn a jsonschema error into a sentence naming the key and what it accepts."""
    key = _key_path(error)
    sub = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "additionalProperties":
        allowed = sorted(sub.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, Mapping) else []
        where = "" if key == "(top level)" else f" under '{key}'"
        return (
            f"unknown config key{'s' if len(extra) > 1 else ''} {', '.join(repr(e) for e in extra)}{where}. "
            f"Allowed keys: {', '.join(allowed)}."
        )
    if error.validator == "enum":
        return f"'{key}' is {error.instance!r}; allowed values: {', '.join(map(repr, error.validator_value))}."
    if error.validator == "type":
        return f"'{key}' is {error.instance!r} but must be of type {error.validator_value}."
    description = sub.get("description", "").strip()
    hint = f" ({description})" if description else ""
    return f"'{key}': {error.message}{hint}."


def validate_config(config: dict[str, Any], schema: Mapping[str, Any], source: str = "the config",
                    files: Sequence[str | Path] = ()) -> dict[str, Any]:
    """Validate ``config`` in place, adding defaults for every missing key.

    Args:
        config: The parsed configuration (Snakemake's ``config`` dict).
        schema: The JSON schema (``workflow/schemas/config.schema.yaml``).
        source: Name of the file(s) the config came from, quoted in error messages.
        files: The layered config files; each message then names the file and line that set the key.

    Returns:
        The same dict, completed with defaults.

    Raises:
        ConfigError: naming the offending key, the allowed values and ``source``.
    """
    _fill_defaults(config, schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(e.absolute_path), str(e.absolute_path)))
    if errors:
        lines = [f"- {located(_describe(e, schema), files, list(e.absolute_path), config)}" for e in errors]
    else:
        lines = [f"- {p}" for p in config_problems(config, schema["$defs"]["architecture"]["enum"], files)]
    if lines:
        raise ConfigError(
            f"Invalid configuration in {source}:\n" + "\n".join(lines) + "\nFix the key(s) above; "
            "workflow/schemas/config.schema.yaml documents every key and its default."
        )
    return config


MNIST_TRAIN_IMAGES = 60000
N_CLASSES = 10


def training_images(training: Mapping[str, Any]) -> int:
    """Images a CNN trains on per epoch: the subset less its validation share (as ``train_test_split`` rounds)."""
    n = training["train_size"] or MNIST_TRAIN_IMAGES
    return n - math.ceil(n * training["validation_split"])


# Keys that define which runs exist, not how one trains: a tuning grid over them would compare other studies.
NOT_TUNABLE = ("architectures", "seeds", "threads", "jobs_per_gpu", "compilation_cache")


def tuning_candidates(grid: Mapping[str, Sequence[Any]]) -> list[tuple[str, dict[str, Any]]]:
    """``(name, training overrides)`` for every combination of the tuning grid's values, in grid order (c1, c2, ...)."""
    keys = list(grid)
    return [(f"c{i}", dict(zip(keys, values)))
            for i, values in enumerate(itertools.product(*(grid[k] for k in keys)), start=1)]


def check_tuning(config: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """Problems of the ``tuning`` section against the (validated) rest of the config, as sentences."""
    tuning, training, problems = config["tuning"], config["training"], []
    if tuning["seed"] in training["seeds"]:
        problems.append(f"tuning.seed is {tuning['seed']}, one of training.seeds {training['seeds']}: a reported run "
                        "would also be a tuning run; choose a seed outside training.seeds")
    bad = [k for k in tuning["grid"] if k in NOT_TUNABLE or k not in training]
    if bad:
        problems.append(f"tuning.grid has {', '.join(map(repr, bad))}, which are not tunable training settings; "
                        f"use keys of the training section other than {', '.join(NOT_TUNABLE)}")
        return problems
    for name, overrides in tuning_candidates(tuning["grid"]):
        try:
            candidate = {"training": {**training, **overrides}, "models": config.get("models", {})}
            validate_config(candidate, schema, source=f"tuning candidate {name}")
        except ConfigError as err:
            problems.append(f"tuning.grid: candidate {name} ({overrides}) is not a valid training config: "
                            f"{str(err).splitlines()[1].lstrip('- ')}")
    return problems


# Result files shipped with the project, each named by a key and verified by ``<key>_sha256`` (digitbench.shipped).
SHIPPED_KEYS = ("tuning.results", "report.rerun_check")


def check_shipped(config: Mapping[str, Any]) -> list[str]:
    """Problems of the shipped-file keys: a file named without its digest, or a digest without a file."""
    problems = []
    for key in SHIPPED_KEYS:
        section, name = key.split(".")
        path, digest = config[section][name], config[section][f"{name}_sha256"]
        if bool(path) != bool(digest):
            problems.append(f"{key} is {path!r} but {key}_sha256 is {digest!r}: give both (the file and its "
                            f"`sha256sum`) or neither")
    return problems


def check_consistency(config: Mapping[str, Any], source: str = "the config",
                      schema: Mapping[str, Any] | None = None, files: Sequence[str | Path] = ()) -> None:
    """Settings that are valid one by one but not together; checked before any job runs.

    With ``schema``, the tuning grid's candidates are validated as training settings too; with
    ``files`` (the layered config files), each problem names the file and line that set its key.

    Raises:
        ConfigError: naming the keys, their values and the fix.
    """
    t, problems = config["training"], []
    if t["train_size"] > MNIST_TRAIN_IMAGES:
        problems.append(f"training.train_size is {t['train_size']}, more than MNIST's {MNIST_TRAIN_IMAGES:,} training "
                        "images; use 0 for all of them")
    elif t["batch_size"] > training_images(t):
        problems.append(f"training.batch_size is {t['batch_size']}, larger than the {training_images(t):,} images a "
                        f"CNN trains on (training.train_size {t['train_size']} less the validation share "
                        f"{t['validation_split']:g}); lower training.batch_size or raise training.train_size")
    n = t["train_size"] or MNIST_TRAIN_IMAGES
    held_out = math.ceil(n * t["validation_split"])
    if t["train_size"] and min(held_out, n - held_out) < N_CLASSES:
        need = max(math.ceil(N_CLASSES / t["validation_split"]), math.ceil(N_CLASSES / (1 - t["validation_split"])))
        problems.append(located(f"training.train_size is {n}: with training.validation_split {t['validation_split']:g} "
                                f"it splits into {n - held_out} training and {held_out} validation images, and the "
                                f"stratified split needs one of each class on both sides; raise training.train_size "
                                f"to at least {need} (or 0 for all)", files, ("training", "train_size"), config))
    if t["warmup_epochs"] > t["epochs"]:
        problems.append(located(f"training.warmup_epochs is {t['warmup_epochs']}, more than training.epochs "
                                f"({t['epochs']}): the learning rate would never finish warming up; lower "
                                "training.warmup_epochs to training.epochs or less", files,
                                ("training", "warmup_epochs"), config))
    problems += check_shipped(config)
    if schema is not None:
        problems += check_tuning(config, schema)
    if problems:
        raise ConfigError(f"Invalid configuration in {source}:\n" + "\n".join(f"- {p}" for p in problems))


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last silently)."""


def _no_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise ConfigError(f"{key_node.start_mark.name}, line {line}: key '{key}' is given twice (first on "
                              f"line {seen[key]}); YAML would silently keep only the last. Delete one of them.")
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def check_config_files(paths: list[str | Path]) -> None:
    """Re-read each config file strictly: duplicate keys and syntax errors name the file and line.

    Raises:
        ConfigError: A file repeats a key or is not valid YAML.
    """
    for path in map(Path, paths):
        if not path.is_file():
            raise ConfigError(f"{path}: no such config file. Give the path of an existing file (relative to the "
                              "project folder) to --configfile.")
        try:
            with open(path, encoding="utf-8") as fh:
                loaded = yaml.load(fh, Loader=_StrictLoader)  # noqa: S506 -- a SafeLoader subclass
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark
            where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
            raise ConfigError(f"{where}: not valid YAML ({err.problem}). Fix the file and rerun.") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: holds a {type(loaded).__name__} ({str(loaded)[:60]}), not config keys. A "
                              "config file maps keys to values, e.g. 'training:' then '  epochs: 4' on the next line.")


def layered_config(files: list[str | Path], schema: Mapping[str, Any], source: str | None = None) -> dict[str, Any]:
    """Config files layered as Snakemake layers ``--configfile`` over ``configfile:``, validated, defaults filled.

    Args:
        files: ``config/config.yaml`` first, then the ``--configfile`` files in order.
        schema: The config schema (:func:`load_schema`).
        source: How errors name the files; default: their paths joined by " + ".

    Raises:
        ConfigError: The layered config breaks the schema.
    """
    from snakemake.utils import update_config

    config: dict[str, Any] = {}
    for path in files:
        update_config(config, yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})
    return validate_config(config, schema, source or " + ".join(map(str, files)), files)


def main(argv: list[str] | None = None) -> int:
    """``python -m digitbench.config FILE...``: check config files as the workflow will, before Snakemake.

    Snakemake reads every ``--configfile`` itself before the workflow starts, and on a YAML syntax
    error says only "not valid JSON or YAML"; this names the file, line and column. It then checks
    the files layered over ``config/config.yaml`` (as ``--configfile`` layers them) against the schema.
    Run it from the project directory. Returns the exit status: 0 when the files are fine.
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m digitbench.config", description=main.__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="config files, in the order given to --configfile")
    files = [Path("config/config.yaml"), *map(Path, parser.parse_args(argv).files)]
    try:
        check_config_files(files)
        source = " + ".join(map(str, files))
        schema = load_schema("workflow/schemas/config.schema.yaml")
        check_consistency(layered_config(files, schema, source), source, schema, files)
    except (ConfigError, OSError) as err:
        print(err, file=sys.stderr)
        return 1
    print(f"{' + '.join(map(str, files))}: valid")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
