"""CNN architectures of the study (Keras 3 only: no backend-specific imports)."""

import os

# TensorFlow's C++ start-up notices (oneDNN, CPU features) would flood every job's stderr.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


from digitbench.models.architectures import ARCHITECTURES, build

__all__ = ["ARCHITECTURES", "build"]
