"""Check a Kubernetes run's setup before anything is submitted (workflow/profiles/kubernetes).

Pods share no working directory: every input and result goes through the default storage provider.
The render step is the exception: it reads the report sources, the generated variables and the
figures by their paths, so it runs where Snakemake runs, and that must be the shared volume itself
(the working directory equal to the storage prefix), where the pods' results land.
"""

from __future__ import annotations

import os
from pathlib import Path

PROFILE = "workflow/profiles/kubernetes/config.yaml"


def problems(workdir: str | os.PathLike[str], provider: str | None, prefix: str | None, image: str,
             default_image: str) -> list[str]:
    """What keeps this run from working on Kubernetes.

    Args:
        workdir: Where Snakemake runs.
        provider, prefix: ``--default-storage-provider`` and ``--default-storage-prefix``.
        image: ``--container-image``.
        default_image: Snakemake's own image, the value when none was given.

    Returns:
        One sentence per problem, naming the setting and what to set; empty if none.
    """
    found = []
    if image == default_image:
        found.append(f"--container-image is Snakemake's own image ({image}), which lacks this study's code: build "
                     "an image with this repository's environment (pip install -e \".[kubernetes]\", and quarto for "
                     "the report) and pass it as --container-image.")
    if provider != "fs":
        found.append(f"--default-storage-provider is {provider or 'unset'}: this workflow's render step reads the "
                     f"results by path, so use the fs provider on a shared volume, as {PROFILE} does.")
    elif not prefix or Path(prefix).resolve() != Path(workdir).resolve():
        found.append(f"Snakemake runs in {Path(workdir).resolve()}, not in the shared volume "
                     f"--default-storage-prefix={prefix}: clone the repository onto the volume and run Snakemake "
                     "there, so that the render step, which runs here, reads the results the pods wrote.")
    return found
