"""Shared fixtures: tiny synthetic digit data, so unit tests never need MNIST itself, and the smoke run.

The smoke run (the whole DAG on ``.test/config.yaml``) starts in the background before the tests are
collected, and the tests that read it run last: the unit tests use the machine meanwhile. Under
pytest-xdist (``make test``: ``-n 2``) the main process starts it and the workers share it, read-only.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

# A pytest-xdist worker (`make test`) runs beside the other worker and the smoke run, which the tests that
# read it wait for: it keeps every framework to one thread (thread pools on oversubscribed cores spin: the
# smoke run's two-threaded notebook fit took 76-114 CPU-s inside the suite, 28 alone) and gives way to the
# smoke run. Set before numpy, TensorFlow or JAX load. The smoke run's jobs keep to one thread too (two of
# them share the two cores).
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
              "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name, _value in ONE_THREAD.items():
        os.environ.setdefault(_name, _value)
    os.nice(10)

import numpy as np  # noqa: E402 -- after the thread settings above
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def make_tiny_digits() -> dict[str, np.ndarray]:
    """A learnable toy problem: each class lights a different 3x3 block of a 28x28 image."""
    rng = np.random.default_rng(0)

    def make(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = np.tile(np.arange(10, dtype=np.uint8), n // 10)
        x = rng.integers(0, 40, size=(len(y), 28, 28)).astype(np.uint8)
        x[rng.random(x.shape) < 0.7] = 0
        for i, label in enumerate(y):
            r, c = 3 + 2 * (label // 5) * 5, 2 + (label % 5) * 5
            x[i, r:r + 3, c:c + 3] = rng.integers(180, 256, size=(3, 3))
        return x, y

    x_train, y_train = make(300)
    x_test, y_test = make(100)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


@pytest.fixture
def tiny_digits() -> dict[str, np.ndarray]:
    """A fresh copy of :func:`make_tiny_digits` for each test, which may change it."""
    return make_tiny_digits()


_SMOKE = pytest.StashKey[dict]()


# The test modules with tests that read the smoke run (fixtures smoke_run, smoke_data).
SMOKE_MODULES = ("test_workflow.py", "test_faults.py", "test_explore.py", "test_slurm.py")
# Where the process that started the smoke run tells the pytest-xdist workers (`make test`) its folder.
_WORKER_KEY = "digitbench_smoke_work"


def _start_smoke(config: pytest.Config) -> None:
    from tests.smoke import SMOKE, fresh_copy, snakemake_command

    work = fresh_copy(Path(tempfile.mkdtemp(prefix="digitbench-smoke-")) / "digitbench")
    log = open(work / "smoke.log", "w", encoding="utf-8")  # noqa: SIM115 -- closed in smoke_run / sessionfinish
    # Its own process group (stopped as one), in this session: a new session would be a scheduling group of
    # its own on Linux, sharing the CPU with the tests' group instead of going before the niced workers.
    proc = subprocess.Popen(snakemake_command(*SMOKE), cwd=work, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, **ONE_THREAD, "PYTHONUNBUFFERED": "1"}, process_group=0)

    def note_the_end() -> None:  # the workers cannot wait on this process: they wait for this file
        proc.wait()
        try:
            (work / "smoke.rc").write_text(str(proc.returncode))
        except OSError:  # the folder was removed: the session is over
            pass

    noter = threading.Thread(target=note_the_end, daemon=True)
    noter.start()
    config.stash[_SMOKE] = {"work": work, "proc": proc, "log": log, "noter": noter}


def _end_smoke(run: dict) -> None:
    """Kill the smoke run if it still runs, and wait until its end is noted (before its folder is removed)."""
    if run["proc"].poll() is None:
        os.killpg(run["proc"].pid, signal.SIGKILL)
    run["proc"].wait()
    run["noter"].join(timeout=60)
    run["log"].close()


def _stop_smoke(config: pytest.Config) -> None:
    run = config.stash.get(_SMOKE, None)
    if run is not None and run["proc"] is not None:
        _end_smoke(run)
        shutil.rmtree(run["work"].parent, ignore_errors=True)
    if _SMOKE in config.stash:
        del config.stash[_SMOKE]


def pytest_configure(config: pytest.Config) -> None:
    """The smoke run starts before collection (which imports Keras: seconds) when the paths asked for may hold
    tests that read it; collection then keeps it or stops it. A pytest-xdist worker uses the one that the
    main process started."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        if _WORKER_KEY in workerinput:
            config.stash[_SMOKE] = {"work": Path(workerinput[_WORKER_KEY]), "proc": None, "log": None}
        return
    if config.option.collectonly:
        return
    paths = [Path(str(arg).split("::")[0]) for arg in config.args] or [ROOT / "tests"]
    if any(path.is_dir() or path.name in SMOKE_MODULES for path in paths):
        _start_smoke(config)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """pytest-xdist: each worker learns the smoke run's folder."""
    run = node.config.stash.get(_SMOKE, None)
    if run is not None:
        node.workerinput[_WORKER_KEY] = str(run["work"])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids: list[str]) -> None:
    """pytest-xdist: when a worker's selection (after -m/-k) has no test of the modules that read the smoke
    run, there is no smoke run (the main process does not collect)."""
    if not any(nodeid.split("::")[0].rsplit("/", 1)[-1] in SMOKE_MODULES for nodeid in ids):
        _stop_smoke(node.config)


