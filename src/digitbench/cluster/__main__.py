"""``python -m digitbench.cluster``: size a cluster profile's jobs from a finished run's benchmarks
(``resources``), or check that a profile's plugins are installed (``plugins``)."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from digitbench.cluster.resources import benchmark_patterns, job_sizes, measure, splice_profile


# Profile (also the name of this project's install extra for it) -> the Snakemake plugins it needs, as modules.
PLUGINS = {
    "slurm": ["snakemake_executor_plugin_slurm"],
    "kubernetes": ["snakemake_executor_plugin_kubernetes", "snakemake_storage_plugin_fs"],
}


def missing_plugins(profile: str) -> list[str]:
    """The plugin packages a profile needs that this Python cannot import (names as pip knows them).

    Raises:
        ValueError: ``profile`` is not one of this project's cluster profiles.
    """
    if profile not in PLUGINS:
        raise ValueError(f"No cluster profile {profile!r}: choose one of {', '.join(PLUGINS)}. Received: {profile}")
    return [m.replace("_", "-") for m in PLUGINS[profile] if importlib.util.find_spec(m) is None]


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m digitbench.cluster")
    sub = parser.add_subparsers(dest="command", required=True)
    plug = sub.add_parser("plugins", help="check that a cluster profile's Snakemake plugins are installed")
    plug.add_argument("profile", choices=sorted(PLUGINS))
    res = sub.add_parser("resources", help="mem_mb and runtime per rule from results/benchmarks")
    res.add_argument("--run", default=".", help="the finished run's folder (holding results/); default: here")
    res.add_argument("--profile", default="workflow/profiles/slurm/config.yaml", help="profile file to update")
    res.add_argument("--headroom", type=float, default=2.0, help="factor on measured memory and time (default 2)")
    res.add_argument("--source", default="", help="what the run was (profile, machine), kept as a comment")
    args = parser.parse_args(argv)
    if args.command == "plugins":
        if missing := missing_plugins(args.profile):
            print(f"workflow/profiles/{args.profile} needs {', '.join(missing)}, not installed for {sys.executable} "
                  f"(Snakemake would answer \"invalid choice\" or \"unrecognized arguments\"). Install it with: "
                  f"pip install -e \".[{args.profile}]\"", file=sys.stderr)
            return 2
        print(f"workflow/profiles/{args.profile}: plugins installed")
        return 0

    run, profile = Path(args.run), Path(args.profile)
    measured = measure(run, benchmark_patterns(Path(__file__).parents[3] / "workflow/rules"))
    if not measured:
        print(f"No benchmark files under {run / 'results/benchmarks'}: run the workflow once, then size the jobs "
              f"from what it measured.", file=sys.stderr)
        return 2
    sizes = job_sizes(measured, headroom=args.headroom)
    source = "\n".join(filter(None, [
        f"Measured: {args.source}" if args.source else "",
        f"{len(measured)} rules, {sum(m.files for m in measured)} benchmark files; x{args.headroom:g} headroom, "
        "at least 1000 MB and 10 min.",
    ]))
    profile.write_text(splice_profile(profile.read_text(encoding="utf-8"), sizes, source), encoding="utf-8")
    for m in measured:
        print(f"{m.rule}: {m.files} file(s), up to {m.seconds:.0f} s and {m.max_rss_mb:.0f} MB -> {sizes[m.rule]}")
    print(f"Updated {profile}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
