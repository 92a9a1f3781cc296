"""lesson_lib: the helper package behind the meta-learning lessons.

Data flows one way: task family -> episodes -> learner (inner loop adapts, outer loop
meta-updates) -> evaluation -> plots/widgets -> notebook.
"""

import os

# Quiet TensorFlow's C++ start-up banner before anything imports it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

__version__ = "0.1.0"
