"""What one meta-step costs (Lesson 6): wall-clock time, and the memory it keeps alive.

Time: `meta_step_cost` runs the compiled step after one call that traces and compiles it.

Memory: `kept_alive_mb` counts, in the traced graph of one meta-step, the largest total size
of the tensors that must exist at the same moment when the step's operations run one after
another in the order they were traced (a tensor lives from the operation that makes it to
the last one that reads it). Where the outer loop differentiates through the inner steps,
the peak comes when the forward pass ends: every tensor the tape saved for the backward pass
is alive then. The count comes from the graph's shapes, not from the process: tracing,
compiling and Python's own memory are not in it, and it is the same on every machine and
every run. (`meta_step_cost` also reports the growth of the process's peak resident size,
which is mostly traced and compiled graph: it grows with the number of operations.)
"""

import collections
import resource
import time

import numpy as np
import psutil
import tensorflow as tf

from . import checks
from .i18n import _
from .learners.base import as_tensors


def meta_step_cost(learner, episodes, iterations=10):
    """Milliseconds per meta-step (mean of `iterations` steps after one that compiles) and
    the growth of the process's peak resident memory in MB (graphs included), cycling
    through `episodes`."""
    checks.integer("iterations", iterations, 1)
    before = psutil.Process().memory_info().rss
    learner.meta_step(episodes[0])  # trace and compile
    start = time.perf_counter()
    for i in range(iterations):
        learner.meta_step(episodes[i % len(episodes)])
    seconds = (time.perf_counter() - start) / iterations
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    return {"ms_per_meta_step": round(1000 * seconds, 2), "memory_mb": round((peak - before) / 2**20, 1)}


def tensor_bytes(tensor):
    """Bytes of a graph tensor from its static shape (0 for handles); ValueError if unknown."""
    if tensor.dtype in (tf.resource, tf.variant, tf.string):
        return 0
    if not tensor.shape.is_fully_defined():
        raise ValueError(_("tensor {name} has no static shape ({shape}): trace the step with fixed-size "
                           "episodes", name=tensor.name, shape=tensor.shape))
    return tensor.shape.num_elements() * tensor.dtype.size


def peak_live_bytes(graph):
    """The most bytes of tensors alive at once when `graph`'s operations run in the order they
    were created: each tensor lives from its operation to the last operation that reads it
    (the graph's outputs, to the end)."""
    operations = graph.get_operations()
    last_read = {}
    for position, operation in enumerate(operations):
        for tensor in operation.inputs:
            last_read[tensor.ref()] = position
    for tensor in graph.outputs:
        last_read[tensor.ref()] = len(operations)
    freed_after = collections.Counter()
    live = peak = 0
    for position, operation in enumerate(operations):
        sizes = [(tensor_bytes(tensor), tensor.ref() in last_read) for tensor in operation.outputs]
        peak = max(peak, live + sum(size for size, _read_later in sizes))  # its inputs and outputs exist now
        for tensor, (size, read_later) in zip(operation.outputs, sizes, strict=True):
            if read_later:  # stays alive until its last reader has run
                live += size
                freed_after[last_read[tensor.ref()]] += size
        live -= freed_after.pop(position, 0)
    return peak


def step_graph(learner, episode):
    """The graph of one of `learner`'s meta-steps (its `outer_step`, vectorised over the
    episode's tasks), traced, never run."""
    function = tf.function(learner.outer_step)
    return function.get_concrete_function(*as_tensors(episode, learner.dtype)).graph


def kept_alive_mb(learner, episode):
    """The memory one meta-step keeps alive at its peak, in MB, counted in its graph
    (see `peak_live_bytes`)."""
    return peak_live_bytes(step_graph(learner, episode)) / 2**20


def growth_exponent(k, cost):
    """p in cost ~ c * k**p: the slope of the least-squares line through (log k, log cost)."""
    k, cost = np.asarray(k, dtype=float), np.asarray(cost, dtype=float)
    if k.shape != cost.shape or k.ndim != 1 or len(k) < 2:
        raise ValueError(_("k and cost must be two 1-D sequences of the same length >= 2, got shapes {k} and "
                           "{cost}", k=k.shape, cost=cost.shape))
    if np.any(k <= 0) or np.any(cost <= 0):
        raise ValueError(_("k and cost must be positive (their logarithms are fitted)"))
    return float(np.polyfit(np.log(k), np.log(cost), 1)[0])
