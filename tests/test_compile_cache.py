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


def test_the_benchmark_runs_without_then_with_an_empty_then_a_filled_cache(tmp_path, monkeypatch):
    import json
    import subprocess
    from types import SimpleNamespace

    from digitbench.training import cache_benchmark as B

    seen = []

    def fake_run(cmd, env, **kwargs):
        seen.append(env.get(C.CACHE_VAR))
        assert env["KERAS_BACKEND"] == "jax" and cmd[:3] == [cmd[0], "-m", "digitbench.training.cache_benchmark"]
        return SimpleNamespace(stdout=json.dumps({"first_epoch_seconds": 1.0}) + "\n")

    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setenv(C.CACHE_VAR, "/mine")  # a user's own cache must not leak into the measurement
    B.main(["--out", str(tmp_path / "c.json")])
    assert seen[0] is None and seen[1] == seen[2] and seen[1] not in (None, "/mine")
    assert [r["run"] for r in json.loads((tmp_path / "c.json").read_text())] == list(B.RUNS)
