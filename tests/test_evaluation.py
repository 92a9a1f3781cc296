"""Confidence intervals by hand; adaptation curves shaped and decreasing where they should."""

import numpy as np
import pytest

from lesson_lib.evaluation import Curve, Latency, adaptation_curve, diverged_tasks, latencies, mean_ci95
from lesson_lib.learners import MAML
from lesson_lib.models import mlp
from lesson_lib.tasks import Sinusoid


def test_mean_ci95_by_hand():
    values = np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 2.0], [7.0, 2.0]])
    mean, ci = mean_ci95(values)
    np.testing.assert_allclose(mean, [4.0, 2.0])
    # sample sd of 1,3,5,7 is sqrt(20/3); half-width 1.96 * sd / sqrt(4)
    np.testing.assert_allclose(ci, [1.96 * np.sqrt(20 / 3) / 2, 0.0])


def test_summary_counts_diverged_tasks_against_their_own_start():
    # seven tasks: loss before adapting (step 0) and after one step
    per_task = np.array([[1.0, 0.5], [1.0, 1.0], [1.0, 1.5], [1.0, np.nan], [1.0, 500.0], [2.0, 200.0],
                         [1.0, 0.25]])
    np.testing.assert_array_equal(diverged_tasks(per_task)[:, 1], [0, 0, 0, 1, 1, 0, 0])
    s = Curve(per_task.mean(0), per_task.mean(0), per_task).summary(1)
    # 200 is exactly 100x its own start of 2: not diverged; 500 is 500x a start of 1: diverged
    kept = np.array([0.5, 1.0, 1.5, 200.0, 0.25])
    assert s == {"tasks": 7, "mean": kept.mean(), "ci95": pytest.approx(1.96 * kept.std(ddof=1) / np.sqrt(5)),
                 "median": 1.5, "diverged": 2}  # median of 0.25, 0.5, 1, 1.5, 200, inf, inf
    assert Curve(per_task.mean(0), per_task.mean(0), per_task).summary(0)["diverged"] == 0


def test_curve_shape_and_sgd_lowers_support_loss():
    learner = MAML(mlp(hidden=(16,)), alpha=0.01)
    ep = Sinusoid(0).sample(50, 10, 10)
    curve = adaptation_curve(learner, ep, steps=5)
    assert curve.mean.shape == (6,) and curve.per_task.shape == (50, 6)
    assert not curve.diverged.any()
    # evaluating on the support set itself: small SGD steps must lower the loss
    same = ep.__class__(ep.support_x, ep.support_y, ep.support_x, ep.support_y)
    support_curve = adaptation_curve(learner, same, steps=5).mean
    assert np.all(np.diff(support_curve) < 0)


def test_adaptation_curve_step_zero_is_loss_at_theta():
    learner = MAML(mlp(hidden=(16,)), alpha=0.01)
    ep = Sinusoid(1).sample(3, 5, 8)
    curve = learner.adaptation_curve(ep, 2)
    pred = np.stack([learner.model(ep.query_x[i]).numpy() for i in range(3)])
    np.testing.assert_allclose(curve[:, 0], ((pred - ep.query_y) ** 2).mean(axis=(1, 2)), rtol=1e-5)


class CountingLearner:
    """Stands in for a learner: records every predict call (name, steps) in a shared log."""

    def __init__(self, name, log, adapts_by_steps=True):
        self.name, self.log, self.adapts_by_steps = name, log, adapts_by_steps

    def predict(self, episode, x, steps, alpha=None):
        assert episode.num_tasks == 1 and alpha is None
        self.log.append((self.name, steps))


def test_latencies_warm_up_interleave_and_summarise():
    log = []
    learners = {n: CountingLearner(n, log, adapts_by_steps=n != "box") for n in ("a", "b", "box")}
    result = latencies(learners, Sinusoid(0).sample(4, 5, 7), steps=10, repeats=30, warmup=2, seed=1)
    assert set(result) == set(learners) and all(len(r.samples) == 30 for r in result.values())
    assert len(log) == 3 * 32  # every round times every learner once; warm-up rounds not recorded
    assert {s for n, s in log if n == "box"} == {0} and {s for n, s in log if n != "box"} == {10}
    rounds = [tuple(n for n, _ in log[i:i + 3]) for i in range(0, len(log), 3)]
    assert all(sorted(r) == ["a", "b", "box"] for r in rounds) and len(set(rounds)) > 1  # shuffled order
    r = result["a"]
    low, high = r.quartiles
    assert low <= r.median <= high and r.iqr == high - low >= 0 and "IQR" in str(r)


def test_latency_summary_by_hand():
    r = Latency(np.array([1.0, 2.0, 3.0, 4.0, 100.0]))
    assert r.median == 3.0 and r.quartiles == (2.0, 4.0) and r.iqr == 2.0  # an outlier moves neither


def test_accuracy_in_chunks_of_tasks_is_the_same():
    from lesson_lib.evaluation import accuracy
    from lesson_lib.learners import NGramCentroid
    from lesson_lib.tasks import Languages

    episode = Languages("test", ways=3, seed=4).sample(20, K=2, Q=3)
    learner = NGramCentroid()
    whole = accuracy(learner, episode, 0)
    for size in (1, 7, 20, 50):
        assert accuracy(learner, episode, 0, tasks_per_call=size) == pytest.approx(whole, abs=1e-12)
    with pytest.raises(ValueError, match="tasks_per_call"):
        accuracy(learner, episode, 0, tasks_per_call=0)


def test_accuracy_curve_in_chunks_of_tasks_is_the_same():
    from lesson_lib.evaluation import accuracy_curve
    from lesson_lib.recipes import language

    episode = language.test_tasks(seed=4, ways=3).sample(8, K=2, Q=3)
    learner = language.learner("MAML", ways=3, alpha=1.0)
    whole = accuracy_curve(learner, episode, 2)
    assert whole.per_task.shape == (8, 3) and whole.mean[2] != whole.mean[0]  # steps change predictions
    for size in (1, 3, 8):
        part = accuracy_curve(learner, episode, 2, tasks_per_call=size)
        np.testing.assert_allclose(part.per_task, whole.per_task, atol=1e-12)
    with pytest.raises(ValueError, match="tasks_per_call"):
        accuracy_curve(learner, episode, 2, tasks_per_call=0)
