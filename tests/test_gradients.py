"""Lesson 2's claims, checked numerically in float64: the second-order MAML meta-gradient is
the true derivative of the post-adaptation query loss (central finite differences); the
first-order one is the query-loss gradient at the adapted weights; with 0 inner steps both
are the plain query-loss gradient. Run for Sequential and functional models, with and
without batch norm."""

import numpy as np
import pytest
import tensorflow as tf

from lesson_lib.functional import adapt, mse
from lesson_lib.gradcheck import finite_differences, flat, post_adaptation_loss, relative_error
from lesson_lib.learners import MAML
from lesson_lib.models import mlp
from lesson_lib.tasks import Sinusoid

ALPHA = 0.1  # large enough that the second-order term is far above round-off


def make(steps, second_order, api="sequential", batch_norm=False):
    model = mlp(hidden=(8, 8), activation="tanh", dtype="float64", api=api, batch_norm=batch_norm, seed=3)
    return MAML(model, alpha=ALPHA, inner_steps=steps, second_order=second_order)


def episode():
    return Sinusoid(seed=5, dtype="float64").sample(3, K=5, Q=7)


SLOW = pytest.mark.slow

DIRECTIONS = 16


def directional_differences(learner, ep, directions, eps=1e-6):
    """Central differences of `post_adaptation_loss` (the reference `finite_differences` uses) along
    each row of `directions` [D, weights], unit vectors: D directional derivatives, 2 D loss
    evaluations instead of 2 per weight."""
    theta = [v.numpy() for v in learner.meta_parameters]
    shapes, base = [t.shape for t in theta], flat(theta)
    ends = np.cumsum([t.size for t in theta])[:-1]
    at = lambda w: [part.reshape(shape) for part, shape in zip(np.split(w, ends), shapes, strict=True)]
    loss = lambda w: post_adaptation_loss(learner, at(w), ep)
    return np.array([(loss(base + eps * d) - loss(base - eps * d)) / (2 * eps) for d in directions])


@SLOW
@pytest.mark.parametrize("steps", [1, 2])
@pytest.mark.parametrize("api,batch_norm",
                         [("sequential", False), ("functional", False), ("sequential", True)])
def test_second_order_matches_finite_differences(steps, api, batch_norm):
    """Finite differences along 16 random unit directions (every weight has a random share in each),
    not along each of the 97-129 weights (10-75 s each, eagerly): the relative error of the
    projections, |V (g - fd)| / |V g|, estimates the full relative error |g - fd| / |g| (for random
    V and 16 directions it is typically within a factor of 2), and the bounds are 1e-4
    (true: about 1e-9) and 1e-3 (first order: about 1e-1). The per-weight check over all weights
    stays, on a smaller network, in test_second_order_matches_finite_differences_on_a_small_network."""
    learner = make(steps, True, api, batch_norm)
    ep = episode()
    _, grads = learner.meta_gradient(ep)
    g = flat(grads)
    directions = np.random.default_rng(steps).standard_normal((DIRECTIONS, g.size))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    fd = directional_differences(learner, ep, directions)
    assert relative_error(directions @ g, fd) < 1e-4
    # the check can fail: the first-order gradient is measurably different from the truth
    _, first_order = make(steps, False, api, batch_norm).meta_gradient(ep)
    assert relative_error(directions @ flat(first_order), fd) > 1e-3


@pytest.mark.parametrize("path", ["vectorized", "xla"])
def test_second_order_matches_finite_differences_on_a_small_network(path):
    """The same check as above on a 1-6-1 network (19 weights), quick enough for make test-fast,
    on either compiled path (the XLA path batches the tasks by hand: batched.BatchedModel)."""
    model = mlp(hidden=(6,), activation="tanh", dtype="float64", seed=3)
    learner = MAML(model, alpha=ALPHA, inner_steps=2)
    ep = episode()
    fd = finite_differences(learner, ep)
    assert relative_error(flat(learner.meta_gradient(ep, mode=path)[1]), fd) < 1e-4
    first_order = MAML(model, alpha=ALPHA, inner_steps=2, second_order=False).meta_gradient(ep)[1]
    assert relative_error(flat(first_order), fd) > 1e-3


@pytest.mark.parametrize("steps", [1, 2])
def test_first_order_is_query_gradient_at_adapted_weights(steps):
    learner = make(steps, False)
    ep = episode()
    _, grads = learner.meta_gradient(ep)
    expected = []
    for i in range(ep.num_tasks):
        phi = adapt(learner.f, learner.f.theta(), ep.support_x[i], ep.support_y[i], steps, ALPHA, mse)
        phi = [tf.Variable(p) for p in phi]
        with tf.GradientTape() as tape:
            loss = mse(ep.query_y[i], learner.f([p.value() for p in phi], ep.query_x[i]))
        expected.append(flat(tape.gradient(loss, phi)))
    np.testing.assert_allclose(flat(grads), np.mean(expected, axis=0), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("second_order", [True, False])
def test_zero_steps_is_plain_query_gradient(second_order):
    learner = make(0, second_order)
    ep = episode()
    _, grads = learner.meta_gradient(ep)
    theta = learner.f.variables
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean([mse(ep.query_y[i], learner.model(ep.query_x[i], training=True))
                               for i in range(ep.num_tasks)])
    np.testing.assert_allclose(flat(grads), flat(tape.gradient(loss, theta)), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("second_order", [True, False])
def test_vectorized_equals_eager_loop(second_order):
    learner = make(2, second_order)
    ep = episode()
    loss_v, grads_v = learner.meta_gradient(ep, mode="vectorized")
    loss_l, grads_l = learner.meta_gradient(ep, mode="loop")
    assert loss_v == pytest.approx(loss_l, rel=1e-12)
    np.testing.assert_allclose(flat(grads_v), flat(grads_l), rtol=1e-9, atol=1e-12)


@pytest.mark.slow
def test_stock_keras_batch_norm_second_derivative_is_inexact():
    """Why lesson_lib.layers.BatchNormalization exists: the stock layer's second-order
    meta-gradient misses finite differences by far more than round-off, and MAML warns."""
    import keras

    model = keras.Sequential([keras.Input((1,), dtype="float64"),
                              keras.layers.Dense(8, activation="tanh", dtype="float64"),
                              keras.layers.BatchNormalization(dtype="float64"),
                              keras.layers.Dense(1, dtype="float64")])
    with pytest.warns(UserWarning, match="BatchNormalization"):
        learner = MAML(model, alpha=ALPHA, inner_steps=1, second_order=True)
    ep = episode()
    _, grads = learner.meta_gradient(ep)
    assert relative_error(flat(grads), finite_differences(learner, ep)) > 1e-3
