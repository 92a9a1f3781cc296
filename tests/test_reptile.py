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


def sgd_by_hand(w, b, x, y, steps, alpha, stride=1):
    """k steps of gradient descent on mean((w x + b - y)^2), written out; with `stride` > 1,
    step t uses rows t mod stride, t mod stride + stride, ... (interleaved minibatches)."""
    for t in range(steps):
        xb, yb = x[t % stride::stride], y[t % stride::stride]
        residual = w * xb + b - yb
        w, b = w - alpha * 2 * np.mean(residual * xb), b - alpha * 2 * np.mean(residual)
    return w, b


def adam_by_hand(w, b, x, y, steps, alpha, stride=1, beta2=0.999, eps=1e-8, v=None, t0=0, with_v=False):
    """k Adam steps (beta1 = 0, as Reptile's code) on mean((w x + b - y)^2), written out, from
    second moments v (None: zeros) and step count t0; with_v: also return the final v."""
    v = np.zeros(2) if v is None else v
    for t in range(1, steps + 1):
        xb, yb = x[(t - 1) % stride::stride], y[(t - 1) % stride::stride]
        residual = w * xb + b - yb
        g = np.array([2 * np.mean(residual * xb), 2 * np.mean(residual)])
        v = beta2 * v + (1 - beta2) * g**2
        step = alpha * np.sqrt(1 - beta2 ** (t0 + t)) * g / (np.sqrt(v) + eps)
        w, b = w - step[0], b - step[1]
    return (w, b, v) if with_v else (w, b)


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


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize(("inner_batch", "stride"), [(3, 2), (2, 3), (6, 1), (50, 1)])
def test_minibatched_inner_steps_equal_hand_computed(optimizer, inner_batch, stride):
    """inner_batch b of S = 6 support points: stride S // b interleaved minibatches in turn
    (b >= S: the whole support set every step)."""
    by_hand = adam_by_hand if optimizer == "adam" else sgd_by_hand
    learner = Reptile(linear_model(), alpha=0.05, inner_steps=4, epsilon=1.0, inner_optimizer=optimizer,
                      inner_batch=inner_batch)
    ep = Sinusoid(seed=2, dtype="float64").sample(3, K=6)
    xs, ys = ep.support_x[..., 0], ep.support_y[..., 0]
    finals = [by_hand(0.7, -0.2, xs[i], ys[i], 4, 0.05, stride) for i in range(3)]
    learner.meta_step(ep)
    kernel, bias = learner.model.get_weights()
    np.testing.assert_allclose([kernel[0, 0], bias[0]], np.mean(finals, axis=0), rtol=1e-12)
    if stride > 1:  # and it differs from full-batch steps
        full = np.mean([by_hand(0.7, -0.2, xs[i], ys[i], 4, 0.05) for i in range(3)], axis=0)
        assert np.abs(np.array([kernel[0, 0], bias[0]]) - full).max() > 1e-6


@pytest.mark.parametrize("mode", ["vectorized", "loop"])
def test_carried_adam_state_equals_hand_computed(mode):
    """adam_state="carried": every task of an iteration starts from the carried v and t; then v
    becomes the mean of the tasks' final v and t grows by inner_steps. Two iterations, by hand."""
    steps, alpha, epsilon = 3, 0.05, 0.5
    learner = Reptile(linear_model(), alpha=alpha, inner_steps=steps, epsilon=epsilon, inner_optimizer="adam",
                      adam_state="carried")
    w, b, v, t0 = 0.7, -0.2, np.zeros(2), 0
    for seed in (2, 3):
        ep = Sinusoid(seed=seed, dtype="float64").sample(3, K=6)
        xs, ys = ep.support_x[..., 0], ep.support_y[..., 0]
        finals = [adam_by_hand(w, b, xs[i], ys[i], steps, alpha, v=v, t0=t0, with_v=True) for i in range(3)]
        w = w + epsilon * (np.mean([f[0] for f in finals]) - w)
        b = b + epsilon * (np.mean([f[1] for f in finals]) - b)
        v, t0 = np.mean([f[2] for f in finals], axis=0), t0 + steps
        learner.meta_step(ep) if mode == "vectorized" else learner.meta_step_loop(ep)
        kernel, bias = learner.model.get_weights()
        np.testing.assert_allclose([kernel[0, 0], bias[0]], [w, b], rtol=1e-10)
        carried_v = [learner.adam_v[0].numpy()[0, 0], learner.adam_v[1].numpy()[0]]
        np.testing.assert_allclose(carried_v, v, rtol=1e-10)
        assert float(learner.adam_t[0].numpy()) == t0
    # the second iteration differs from one with a fresh optimizer for every task
    fresh = [adam_by_hand(0.7, -0.2, xs[i], ys[i], steps, alpha) for i in range(3)]
    assert abs(fresh[0][0] - finals[0][0]) > 1e-4


def test_carried_adam_state_is_saved_and_adaptation_starts_from_it():
    ep = Sinusoid(seed=2, dtype="float64").sample(3, K=6)
    a = Reptile(linear_model(), alpha=0.05, inner_steps=2, inner_optimizer="adam", adam_state="carried")
    a.meta_step(ep)
    state = a.get_state()
    assert {"adam/000", "adam/001", "adam/002"} <= set(state) and float(state["adam/002"]) == 2.0
    b = Reptile(linear_model(), alpha=0.05, inner_steps=2, inner_optimizer="adam", adam_state="carried")
    b.set_state(state)
    np.testing.assert_allclose(a.adaptation_curve(ep, 3), b.adaptation_curve(ep, 3), rtol=1e-12)
    # evaluation starts from the carried v and t (the paper's code), so it differs from a fresh Adam
    reset = Reptile(linear_model(), alpha=0.05, inner_steps=2, inner_optimizer="adam")
    reset.set_state({k: v for k, v in state.items() if not k.startswith("adam/")})
    assert np.abs(reset.adaptation_curve(ep, 3)[:, 1:] - a.adaptation_curve(ep, 3)[:, 1:]).max() > 1e-6
    with pytest.raises(ValueError, match="state does not fit this learner: missing"):
        b.set_state(reset.get_state())


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
    with pytest.raises(ValueError, match=r"'carried' \(with inner_optimizer='adam'\), got 'carried'"):
        Reptile(linear_model(), adam_state="carried")
    with pytest.raises(ValueError, match=r"adam_state must be 'reset' or 'carried'"):
        Reptile(linear_model(), inner_optimizer="adam", adam_state="kept")
    with pytest.raises(ValueError, match=r"inner_batch must be an integer >= 1"):
        Reptile(linear_model(), inner_batch=0)
