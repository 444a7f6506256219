"""CNN architectures of the study (Keras 3 only: no backend-specific imports)."""

from digitbench.models.architectures import ARCHITECTURES, build

__all__ = ["ARCHITECTURES", "build"]
