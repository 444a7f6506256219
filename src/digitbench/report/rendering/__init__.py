"""Rendering the report: Quarto or the embedded pandoc + Typst fallback, then checks, then publishing.

``render`` drives a render and publishes it atomically; ``sources`` and ``crossref`` expand the
Quarto subset the fallback supports, ``fallback`` runs pandoc and Typst, ``metadata`` writes the
title block and stages figures, ``checks`` and ``validate`` hold the rendered files to their sources.
Nothing here computes a number: they come from ``_variables.yml`` (see ``digitbench.report.numbers``).
"""
