"""Confidence intervals by hand; adaptation curves shaped and decreasing where they should."""

import numpy as np

from lesson_lib.evaluation import adaptation_curve, mean_ci95
from lesson_lib.learners import MAML
from lesson_lib.models import mlp
from lesson_lib.tasks import Sinusoid


def test_mean_ci95_by_hand():
    values = np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 2.0], [7.0, 2.0]])
    mean, ci = mean_ci95(values)
    np.testing.assert_allclose(mean, [4.0, 2.0])
    # sample sd of 1,3,5,7 is sqrt(20/3); half-width 1.96 * sd / sqrt(4)
    np.testing.assert_allclose(ci, [1.96 * np.sqrt(20 / 3) / 2, 0.0])


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
