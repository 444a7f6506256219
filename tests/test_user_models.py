"""Architectures declared in config: the builder's contract, checked with a message naming file and function."""

from __future__ import annotations

import importlib
import json
import re
import sys

import pytest
import yaml

from digitbench.user_models import BuilderError, check_builder, load_builder, split_spec
from tests.conftest import ROOT

GOOD = "examples/lenet5.py:build"


def test_the_example_meets_the_contract_and_a_job_builds_it_by_name(monkeypatch):
    assert "parameters" in check_builder("lenet5", GOOD, ROOT)
    from digitbench.model_declarations import declare
    from digitbench.models.architectures import ARCHITECTURES, build

    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("DIGITBENCH_MODELS", raising=False)
    with pytest.raises(ValueError, match="or a name declared under models. Received: lenet5"):
        build("lenet5")
    try:
        declare({"lenet5": {"builder": GOOD}})  # what start_job does with the job's config
        assert build("lenet5", input_shape=(28, 28, 1)).output_shape == (None, 10)
    finally:
        ARCHITECTURES.pop("lenet5", None)
        monkeypatch.delenv("DIGITBENCH_MODELS", raising=False)


BROKEN = {
    "import": ("import nothing_here\n", "importing it failed with ModuleNotFoundError"),
    "signature": ("def build(shape):\n    pass\n", "cannot be called as build(input_shape=(28, 28, 1), num_classes=10)"),
    "shape": ("import keras\ndef build(input_shape, num_classes):\n    i = keras.Input(input_shape)\n"
              "    return keras.Model(i, keras.layers.Dense(5, activation='softmax')(keras.layers.Flatten()(i)))\n",
              "it must map (None, 28, 28, 1) to (None, 10)"),
    "softmax": ("import keras\ndef build(input_shape, num_classes):\n    i = keras.Input(input_shape)\n"
                "    return keras.Model(i, keras.layers.Dense(num_classes)(keras.layers.Flatten()(i)))\n",
                "does not end in a softmax"),
    "compiled": ("import keras\ndef build(input_shape, num_classes):\n    i = keras.Input(input_shape)\n"
                 "    m = keras.Model(i, keras.layers.Dense(num_classes, activation='softmax')("
                 "keras.layers.Flatten()(i)))\n    m.compile('sgd', 'mse')\n    return m\n", "return it uncompiled"),
    "not a model": ("def build(input_shape, num_classes):\n    return 3\n", "returned a int, not a keras.Model"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_broken_builder_is_named_with_its_fix(tmp_path, case):
    source, expected = BROKEN[case]
    (tmp_path / "net.py").write_text(source)
    with pytest.raises(BuilderError) as err:
        check_builder("mine", "net.py:build", tmp_path, train_step=False)
    assert expected in str(err.value) and "net.py" in str(err.value)


def test_a_missing_file_or_function_and_a_bad_spec_are_named(tmp_path):
    with pytest.raises(BuilderError, match="nets/none.py: no such file"):
        load_builder("nets/none.py:build", tmp_path)
    (tmp_path / "net.py").write_text("x = 1\n")
    with pytest.raises(BuilderError, match=r"net.py has no function build\(\)"):
        load_builder("net.py:build", tmp_path)
    with pytest.raises(BuilderError, match="must be 'FILE.py:FUNCTION'"):
        split_spec("net.build")


def test_a_layer_the_train_step_cannot_compile_is_refused(tmp_path):
    # Keras' stock random image layers say supports_jit = False: the train step would run uncompiled.
    (tmp_path / "net.py").write_text(
        "import keras\n"
        "def build(input_shape, num_classes):\n    i = keras.Input(input_shape)\n"
        "    x = keras.layers.RandomRotation(0.1, name='rotate')(i)\n"
        "    x = keras.layers.Flatten()(x)\n"
        "    return keras.Model(i, keras.layers.Dense(num_classes, activation='softmax')(x))\n")
    with pytest.raises(BuilderError, match="layer.s. rotate cannot be compiled with XLA"):
        check_builder("mine", "net.py:build", tmp_path)


def test_declared_builders_are_checked_in_a_jax_process_once_per_file_version(tmp_path):
    from digitbench.user_models import check_declared

    stamp = tmp_path / "builders.json"
    (tmp_path / "net.py").write_text((ROOT / "examples/lenet5.py").read_text())
    assert len(check_declared({"net": {"builder": "net.py:build"}}, tmp_path, stamp)) == 1
    assert check_declared({"net": {"builder": "net.py:build"}}, tmp_path, stamp) == []  # unchanged: not again
    (tmp_path / "net.py").write_text("def build(input_shape, num_classes):\n    return None\n")
    with pytest.raises(BuilderError, match="net.py:build .models.net. returned a NoneType, not a keras.Model"):
        check_declared({"net": {"builder": "net.py:build"}}, tmp_path, stamp)


# An installed package that provides architectures through the entry-point group, without installing it:
# importlib.metadata finds a dist-info folder on sys.path as pip would have left it.
NETS = ("import keras\n\nfrom .heads import softmax_head\n\n\n"
        "def build(input_shape=(28, 28, 1), num_classes=10):\n    inputs = keras.Input(input_shape)\n"
        "    return keras.Model(inputs, softmax_head(keras.layers.Flatten()(inputs), num_classes))\n")
HEADS = "import keras\n\n\ndef softmax_head(x, n):\n    return keras.layers.Dense(n, activation='softmax')(x)\n"
NO_SOFTMAX = ("import keras\n\n\ndef build(input_shape, num_classes):\n    inputs = keras.Input(input_shape)\n"
              "    return keras.Model(inputs, keras.layers.Dense(num_classes)(keras.layers.Flatten()(inputs)))\n")


@pytest.fixture
def my_pkg(tmp_path, monkeypatch):
    """``my_pkg`` 0.1 (distribution my-pkg) on sys.path and PYTHONPATH, with the entry points my_net and bad_net."""
    (tmp_path / "my_pkg").mkdir()
    (tmp_path / "my_pkg/__init__.py").write_text("")
    (tmp_path / "my_pkg/nets.py").write_text(NETS)  # its relative import works only if imported as my_pkg.nets
    (tmp_path / "my_pkg/heads.py").write_text(HEADS)
    info = tmp_path / "my_pkg-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-pkg\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[digitbench.architectures]\nmy_net = my_pkg.nets:build\n"
                                           "bad_net = my_pkg.nets:Cls.build\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))  # for the check's own JAX process
    importlib.invalidate_caches()
    yield tmp_path
    for module in [m for m in sys.modules if m == "my_pkg" or m.startswith("my_pkg.")]:
        del sys.modules[module]


def test_an_entry_point_resolves_to_its_module_file_without_running_it(my_pkg):
    from digitbench.user_models import builder_source

    source = builder_source("my_net", {"entry_point": "my_net", "description": "mine"})
    assert source.path == str((my_pkg / "my_pkg/nets.py").resolve()) and source.func == "build"
    assert source.label == "entry point my_net (my_pkg.nets:build, my-pkg 0.1)"
    assert re.fullmatch(r"entry point my_net \(my_pkg.nets:build, my-pkg 0.1\) \(sha256 [0-9a-f]{12}\)",
                        source.origin())
    assert "my_pkg.nets" not in sys.modules  # found, not run: the workflow names it as an input for free
    assert builder_source("lenet5", {"builder": GOOD}).path == "examples/lenet5.py"


def test_a_missing_or_malformed_entry_point_is_named_with_its_fix(my_pkg):
    from digitbench.user_models import builder_source

    with pytest.raises(BuilderError, match=r"models.mine: no entry point 'nope' in group digitbench.architectures "
                                           r"\(installed: .*my_net.*\); pip install the package that provides it, "
                                           r"or fix models.mine.entry_point"):
        builder_source("mine", {"entry_point": "nope"})
    with pytest.raises(BuilderError, match=r"entry point bad_net \(my_pkg.nets:Cls.build, my-pkg 0.1\) "
                                           r"\(models.mine\) must name a module-level function"):
        builder_source("mine", {"entry_point": "bad_net"})
    other = my_pkg / "other-1.0.dist-info"  # a second distribution claims the same name
    other.mkdir()
    (other / "METADATA").write_text("Metadata-Version: 2.1\nName: other\nVersion: 1.0\n")
    (other / "entry_points.txt").write_text("[digitbench.architectures]\nmy_net = my_pkg.nets:build\n")
    with pytest.raises(BuilderError, match="'my_net' in group digitbench.architectures is provided by my-pkg 0.1 "
                                           "and by other 1.0; uninstall all but one"):
        builder_source("mine", {"entry_point": "my_net"})


def test_an_entry_point_builder_is_loaded_by_module_name_and_meets_the_contract(my_pkg, monkeypatch):
    from digitbench.user_models import declared_builder

    description = check_builder("my_net", {"entry_point": "my_net"}, train_step=False)
    assert description.startswith("7,850 parameters")
    monkeypatch.setenv("DIGITBENCH_MODELS", json.dumps({"my_net": {"entry_point": "my_net"}}))  # as a job has it
    assert declared_builder("my_net").__module__ == "my_pkg.nets"
    (my_pkg / "my_pkg/nets.py").write_text("def build(shape):\n    pass\n")
    del sys.modules["my_pkg.nets"]  # a job is a fresh process; this one imported the old file
    with pytest.raises(BuilderError, match=r"my_pkg/nets.py:build\(shape\) cannot be called as build"):
        declared_builder("my_net")


def test_an_entry_point_is_checked_in_a_jax_process_once_per_version_of_its_file(my_pkg):
    from digitbench.user_models import check_declared

    models, stamp = {"my_net": {"entry_point": "my_net"}}, my_pkg / "builders.json"
    assert check_declared(models, ROOT, stamp) == ["models.my_net: 7,850 parameters, 3 layers"]
    assert "entry point my_net (my_pkg.nets:build, my-pkg 0.1)" in stamp.read_text()
    assert check_declared(models, ROOT, stamp) == []  # unchanged file and version: not again
    (my_pkg / "my_pkg/nets.py").write_text(NO_SOFTMAX)
    with pytest.raises(BuilderError, match=r"entry point my_net .* \(models.my_net\) does not end in a softmax"):
        check_declared(models, ROOT, stamp)


@pytest.mark.parametrize("entry, expected", [
    ({"builder": GOOD, "entry_point": "my_net"}, "models.my_net gives both builder and entry_point; keep one"),
    ({"description": "A net."}, "models.my_net gives neither builder nor entry_point; add one"),
])
def test_a_declaration_gives_exactly_one_of_builder_and_entry_point(tmp_path, entry, expected):
    from digitbench.config import ConfigError, load_schema, validate_config

    schema = load_schema(ROOT / "workflow/schemas/config.schema.yaml")
    own = tmp_path / "own.yaml"
    own.write_text(yaml.safe_dump({"models": {"my_net": entry}}))
    with pytest.raises(ConfigError, match=f"{expected}: builder: FILE.py:FUNCTION .*entry_point: NAME .*"
                                          rf"\[{re.escape(str(own))}, line 3\]"):
        validate_config(yaml.safe_load(own.read_text()), schema, files=[own])
    assert validate_config({"models": {"my_net": {"entry_point": "my_net"}}}, schema)["models"]
    with pytest.raises(ConfigError, match="'models.my_net.entry_point': 'my net' does not match"):
        validate_config({"models": {"my_net": {"entry_point": "my net"}}}, schema)
