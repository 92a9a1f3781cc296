"""Evaluation: adaptation curves averaged over many test tasks, with 95% confidence
intervals (Lesson 2, "how good is the start theta").

The interval is mean +- 1.96 * s / sqrt(n) over the n test tasks (normal approximation;
n >= 100 in every table of the kit).
"""

import time
from dataclasses import dataclass

import numpy as np

from . import checks


@dataclass(frozen=True)
class Curve:
    mean: np.ndarray  # [steps + 1] mean query loss after 0..steps steps
    ci95: np.ndarray  # [steps + 1] half-width of the 95% confidence interval
    per_task: np.ndarray  # [n, steps + 1]

    @property
    def diverged(self):
        """True where some task's loss was not finite after that many steps."""
        return ~np.isfinite(self.per_task).all(axis=0)


def mean_ci95(values, axis=0):
    """Mean and 95% half-width along `axis`; NaN where a value is not finite (diverged)."""
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[axis]
    with np.errstate(invalid="ignore", over="ignore"):
        sd = values.std(axis=axis, ddof=1) if n > 1 else np.zeros_like(values.mean(axis=axis))
        return values.mean(axis=axis), 1.96 * sd / np.sqrt(n)


def adaptation_curve(learner, episode, steps, **adapt_kwargs):
    """Query loss after 0..steps adaptation steps, averaged over the episode's tasks."""
    checks.integer("steps", steps, 0)
    per_task = learner.adaptation_curve(episode, steps, **adapt_kwargs)
    mean, ci95 = mean_ci95(per_task)
    return Curve(mean, ci95, per_task)


def accuracy_curve(learner, episode, steps, **adapt_kwargs):
    """Query accuracy (fraction of queries whose largest logit is the true class) after
    0..steps adaptation steps, averaged over the episode's tasks (Lesson 7)."""
    checks.integer("steps", steps, 0)
    logits = learner.prediction_path(episode, episode.query_x, steps, **adapt_kwargs)  # [T, S+1, Q, N]
    per_task = (logits.argmax(-1) == episode.query_y.argmax(-1)[:, None]).mean(axis=-1)
    mean, ci95 = mean_ci95(per_task)
    return Curve(mean, ci95, per_task)


def accuracy(learner, episode, steps, **adapt_kwargs):
    """(mean, 95% half-width) over tasks of the query accuracy after `steps` adaptation steps;
    only the final predictions are computed (cheaper than accuracy_curve)."""
    checks.integer("steps", steps, 0)
    logits = learner.predict(episode, episode.query_x, steps, **adapt_kwargs)  # [T, Q, N]
    mean, ci95 = mean_ci95((logits.argmax(-1) == episode.query_y.argmax(-1)).mean(axis=-1))
    return float(mean), float(ci95)


def latency_ms(learner, episode, steps, alpha=None, repeats=20):
    """Median wall-clock milliseconds to adapt to the episode's first task (`steps` steps; a
    black-box learner: its one forward pass) and predict its query points, after one call that
    compiles (Lesson 5)."""
    checks.integer("repeats", repeats, 1)
    one = episode.tasks(0)
    learner.predict(one, one.query_x, steps, alpha=alpha)  # compile
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        learner.predict(one, one.query_x, steps, alpha=alpha)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))
