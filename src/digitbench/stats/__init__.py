"""Statistical evaluation of saved test-set predictions: bootstrap intervals, paired tests,
ensembles, calibration and the claims file the paper's comparative sentences come from.

Nothing here trains or imports a deep-learning framework: every function reads predictions
that the baseline and training rules wrote.
"""
