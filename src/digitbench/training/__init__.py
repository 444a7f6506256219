"""CNN training: augmentation, learning-rate control, resumable training loop, evaluation (Keras 3 only)."""