@pytest.hookimpl(trylast=True)  # after -m/-k deselection: `pytest -m "not workflow"` keeps no smoke run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that read the smoke run go last, those that need only its data just before them."""
    users = [item for item in items if "smoke_run" in getattr(item, "fixturenames", ())]
    # Tests that need only the run's verified MNIST copy run between the two: while the run goes on.
    data_users = [item for item in items if "smoke_data" in getattr(item, "fixturenames", ()) and item not in users]
    worker = hasattr(config, "workerinput")  # the main process owns the run (and stops it at the end)
    if not (users or data_users) or config.option.collectonly:
        if not worker:
            _stop_smoke(config)
        return
    items[:] = [item for item in items if item not in users and item not in data_users] + data_users + users
    if _SMOKE not in config.stash and not worker:
        _start_smoke(config)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """An interrupted session stops the smoke run; its folder is removed when every test passed."""
    run = session.config.stash.get(_SMOKE, None)
    if run is None or run["proc"] is None:
        return
    _end_smoke(run)
    if session.testsfailed == 0 and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        shutil.rmtree(run["work"].parent, ignore_errors=True)


def _smoke_work(config: pytest.Config) -> Path:
    if _SMOKE not in config.stash:
        pytest.fail("no smoke run was started for this session (tests/conftest.py)")
    return config.stash[_SMOKE]["work"]


def _smoke_log(work: Path) -> str:
    return (work / "smoke.log").read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="session")
def smoke_run(pytestconfig) -> Path:
    """The whole DAG run once on the smoke config (started at collection), shared by the workflow and fault tests.

    Read-only: a test that changes or reruns something works on a copy (``tests.smoke.copy_run``), as the
    other workers read the run meanwhile."""
    work, deadline = _smoke_work(pytestconfig), time.time() + 1500
    while not (work / "smoke.rc").exists():
        if time.time() > deadline:
            raise AssertionError("the smoke run did not finish in 25 minutes:\n" + _smoke_log(work)[-8000:])
        time.sleep(1)
    code = (work / "smoke.rc").read_text().strip()
    if code != "0":
        raise AssertionError(f"the smoke run failed ({code}):\n" + _smoke_log(work)[-8000:])
    return work


@pytest.fixture(scope="session")
def smoke_data(pytestconfig) -> Path:
    """The smoke run's verified ``mnist.npz``, as soon as its data job has finished (the run goes on)."""
    work, deadline = _smoke_work(pytestconfig), time.time() + 900
    while "(Rule: download_mnist)" not in _smoke_log(work):
        if (work / "smoke.rc").exists() or time.time() > deadline:
            raise AssertionError("the smoke run ended or stalled before its data job finished:\n"
                                 + _smoke_log(work)[-8000:])
        time.sleep(1)
    return work / "resources/mnist/mnist.npz"


def default_config(**sections) -> dict:
    """The validated config with the schema's defaults, overridden by ``sections`` (the schema is their one home)."""
    from digitbench.config import load_schema, validate_config

    return validate_config(dict(sections), load_schema(ROOT / "workflow/schemas/config.schema.yaml"))


def baseline_params(seed: int | None = None, **baselines):
    """``BaselineParams`` from the schema's defaults with some ``baselines`` keys overridden."""
    from digitbench.baselines import BaselineParams

    extra = {} if seed is None else {"seed": seed}
    return BaselineParams.from_config(default_config(baselines=baselines, **extra))


def training_config(**overrides) -> dict:
    """The ``training`` section with the schema's defaults, some keys overridden."""
    return default_config(training=overrides)["training"]


def train_params(architecture: str = "baseline_cnn", seed: int = 1, **training):
    """``TrainParams`` from the schema's defaults with some ``training`` keys overridden."""
    from digitbench.training.trainer import TrainParams

    return TrainParams.from_config(architecture, seed, training_config(**training))


def augment_params(**augmentation):
    """``AugmentParams`` from the schema's defaults with some ``training.augmentation`` keys overridden."""
    from digitbench.training.augment import params_from_config

    return params_from_config(training_config(augmentation=augmentation)["augmentation"])


def schedule_params(**training):
    """``ScheduleParams`` from the schema's defaults with some ``training`` keys overridden."""
    from digitbench.training.schedule import ScheduleParams

    return ScheduleParams.from_config(training_config(**training))
