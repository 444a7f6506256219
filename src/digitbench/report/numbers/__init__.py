"""The report's numbers: one module per report section, assembled into variables, tables and sentences.

``profile`` (the protocol statement), ``data`` (Data), ``baselines`` and ``cnn`` (Methods and
Results), ``stats`` (statistical results and their generated sentences), ``throughput`` (training
throughput), ``original`` and ``literature`` (Discussion), ``appendix`` (title block and appendix,
with ``provenance``); ``format`` prints numbers and tables the same way for all of them, and
``assemble`` writes what they return. Nothing here renders.
"""
