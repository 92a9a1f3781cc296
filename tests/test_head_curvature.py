"""Lesson 11's stability limit for MAML's steps on a linear head: at a zero head the Hessian of the
mean cross-entropy over (W, b) has largest eigenvalue mu_max / N, mu_max the largest eigenvalue of
the second moment of the features with a 1 appended; checked against the Hessian TensorFlow
computes, and the limit alpha < 2N / mu_max against gradient descent itself."""

import numpy as np
import tensorflow as tf

from lesson_lib.functional import cross_entropy

N, S, D = 4, 12, 6


def features(seed):
    """Features with a large common part, as the language encoder's are, and one-hot labels."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(S, D)) + 2.0
    y = np.eye(N)[np.arange(S) % N]
    return z, y


def loss(params, z, y):
    W, b = tf.reshape(params[:D * N], (D, N)), params[D * N:]
    return cross_entropy(tf.constant(y), tf.constant(z) @ W + b)


def mu_max(z):
    tilde = np.concatenate([z, np.ones((len(z), 1))], axis=1)
    return np.linalg.eigvalsh(tilde @ tilde.T / len(z))[-1]


def test_largest_curvature_at_a_zero_head_is_mu_max_over_n():
    for seed in range(3):
        z, y = features(seed)
        params = tf.Variable(tf.zeros(D * N + N, tf.float64))
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                value = loss(params, z, y)
            gradient = inner.gradient(value, params)
        hessian = outer.jacobian(gradient, params).numpy()
        np.testing.assert_allclose(np.linalg.eigvalsh(hessian)[-1], mu_max(z) / N, rtol=1e-9)


def test_descent_from_zero_settles_below_the_limit_and_not_far_above_it():
    z, y = features(0)
    limit = 2 * N / mu_max(z)

    def final_loss(alpha, steps=200):
        params = tf.Variable(tf.zeros(D * N + N, tf.float64))
        for _ in range(steps):
            with tf.GradientTape() as tape:
                value = loss(params, z, y)
            params.assign_sub(alpha * tape.gradient(value, params))
        return float(loss(params, z, y)), float(loss(tf.zeros(D * N + N, tf.float64), z, y))

    below, start = final_loss(0.5 * limit)
    assert below < start  # the support loss falls
    above, _ = final_loss(20 * limit)
    assert not above < below  # far above the limit the descent overshoots (or blows up)
