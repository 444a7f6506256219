# What a rerun of this profile changes, measured once by comparing two runs (python -m digitbench.reruns) and
# shipped with the project (config report.rerun_check) because a rerun takes as long as the run: verified
# against its recorded digest, then read by the report (Limitations). An input only while the file exists: a
# missing one reaches the script, which names the file, the key and how to make it.
rule adopt_rerun_check:
    input:
        code=script_code("adopt_rerun_check.py"),
        shipped=shipped_input(config["report"]["rerun_check"]),
    output:
        table="results/reruns/adopted.csv",
    params:
        # A mapping, not a path param: the script reads it whether or not the file exists.
        shipped={"path": config["report"]["rerun_check"], "sha256": config["report"]["rerun_check_sha256"]},
    log:
        "results/logs/reruns/adopt_rerun_check.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/adopt_rerun_check.py"
