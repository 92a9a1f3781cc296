"""Meta-LSTM (Lesson 4): frozen gates give plain SGD exactly; the gradient preprocessing
is the formula, including at its boundary |x| = e^-p; the meta-gradient ignores second
derivatives by default."""

import numpy as np
import pytest
import tensorflow as tf

from lesson_lib.functional import adapt, mse
from lesson_lib.learners import MetaLSTM
from lesson_lib.learners.meta_lstm import preprocess
from lesson_lib.models import mlp
from lesson_lib.tasks import Sinusoid


def test_frozen_gates_f1_i_alpha_is_sgd():
    alpha = 0.03
    learner = MetaLSTM(mlp(hidden=(8, 8), dtype="float64", seed=1), frozen_gates=(1.0, alpha))
    ep = Sinusoid(seed=4, dtype="float64").sample(3, K=6, Q=9)
    curve = learner.adaptation_curve(ep, 4)
    for t in range(3):
        theta = learner.f.theta()
        for steps in range(5):
            phi = adapt(learner.f, theta, ep.support_x[t], ep.support_y[t], steps, alpha, mse)
            expected = mse(ep.query_y[t], learner.f(phi, ep.query_x[t])).numpy()
            assert curve[t, steps] == pytest.approx(expected, rel=1e-12)


def test_preprocessing_formula_and_boundary():
    p = 10.0
    edge = np.exp(-p)
    x = np.array([edge, -edge, np.nextafter(edge, 0), -np.nextafter(edge, 0), 3.0, -0.5, 0.0, 1e-6])
    got = preprocess(tf.constant(x, tf.float64), p).numpy()
    expected = np.array([[np.log(abs(v)) / p, np.sign(v)] if abs(v) >= edge else [-1.0, np.exp(p) * v]
                         for v in x])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    # at the boundary both branches give (-1, +-1): the map is continuous there
    np.testing.assert_allclose(got[:4], [[-1, 1], [-1, -1], [-1, 1], [-1, -1]], atol=1e-12)


def test_starts_close_to_gradient_descent_with_a_small_step():
    learner = MetaLSTM(mlp(hidden=(8,)), seed=0)
    f, i = learner.gates(Sinusoid(0).sample(2, 5), 3)
    assert f.shape == i.shape == (2, 3)
    assert np.all(f > 0.98) and np.all(f < 0.995)  # sigmoid(U(4, 5)), nudged by small weights
    assert np.all(i > 0.006) and np.all(i < 0.02)  # sigmoid(U(-5, -4))


@pytest.mark.slow
def test_no_second_derivatives_by_default():
    ep = Sinusoid(seed=4, dtype="float64").sample(2, K=5)
    first = MetaLSTM(mlp(hidden=(8,), dtype="float64", seed=2), inner_steps=2)
    second = MetaLSTM(mlp(hidden=(8,), dtype="float64", seed=2), inner_steps=2, second_order=True)
    (loss1, g1), (loss2, g2) = first.meta_gradient(ep), second.meta_gradient(ep)
    assert loss1 == pytest.approx(loss2, rel=1e-12)
    assert not np.allclose(g1[0], g2[0], rtol=1e-6)  # the gradient inputs do carry second-order terms
    loss_l, g_l = first.meta_gradient(ep, mode="loop")
    np.testing.assert_allclose(np.concatenate([g.ravel() for g in g1]),
                               np.concatenate([g.ravel() for g in g_l]), rtol=1e-9, atol=1e-12)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"hidden must be an integer >= 1"):
        MetaLSTM(mlp(hidden=(8,)), hidden=0)
    with pytest.raises(ValueError, match=r"frozen_gates\[1\] \(input gate\) must be a finite number > 0"):
        MetaLSTM(mlp(hidden=(8,)), frozen_gates=(1.0, -0.1))
    with pytest.raises(TypeError, match=r"alpha does not apply to Meta-LSTM"):
        MetaLSTM(mlp(hidden=(8,))).adaptation_curve(Sinusoid(0).sample(2, 5), 2, alpha=0.1)
