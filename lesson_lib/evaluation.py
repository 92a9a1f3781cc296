"""Evaluation: adaptation curves averaged over many test tasks, with 95% confidence
intervals (Lesson 2, "how good is the start theta").

The interval is mean +- 1.96 * s / sqrt(n) over the n test tasks (normal approximation;
n >= 100 in every table of the kit).
"""

import gc
import time
from dataclasses import dataclass

import numpy as np

from . import checks
from .i18n import _
from .tasks import Episode

DIVERGED_FACTOR = 100  # a task diverged when its loss is not finite or above 100x its loss before adapting


def diverged_tasks(per_task, factor=DIVERGED_FACTOR):
    """[n, steps + 1] True where a task's loss is not finite, or above `factor` times its loss
    after 0 steps (before adapting: the start itself is what is being judged)."""
    per_task = np.asarray(per_task, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        return ~np.isfinite(per_task) | (per_task > factor * per_task[:, :1])


@dataclass(frozen=True)
class Curve:
    mean: np.ndarray  # [steps + 1] mean query loss after 0..steps steps
    ci95: np.ndarray  # [steps + 1] half-width of the 95% confidence interval
    per_task: np.ndarray  # [n, steps + 1]

    @property
    def diverged(self):
        """True where some task's loss was not finite after that many steps."""
        return ~np.isfinite(self.per_task).all(axis=0)

    def summary(self, step, factor=DIVERGED_FACTOR):
        """After `step` steps: {tasks, mean, ci95, median, diverged}. `diverged` counts the tasks
        whose loss is not finite or above `factor` x their loss before adapting (diverged_tasks);
        mean and ci95 are over the other tasks, the median over all (a diverged task counts as
        infinitely bad), so one runaway task cannot hide in, or swamp, the mean."""
        losses = self.per_task[:, step].astype(np.float64)
        bad = diverged_tasks(self.per_task, factor)[:, step]
        kept = losses[~bad]
        mean, half = mean_ci95(kept) if kept.size else (np.nan, np.nan)
        return {"tasks": int(losses.size), "mean": float(mean), "ci95": float(half),
                "median": float(np.median(np.where(bad, np.inf, losses))), "diverged": int(bad.sum())}


def mean_ci95(values, axis=0):
    """Mean and 95% half-width along `axis`; NaN where a value is not finite (diverged)."""
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[axis]
    with np.errstate(invalid="ignore", over="ignore"):
        sd = values.std(axis=axis, ddof=1) if n > 1 else np.zeros_like(values.mean(axis=axis))
        return values.mean(axis=axis), 1.96 * sd / np.sqrt(n)


def mean_ci95_median(values):
    """{mse, ci95, median} of per-task losses [n] (mean and 95% half-width as mean_ci95), as floats."""
    mean, ci95 = mean_ci95(values)
    return {"mse": float(mean), "ci95": float(ci95), "median": float(np.median(values))}


def adaptation_curve(learner, episode, steps, **adapt_kwargs):
    """Query loss after 0..steps adaptation steps, averaged over the episode's tasks."""
    checks.integer("steps", steps, 0)
    per_task = learner.adaptation_curve(episode, steps, **adapt_kwargs)
    mean, ci95 = mean_ci95(per_task)
    return Curve(mean, ci95, per_task)


def _in_parts(episode, tasks_per_call):
    """The episode as consecutive episodes of `tasks_per_call` tasks (None: one, all of them)."""
    size = (episode.num_tasks if tasks_per_call is None
            else checks.integer("tasks_per_call", tasks_per_call, 1))
    return [episode.tasks(slice(start, start + size)) for start in range(0, episode.num_tasks, size)]


def accuracy_curve(learner, episode, steps, tasks_per_call=None, **adapt_kwargs):
    """Query accuracy (fraction of queries whose largest logit is the true class) after
    0..steps adaptation steps, averaged over the episode's tasks (Lesson 7). `tasks_per_call`
    as in `accuracy`."""
    checks.integer("steps", steps, 0)
    per_task = np.concatenate([
        (learner.prediction_path(part, part.query_x, steps, **adapt_kwargs).argmax(-1)  # [T, S+1, Q]
         == part.query_y.argmax(-1)[:, None]).mean(axis=-1)
        for part in _in_parts(episode, tasks_per_call)])
    mean, ci95 = mean_ci95(per_task)
    return Curve(mean, ci95, per_task)


def accuracy(learner, episode, steps, tasks_per_call=None, **adapt_kwargs):
    """(mean, 95% half-width) over tasks of the query accuracy after `steps` adaptation steps;
    only the final predictions are computed (cheaper than accuracy_curve). `tasks_per_call`
    adapts that many tasks at a time (memory: MAML keeps adapted weights for every task of a
    call) instead of all at once; the result is the same."""
    checks.integer("steps", steps, 0)
    per_task = [(learner.predict(part, part.query_x, steps, **adapt_kwargs).argmax(-1)  # [T, Q]
                 == part.query_y.argmax(-1)).mean(axis=-1)
                for part in _in_parts(episode, tasks_per_call)]
    mean, ci95 = mean_ci95(np.concatenate(per_task))
    return float(mean), float(ci95)


@dataclass(frozen=True)
class Latency:
    """Wall-clock times of one learner's "adapt to a task and predict", in milliseconds."""

    samples: np.ndarray  # [repeats] one measurement per round, warm-up rounds excluded

    @property
    def median(self):
        return float(np.median(self.samples))

    @property
    def quartiles(self):
        """(25th, 75th) percentile: half the measurements lie between them."""
        return tuple(float(q) for q in np.percentile(self.samples, [25, 75]))

    @property
    def iqr(self):
        """Interquartile range, the spread: 75th minus 25th percentile."""
        low, high = self.quartiles
        return high - low

    def __str__(self):
        low, high = self.quartiles
        return _("{median:.1f} ms (IQR {low:.1f}-{high:.1f})", median=self.median, low=low, high=high)


def _adapt_and_predict(learner, episode, steps, alpha):
    one = episode.tasks(0)
    return lambda: learner.predict(one, one.query_x, steps, alpha=alpha)


def latencies(learners, episode, steps, repeats=60, warmup=3, seed=0):
    """Time each learner adapting to the episode's first task and predicting its query points
    (Lesson 5): `steps` steps for learners that adapt by steps, one forward pass for a black box.

    Measured properly: `warmup` rounds first (compiling, caches), not recorded; then `repeats`
    rounds, each timing every learner once in a fresh random order (interleaved, so a change in
    the machine's load hits every learner alike), with Python's garbage collector paused during
    each call (as `timeit` does). Returns {name: Latency}; compare medians against the spread
    (interquartile range), never single timings.

    learners: {name: learner}, each with its own test-time alpha.
    """
    if not learners:
        raise ValueError(_("learners must name at least one learner, got an empty dict"))
    checks.integer("steps", steps, 0)
    checks.integer("repeats", repeats, 1)
    checks.integer("warmup", warmup, 1)
    calls = {name: _adapt_and_predict(learner, episode, steps if learner.adapts_by_steps else 0, None)
             for name, learner in learners.items()}
    return _interleaved(calls, repeats, warmup, seed)


def _interleaved(calls, repeats, warmup, seed):
    names = list(calls)
    rng = np.random.default_rng(checks.integer("seed", seed, 0))
    times = {name: [] for name in names}
    collecting = gc.isenabled()
    try:
        for round_ in range(warmup + repeats):
            for k in rng.permutation(len(names)):
                name = names[k]
                gc.disable()
                start = time.perf_counter()
                calls[name]()
                elapsed = time.perf_counter() - start
                if collecting:
                    gc.enable()
                if round_ >= warmup:
                    times[name].append(1000 * elapsed)
    finally:
        if collecting:
            gc.enable()
    return {name: Latency(np.asarray(times[name])) for name in names}


def latency_ms(learner, episode, steps, alpha=None, repeats=20, warmup=3):
    """Median wall-clock milliseconds for one learner to adapt to the episode's first task
    (`steps` steps, as given; a black-box learner: 0, its one forward pass) and predict its
    query points, after `warmup` unrecorded calls (the first compiles). To compare learners,
    use `latencies`, which interleaves them."""
    checks.integer("steps", steps, 0)
    checks.integer("repeats", repeats, 1)
    checks.integer("warmup", warmup, 1)
    calls = {learner.name: _adapt_and_predict(learner, episode, steps, alpha)}
    return _interleaved(calls, repeats, warmup, 0)[learner.name].median


def one_query_at_a_time(learner, episode, steps, queries=None, **adapt_kwargs):
    """Query accuracy of each task [T] when every query is classified on its own, batched with
    the task's support set only (the non-transductive protocol of the Reptile code): batch norm
    then never sees the other queries' statistics. Adaptation uses the support set as usual.

    queries: indices of the query examples to classify (default all of them); each one costs
    a separate adaptation, so a subset keeps this cheap. adapt_kwargs: as for `predict` (alpha)."""
    checks.integer("steps", steps, 0)
    T, M = episode.query_x.shape[:2]
    picked = np.arange(M) if queries is None else np.asarray(queries)
    if picked.ndim != 1 or not len(picked) or picked.min() < 0 or picked.max() >= M:
        raise ValueError(_("queries must be indices in [0, {M}), got {queries!r}", M=M, queries=queries))
    repeat = lambda a: np.repeat(a, len(picked), axis=0)  # noqa: E731  [T * P, ...], task-major
    sx, sy = repeat(episode.support_x), repeat(episode.support_y)
    qx = episode.query_x[:, picked].reshape(T * len(picked), 1, *episode.query_x.shape[2:])
    qy = episode.query_y[:, picked].reshape(T * len(picked), 1, -1)
    alone = Episode(sx, sy, qx, qy)
    x = np.concatenate([sx, qx], axis=1)  # the support set, then the one query
    logits = learner.predict(alone, x, steps, **adapt_kwargs)[:, -1]
    right = logits.argmax(-1) == qy[:, 0].argmax(-1)
    return right.reshape(T, len(picked)).mean(axis=1)
