"""digitbench: a reproducible handwritten-digit recognition study, from raw MNIST to a cited report."""

__version__ = "0.1.0"
