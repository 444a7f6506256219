"""CNN training: augmentation, learning-rate control, resumable training loop, evaluation (Keras 3 only)."""

import os

# TensorFlow's C++ start-up notices (oneDNN, CPU features) would flood every job's stderr.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

