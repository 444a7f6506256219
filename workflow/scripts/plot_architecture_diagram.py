"""Rule plot_architecture_diagram: keras.utils.plot_model of one architecture (needs pydot and graphviz)."""

from digitbench.ledger import start_job
from digitbench.models.describe import plot_diagram

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)

if not plot_diagram(snakemake.wildcards.arch, str(snakemake.output[0])):
    raise RuntimeError("architecture diagrams need pydot and graphviz: `pip install pydot` and install graphviz "
                       "(`conda install -c conda-forge graphviz` or `apt-get install graphviz`), then rerun")
log.info("diagram of %s written to %s", snakemake.wildcards.arch, snakemake.output[0])
