"""placeholder"""

TRAINING_CALLS = {}
