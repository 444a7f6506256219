"""The report's numbers: one module per report section, assembled into variables, tables and sentences.

``profile`` (title block and protocol statement), ``data`` (Data), ``baselines`` and ``cnn``
(Methods and Results), ``stats`` (statistical results and their generated sentences),
``throughput`` (training throughput), ``original`` and ``literature`` (Discussion), ``robustness``
and ``appendix`` (with ``provenance``). ``digitbench.section_table`` lists them with their files;
they share ``format`` (numbers, names, tables) and ``claims`` (sentences), never each other, and
``assemble`` writes what they return. Nothing here renders.
"""
