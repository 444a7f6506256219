"""The report: its numbers (``numbers``, one module per section) and its rendering (``rendering``).

``escape`` (config text as literal Markdown) and ``errors`` are shared by both.
"""
