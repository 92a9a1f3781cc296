"""Where a meta-step's time goes: TensorFlow's profiler traces `iterations` calls of a step, and
the time of every operation run on the runtime's worker threads is added up by kind (XLA's
fusions and thunks on the "xla" path, TensorFlow's kernels on the "vectorized" one).

`cores_busy` is the workers' time over the wall time: how many cores the step kept busy on
average. On conv4 MAML (2 cores, one batched computation) it was about 1.1: the cores were idle
half the time, which is what `Learner.task_groups` removes.
"""

import collections
import re
import tempfile
import time
from pathlib import Path

MATMUL = re.compile(r"^(MatMul|BatchMatMul|Einsum|einsum|dot|Conv)", re.IGNORECASE)
NOT_WORK = ("ThunkExecutor", "SlinkyThreadPool")  # a thread's own bookkeeping, not an operation


def kind(event_name):
    """The kind of an operation from its name in the trace: "MatMul.50" and "BatchMatMulV2" are
    matrix products, "copy_reduce_fusion.15" is a copy_reduce_fusion."""
    name = event_name.rsplit(":", 1)[-1].strip()  # TensorFlow kernels: "scope/op:OpType"
    name = re.sub(r"([._]\d+)+$", "", name)
    return "matrix products" if MATMUL.match(name) else name


def xspace(logdir):
    """The profiler's trace (an XSpace protocol buffer) written under `logdir`."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    files = sorted(Path(logdir).rglob("*.xplane.pb"))
    if not files:
        raise FileNotFoundError(f"no *.xplane.pb under {logdir}: the profiler wrote no trace")
    space = xplane_pb2.XSpace()
    space.ParseFromString(files[-1].read_bytes())
    return space


def end(event):
    return event.offset_ps + event.duration_ps


def self_times(events):
    """[(event, its self time in ps)] of one thread's events: its duration less the time of the
    events directly inside it (TensorFlow's executor runs kernels inside spans, XLA's thunks
    contain the library calls they make), so that nothing is counted twice; never below 0 (an
    event that only partly overlaps the next, as TensorFlow's asynchronous kernels can)."""
    ordered = sorted(events, key=lambda e: (e.offset_ps, -e.duration_ps))
    own = [e.duration_ps for e in ordered]
    open_spans = []
    for i, event in enumerate(ordered):
        while open_spans and end(ordered[open_spans[-1]]) <= event.offset_ps:
            open_spans.pop()
        if open_spans:
            own[open_spans[-1]] -= event.duration_ps
        open_spans.append(i)
    return [(event, max(ps, 0)) for event, ps in zip(ordered, own, strict=True)]  # partial overlaps: 0


def worker_time(space):
    """{kind: milliseconds} of the operations' self time on the host's worker threads (not
    Python's)."""
    times = collections.Counter()
    for plane in space.planes:
        names = {key: meta.name for key, meta in plane.event_metadata.items()}
        for line in plane.lines:
            if line.name == "python":
                continue
            for event, ps in self_times(line.events):
                name = names.get(event.metadata_id) or ""
                if not name.startswith(NOT_WORK):
                    times[kind(name)] += ps / 1e9
    return times


def profile(step, episodes, iterations=10):
    """Run `step(episode)` `iterations` times under the profiler (after one call outside it, for
    compiling); returns (rows [{kind, ms_per_iteration, share}], wall ms per iteration,
    cores_busy)."""
    import tensorflow as tf

    step(episodes[0])
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        start = time.perf_counter()
        for i in range(iterations):
            step(episodes[i % len(episodes)])
        wall = (time.perf_counter() - start) / iterations
        tf.profiler.experimental.stop()
        times = worker_time(xspace(logdir))
    total = sum(times.values())
    rows = [{"kind": name, "ms_per_iteration": round(ms / iterations, 2), "share": round(ms / total, 4)}
            for name, ms in times.most_common()]
    return rows, 1000 * wall, total / iterations / (1000 * wall)
