"""lesson_lib: the helper package behind the meta-learning lessons.

Data flows one way: task family -> episodes -> learner (inner loop adapts, outer loop
meta-updates) -> evaluation -> plots/widgets -> notebook.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

__version__ = "0.1.0"


def _import_tensorflow_quietly():
    """TensorFlow's C++ start-up lines ("oneDNN custom operations are on ...") are written
    straight to file descriptor 2, past TF_CPP_MIN_LOG_LEVEL, and would stand in red in every
    lesson. Import TensorFlow once with that descriptor pointed at /dev/null; errors still
    raise as usual. TensorFlow's Python-side warnings (e.g. about retracing, which the
    playgrounds do on purpose when K changes) are turned down to errors too. Set
    LESSON_LIB_TF_LOGS=1 to see all of it."""
    if os.environ.get("LESSON_LIB_TF_LOGS") or os.environ.get("LESSON_LIB_NO_TENSORFLOW"):
        return  # LESSON_LIB_NO_TENSORFLOW: a helper process that must not load it (envs/arm_frames.py)
    if "tensorflow" in sys.modules:  # imported before us: too late for the C++ lines
        sys.modules["tensorflow"].get_logger().setLevel("ERROR")
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            import tensorflow
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    tensorflow.get_logger().setLevel("ERROR")


_import_tensorflow_quietly()
