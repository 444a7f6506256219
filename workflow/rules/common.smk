# Config validation and the few helpers every stage shares. Stage logic lives in src/digitbench.
import functools
import os
import re
from pathlib import Path

from snakemake.exceptions import WorkflowError

try:
    from digitbench.config import (
        ConfigError,
        check_config_files,
        check_consistency,
        load_schema,
        tuning_candidates,
        validate_config,
    )
except ImportError as err:
    raise WorkflowError(
        f"the digitbench package is not importable ({err}). Run `make setup` (or "
        "`pip install -e .` inside the conda environment of environment.yml) and retry."
    )


def configfiles():
    """This run's --configfile files, relative to the working directory."""
    files = [os.path.abspath(f) for f in getattr(workflow, "overwrite_configfiles", None) or []]
    return [f if os.path.relpath(f).startswith("..") else os.path.relpath(f) for f in files]


def _config_sources():
    return ", ".join(["config/config.yaml", *configfiles()]) + " (plus any --config overrides)"


SCHEMA = load_schema(Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml")
try:
    _files = [os.path.relpath(Path(workflow.basedir) / "config" / "config.yaml"), *configfiles()]
    check_config_files(_files)
    validate_config(config, SCHEMA, source=_config_sources(), files=_files)
    check_consistency(config, source=_config_sources(), schema=SCHEMA, files=_files)
except ConfigError as err:
    raise WorkflowError(str(err))


def command_line():
    """This run's Snakemake arguments (targets, --forcerun, ...), parsed as Snakemake's CLI parses them.

    The workflow object only receives them after the Snakefile is read, and the checks below must
    run before the DAG is built. None when Snakemake was not started from its command line.
    """
    import sys

    from snakemake.cli import get_argument_parser

    if Path(sys.argv[0]).name not in ("snakemake", "__main__.py"):
        return None
    try:
        return get_argument_parser().parse_known_args(sys.argv[1:])[0]
    except (Exception, SystemExit):
        return None


def check_workdir():
    """Before the DAG: results/ must belong to this run's profile, and no recorded result may have
    been edited, truncated or removed (digitbench.ledger) unless this run regenerates it."""
    from digitbench.ledger import audit, describe
    from snakemake.logging import logger

    from digitbench.workdir import WorkdirError, check_profile, restore_published, snakemake_command

    args = command_line()
    # Job subprocesses re-read the Snakefile; --unlock and --cleanup-metadata repair a folder, --lint reads code.
    if not workflow.is_main_process or (args is not None and (args.unlock or args.cleanup_metadata or args.lint)):
        return
    targets = sorted(map(str, args.targets or [])) if args else []
    forced = {str(f) for f in (args.forcerun or [])} if args else set()
    try:
        check_profile(config["profile"], configfiles(), targets)
    except WorkdirError as err:
        raise WorkflowError(str(err))
    # A refused or killed render leaves the last good report: its record comes back with it.
    if restore_published("results/report/digitbench.json"):
        logger.info("results/report/digitbench.json restored: it describes the report still published")
    problems = [] if args and args.forceall else audit(".", exempt={*targets, *forced}, exempt_rules=forced)
    if problems:
        raise WorkflowError(describe(problems, command=snakemake_command(configfiles())))


check_workdir()


def training_from_cache():
    """Whether this run shares trained runs through Snakemake's between-workflow cache (README "Sharing
    trained runs"): --cache, with the cache folder in SNAKEMAKE_OUTPUT_CACHE (refused without it)."""
    if workflow.workflow_settings is None or workflow.workflow_settings.cache is None:
        return False
    if not os.environ.get("SNAKEMAKE_OUTPUT_CACHE"):
        raise WorkflowError(
            "--cache is given but SNAKEMAKE_OUTPUT_CACHE is not set, so there is no cache to share trained runs "
            "through. Set it to a folder every clone can reach, e.g. `export SNAKEMAKE_OUTPUT_CACHE=$HOME/"
            "digitbench-cache`, or drop --cache."
        )
    return True


# A run fetched from the cache has no benchmark file (its job did not run here): the report's table of
# job times then leaves training out rather than waiting for files no job writes.
TRAINING_FROM_CACHE = training_from_cache()


def check_engine():
    """Before the first submission to a cluster, what the cluster lacks, named once (digitbench.cluster)."""
    engine = workflow.executor_plugin.name if workflow.executor_plugin is not None else "local"
    if engine == "slurm":
        from digitbench.cluster.slurm import SlurmError, check

        try:
            check((job.rule.name, job.resources) for job in workflow.dag.needrun_jobs())
        except SlurmError as err:
            raise WorkflowError(str(err))
    elif engine == "kubernetes":
        from snakemake.common import get_container_image

        from digitbench.cluster.kubernetes import problems

        settings = workflow.storage_settings
        found = problems(os.getcwd(), settings.default_storage_provider, settings.default_storage_prefix,
                         workflow.remote_execution_settings.container_image, get_container_image())
        if found:
            raise WorkflowError("This Kubernetes run cannot work as set up:\n" + "\n".join(f"  - {p}" for p in found))


onstart:
    # Only a run that executes jobs gets here (not a dry run): take the folder, then stamp it.
    from digitbench.workdir import WorkdirError, lock_run, write_stamp

    check_engine()

    try:
        lock_run()
    except WorkdirError as err:
        raise WorkflowError(str(err))
    write_stamp(config["profile"], configfiles())
    # Training on a CPU at the paper's size takes days: say so, from a measured step, before it starts.
    # (Imported only then: digitbench.throughput imports Keras, seconds that redrawing a figure must not pay.)
    pending_training = [job.wildcards.arch for job in pending_jobs("train_cnn")]
    if pending_training and config["profile"] == "paper":
        from digitbench.throughput import warn_if_training_on_cpu

        warn_if_training_on_cpu(config, pending_training)


def declared(path):
    """The pattern a rule declared for one of its files (``rules.x.output.y``, ``rules.x.benchmark``),
    as a plain string for expand() and for inputs.

    Under a default storage provider (workflow/profiles/kubernetes) Snakemake replaces each declared
    file by its local copy's path (``.snakemake/storage/<provider>/<prefix>/<pattern>``), which
    expand() refuses or which would be mapped to storage a second time; the plain pattern is mapped
    once, where a rule uses it."""
    settings = workflow.storage_settings
    if settings.default_storage_provider is None:
        return str(path)
    prefix = re.sub(r"^\w+://", "", settings.default_storage_prefix).strip("/")
    local_copies = Path(settings.local_storage_prefix) / settings.default_storage_provider / prefix
    return str(path).removeprefix(f"{local_copies}/")


def shipped_input(path):
    """A result file shipped with the project (digitbench.shipped), as an input only while it exists: a missing
    one reaches its rule's script, which names the file, its config key and the command that regenerates it.
    Its recorded digest is a param of the rule, so a new digest reruns the check."""
    return [local(path)] if path and os.path.isfile(path) else []


def figure(name):
    """Both files of one figure: PDF for print, PNG for the HTML report."""
    return multiext(f"results/figures/{name}", ".pdf", ".png")


def rule_outputs(refs):
    """Named files from ``rule.output`` references, as the figure and section tables name compute outputs."""
    return {key: getattr(getattr(rules, ref.partition(".")[0]).output, ref.partition(".")[2])
            for key, ref in refs.items()}


def figure_inputs(spec, field="inputs"):
    """The named compute outputs one figure is drawn from."""
    return rule_outputs(getattr(spec, field))


BASELINES = config["baselines"]["models"]


def baseline_config():
    """The config a baseline's data and model depend on (one builder for every rule that fits baselines)."""
    per_study = {"models", "threads"}  # which baselines run, and on how many threads, change no result
    return {
        "seed": config["seed"],
        "preprocessing": config["preprocessing"],
        "baselines": {k: v for k, v in config["baselines"].items() if k not in per_study},
    }


def git_commit(path):
    """Commit of the workflow checkout; a param, so a new commit re-renders the report only."""
    from digitbench.report.numbers.provenance import git_commit as _git_commit

    return _git_commit(path)


def glob_report_sources():
    """The hand-written report sources (.qmd) that the render depends on."""
    root = Path(workflow.basedir) / "report"
    return sorted(
        local(str(p.relative_to(workflow.basedir)))
        for p in root.rglob("*.qmd")
        if "_generated" not in p.parts and "_output" not in p.parts
    )


@functools.cache
def script_code(script):
    """The package files a workflow script imports (transitively): editing one reruns exactly its jobs.

    Like every repository file that rules read, they are local(), so that under a default storage
    provider they travel with the workflow's sources (git-tracked files), not through storage."""
    from digitbench.codedeps import code_inputs

    base = Path(workflow.basedir)
    return [local(path) for path in code_inputs(base / "workflow" / "scripts" / script, base / "src")]


def section_code():
    """The modules of every section's numbers and what they import: the assembler loads them by name, so
    the import scan of its script (script_code) cannot see them, and editing one must rerun it."""
    from digitbench.codedeps import code_inputs
    from digitbench.section_table import SECTIONS

    base = Path(workflow.basedir)
    files = set()
    for spec in SECTIONS.values():
        source = spec.build.rsplit(".", 1)[0] + ".py"
        files.add(f"src/digitbench/report/numbers/{source}")
        files.update(code_inputs(base / "src" / "digitbench" / "report" / "numbers" / source, base / "src"))
    return [local(f) for f in sorted(files)]


# The five, then the architectures declared under models: (digitbench.user_models).
ARCHITECTURE_CHOICES = [*SCHEMA["$defs"]["architecture"]["enum"], *config["models"]]


def check_builders():
    """Before any job: every declared builder meets its contract, checked in a JAX process."""
    args = command_line()
    if not config["models"] or not workflow.is_main_process or (args is not None and args.lint):
        return
    # Imported only now: digitbench.models imports Keras, seconds a workflow without models must not pay.
    from digitbench.user_models import BuilderError, check_declared
    from snakemake.logging import logger
    try:
        for line in check_declared(config["models"], workflow.basedir):
            logger.info(line)
    except BuilderError as err:
        raise WorkflowError(f"A builder under models in {_config_sources()} cannot be used, so no job has run:\n"
                            f"{err}")


check_builders()


def builder_file(wildcards):
    """The module file of a declared architecture's builder (a file of the project, or an installed package's
    for an entry point): an input of its jobs, so editing it reruns them only."""
    from digitbench.user_models import builder_source

    entry = config["models"].get(wildcards.arch)
    return [local(builder_source(wildcards.arch, entry).path)] if entry else []


def builder_files():
    """Every declared builder's module file (rules that describe or measure all architectures)."""
    from digitbench.user_models import builder_source

    return [local(builder_source(name, entry).path) for name, entry in config["models"].items()]


def declared_models():
    """config["models"], each entry point with the distribution and version it resolves to: a param of the
    rule that describes the architectures, so that installing another version of the package updates the
    paper (its module file may be unchanged). Declarations by file are passed as they are."""
    from digitbench.user_models import builder_source

    return {name: {**entry, "resolved": builder_source(name, entry).label} if "entry_point" in entry else entry
            for name, entry in config["models"].items()}


def robustness_images():
    """The robustness config that decides which images the runs are evaluated on (subset, seed, strengths);
    collapse_share only reads the results and batch_size only paces inference, so changing them reruns none."""
    return {k: v for k, v in config["robustness"].items() if k not in ("collapse_share", "batch_size")}


def test_set_params():
    """Keyword arguments of digitbench.preprocess.subsample_test_set: without a subset the seed is left out,
    so that changing the study seed reruns nothing that reads the whole test set."""
    size = config["data"]["test_size"]
    return {"size": size, "seed": config["seed"] if size else None}


def job_training_params():
    """The training settings one job depends on: adding a seed or an architecture reruns no finished job."""
    per_study = {"architectures", "seeds", "threads", "jobs_per_gpu", "compilation_cache"}
    return {k: v for k, v in config["training"].items() if k not in per_study}


def study_predictions(wildcards):
    """Test-set predictions of every baseline and every CNN run, in config order (input function of the stats rules)."""
    return {
        "baselines": expand(declared(rules.fit_baseline.output.predictions), model=BASELINES),
        "runs": expand(declared(rules.train_cnn.output.predictions), arch=ARCHITECTURES, seed=SEEDS),
    }


def pending_jobs(rule_name):
    """Jobs of one rule that this run will execute (for start-up messages; the DAG exists by then)."""
    return [job for job in workflow.dag.needrun_jobs() if job.rule.name == rule_name]
