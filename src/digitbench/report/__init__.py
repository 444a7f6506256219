"""The report: variables, tables, provenance and rendering (Quarto or the embedded fallback)."""
