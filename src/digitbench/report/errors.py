"""Error type shared by the report renderers."""


class ReportError(RuntimeError):
    """A report could not be rendered; the message names the culprit and the fix."""
