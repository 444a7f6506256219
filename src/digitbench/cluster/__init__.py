"""Running the workflow on a cluster: job sizes from the workflow's own benchmark files, and checks of a
SLURM cluster before anything is submitted."""
