# Two entry points: `make report` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CORES  ?= all
# No GPU in the quick CPU profile: two single-threaded training jobs share the two cores, which
# was measured 1.26x faster in total than one job on both (see training.threads in quick.yaml).
TRAIN_SLOTS ?= 2
# The throughput benchmark at a CPU-sized scale on TensorFlow and JAX, as an overlay of the quick
# profile (a results folder holds one profile: see results/.profile.json); on a GPU machine run
# `KERAS_BACKEND=jax make benchmark BENCHMARK_CONFIG=` for the full size of config/config.yaml.
BENCHMARK_CONFIG ?= --configfile config/quick.yaml config/benchmark_cpu.yaml

.PHONY: setup lock report test test-slurm slurm benchmark lint clean-results rehearsal paper

setup: $(STAMP)

# uv installs exactly uv.lock (--locked: refused if pyproject.toml asks for something else; every file is
# checked against the lock's hash) into .venv, with the project editable. uv itself comes from PyPI at a
# pinned version into .cache/uv (nothing global).
UV_VERSION := 0.13.9
UV := .cache/uv/bin/uv
SETUP_EXTRAS := --extra slurm --extra kubernetes

$(UV):
	$(PYTHON) -m venv .cache/uv
	.cache/uv/bin/python -m pip install --quiet uv==$(UV_VERSION) "packaging>=23.2"

$(STAMP): pyproject.toml uv.lock | $(UV)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked $(SETUP_EXTRAS) --python $(PYTHON) --no-python-downloads --quiet
	touch $@

# Refresh the lock on purpose (after editing pyproject.toml's dependencies), and environment.yml's pins with it.
lock: $(UV)
	$(UV) lock
	$(UV) export --frozen --no-hashes $(SETUP_EXTRAS) --no-emit-project --quiet \
	  | PYTHONPATH=src .cache/uv/bin/python -m digitbench.envlock environment.yml

report: setup
	$(BIN)/snakemake --cores $(CORES) --resources gpu=$(TRAIN_SLOTS) --configfile config/quick.yaml
	@echo "Report: results/report/digitbench.html and results/report/digitbench.pdf"

# The paper profile's downstream at full size, training cut to one short epoch (config/rehearsal.yaml):
# checks on a CPU that the paper DAG runs end to end. A results folder holds one profile: move another
# profile's results aside first (the workflow says so and names the command).
rehearsal: setup
	$(BIN)/snakemake --cores $(CORES) --resources gpu=$(TRAIN_SLOTS) --configfile config/rehearsal.yaml
	@echo "Rehearsal report: results/report/digitbench.html and results/report/digitbench.pdf"

# The paper profile, as the README tells a GPU user to run it (KERAS_BACKEND=jax, one GPU).
paper: setup
	KERAS_BACKEND=jax $(BIN)/snakemake --cores $(CORES) --resources gpu=1
	@echo "Report: results/report/digitbench.html and results/report/digitbench.pdf"

benchmark: setup
	$(BIN)/snakemake results/benchmarks/throughput.csv results/figures/benchmark_throughput.pdf \
		--cores $(CORES) --resources gpu=1 $(BENCHMARK_CONFIG)
	@echo "Benchmark: results/benchmarks/throughput.csv and results/figures/benchmark_throughput.pdf"

# Everything but the real-SLURM tests (marker slurm: `make test-slurm`), to stay under 10 minutes: two
# pytest-xdist workers beside the smoke run that the main process starts (tests/conftest.py), which
# kept both cores busy where one pytest process left one idle for minutes.
TEST_WORKERS ?= 2
test: setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not slurm"

# The SLURM profile on a real single-node SLURM that the tests start (root; Debian's slurm-wlm, munge),
# including the whole smoke workflow through it; `make test` leaves them out (11 minutes on their own).
test-slurm: setup
	DIGITBENCH_SLURM_WORKFLOW=1 $(BIN)/python -m pytest -m slurm

# Every job as a SLURM job, from the cluster's login node (README: Running on a cluster).
SLURM_CONFIG ?= config/quick.yaml
slurm: setup
	$(BIN)/python -m digitbench.cluster plugins slurm
	$(BIN)/snakemake --profile workflow/profiles/slurm --configfile $(SLURM_CONFIG)

lint: setup
	$(BIN)/snakemake --lint

clean-results:
	rm -rf results report/_variables.yml report/_generated
