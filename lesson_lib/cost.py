"""What one meta-step costs: wall-clock time and the memory it takes (Lesson 6).

The memory is the growth of the process's peak resident size from just before the first
meta-step (which traces and compiles it) to the end: run it in a fresh process, as
`python -m lesson_lib.bench costs` does, or earlier work in the process hides it.
"""

import resource
import time

import psutil

from . import checks


def meta_step_cost(learner, episodes, iterations=10):
    """Milliseconds per meta-step (mean of `iterations` steps after one that compiles) and
    the peak memory growth in MB, cycling through `episodes`."""
    checks.integer("iterations", iterations, 1)
    before = psutil.Process().memory_info().rss
    learner.meta_step(episodes[0])  # trace and compile
    start = time.perf_counter()
    for i in range(iterations):
        learner.meta_step(episodes[i % len(episodes)])
    seconds = (time.perf_counter() - start) / iterations
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    return {"ms_per_meta_step": round(1000 * seconds, 2), "memory_mb": round((peak - before) / 2**20, 1)}
