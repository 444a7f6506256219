"""Architectures declared in config: the builder's contract, checked with a message naming file and function."""

from __future__ import annotations

import pytest

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
