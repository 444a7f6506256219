# One figure, one rule, one file: the rules are generated from the table of figures
# (src/digitbench/figure_table.py). Each reads compute outputs only, so redrawing never recomputes.
from digitbench.figure_table import FIGURES as FIGURE_TABLE, figure_stem, interactive_figures

for figure_name, figure_spec in FIGURE_TABLE.items():

    rule:
        name:
            f"plot_{figure_name}"
        input:
            code=script_code("plot_figure.py"),
            **figure_inputs(figure_spec),
        output:
            figure(figure_stem(figure_name)),
        params:
            figure=figure_name,
        log:
            f"results/logs/figures/{figure_stem(figure_name)}.log",
        conda:
            "../../environment.yml"
        script:
            "../scripts/plot_figure.py"

# The HTML report's interactive versions (plotly), one rule each, from the static twin's inputs; the
# PDF shows the static figure. An HTML fragment without plotly.js, which the render embeds once.
for figure_name in interactive_figures():
    figure_spec = FIGURE_TABLE[figure_name]

    rule:
        name:
            f"plot_{figure_name}_interactive"
        input:
            code=script_code("plot_interactive.py"),
            **figure_inputs(figure_spec),
            **figure_inputs(figure_spec, "interactive_inputs"),
        output:
            html=f"results/figures/interactive/{figure_stem(figure_name)}.html",
        params:
            figure=figure_name,
            # The element id in the page: one per file (baseline_confusion_logreg, ..._random_forest).
            stem=lambda wildcards, output: Path(output.html).stem,
        log:
            f"results/logs/figures/{figure_stem(figure_name)}_interactive.log",
        conda:
            "../../environment.yml"
        script:
            "../scripts/plot_interactive.py"


rule plot_architecture_diagram:
    input:
        code=script_code("plot_architecture_diagram.py"),
        builder=builder_file,
    output:
        "results/figures/architecture_{arch}.png",
    wildcard_constraints:
        arch="|".join(ARCHITECTURE_CHOICES),
    log:
        "results/logs/figures/architecture_{arch}.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_architecture_diagram.py"
