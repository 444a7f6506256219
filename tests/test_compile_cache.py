"""JAX's persistent compilation cache: set before the backend starts, and what the training log says about it."""

from __future__ import annotations

from digitbench import compile_cache as C


def test_configure_sets_the_folder_and_an_environment_setting_wins(tmp_path):
    env: dict[str, str] = {}
    assert C.configure(str(tmp_path / "cache"), env) == f"JAX compilation cache {tmp_path / 'cache'}"
    assert env[C.CACHE_VAR] == str(tmp_path / "cache") and (tmp_path / "cache").is_dir()
    assert C.folder(env) == str(tmp_path / "cache")
    mine = {C.CACHE_VAR: "/elsewhere"}
    assert "from JAX_COMPILATION_CACHE_DIR in the environment" in C.configure(str(tmp_path / "x"), mine)
    assert mine[C.CACHE_VAR] == "/elsewhere" and not (tmp_path / "x").exists()
    off: dict[str, str] = {}
    assert "off" in C.configure("", off) and C.folder(off) is None


def test_the_log_says_whether_the_programs_came_from_the_cache(tmp_path):
    assert C.entries(tmp_path / "missing") == 0 and C.entries(None) == 0
    (tmp_path / "jit_train_step-abc").write_bytes(b"x")
    assert C.entries(tmp_path) == 1
    assert C.describe(0, 3, "jax", str(tmp_path)).startswith("compiled 3 program(s) and stored them")
    assert C.describe(3, 3, "jax", str(tmp_path)) == "every compiled program came from the cache (3 entries, none added)"
    assert C.describe(0, 0, "tensorflow", str(tmp_path)) == "no JAX compilation cache on the tensorflow backend"
    assert "off" in C.describe(0, 0, "jax", None)
