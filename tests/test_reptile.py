"""Reptile's update against hand-computed values on a linear model y = w x + b (Lesson 3)."""

import keras
import numpy as np
import pytest

from lesson_lib.learners import Reptile
from lesson_lib.tasks import Sinusoid


def linear_model():
    model = keras.Sequential([keras.Input((1,), dtype="float64"), keras.layers.Dense(1, dtype="float64")])
    model.set_weights([np.array([[0.7]]), np.array([-0.2])])
    return model


def sgd_by_hand(w, b, x, y, steps, alpha):
    """k steps of gradient descent on mean((w x + b - y)^2), written out."""
    for _ in range(steps):
        residual = w * x + b - y
        w, b = w - alpha * 2 * np.mean(residual * x), b - alpha * 2 * np.mean(residual)
    return w, b


@pytest.mark.parametrize("epsilon", [1.0, 0.1])
@pytest.mark.parametrize("num_tasks", [1, 4])
@pytest.mark.parametrize("steps", [1, 3])
def test_meta_step_equals_hand_computed_update(epsilon, num_tasks, steps):
    learner = Reptile(linear_model(), alpha=0.05, inner_steps=steps, epsilon=epsilon)
    ep = Sinusoid(seed=2, dtype="float64").sample(num_tasks, K=6)
    finals = [sgd_by_hand(0.7, -0.2, ep.support_x[i, :, 0], ep.support_y[i, :, 0], steps, 0.05)
              for i in range(num_tasks)]
    w_mean, b_mean = np.mean(finals, axis=0)
    expected_w = 0.7 + epsilon * (w_mean - 0.7)
    expected_b = -0.2 + epsilon * (b_mean + 0.2)
    learner.meta_step(ep)
    kernel, bias = learner.model.get_weights()
    np.testing.assert_allclose([kernel[0, 0], bias[0]], [expected_w, expected_b], rtol=1e-12)
    if epsilon == 1.0:  # the special case: theta becomes the average of the task-final weights
        np.testing.assert_allclose([kernel[0, 0], bias[0]], [w_mean, b_mean], rtol=1e-12)


def test_loop_mode_equals_vectorized():
    ep = Sinusoid(seed=3, dtype="float64").sample(5, K=4)
    a, b = (Reptile(linear_model(), alpha=0.05, inner_steps=2, epsilon=0.5) for _ in range(2))
    assert a.meta_step(ep) == pytest.approx(b.meta_step_loop(ep), rel=1e-12)
    for x, y in zip(a.model.get_weights(), b.model.get_weights(), strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-12)


def test_epsilon_anneals_linearly():
    learner = Reptile(linear_model(), epsilon=1.0, epsilon_final=0.0, anneal_iterations=100)
    assert [float(learner.epsilon_at(i)) for i in (0, 25, 100, 200)] == pytest.approx([1.0, 0.75, 0.0, 0.0])
    ep = Sinusoid(seed=3, dtype="float64").sample(2, K=4)
    for _ in range(3):
        learner.meta_step(ep)
    assert int(learner.iteration.numpy()) == 3


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"epsilon must be a finite number > 0"):
        Reptile(linear_model(), epsilon=0.0)
    with pytest.raises(ValueError, match=r"epsilon_final must be in \[0, epsilon=1.0\]"):
        Reptile(linear_model(), epsilon=1.0, epsilon_final=2.0)
    with pytest.raises(ValueError, match=r"inner_steps must be an integer >= 1"):
        Reptile(linear_model(), inner_steps=0)
    with pytest.raises(ValueError, match=r"inner_optimizer must be 'sgd' or 'adam'"):
        Reptile(linear_model(), inner_optimizer="rmsprop")
