"""The behaviour-cloning step checker (Lesson 13): the reference passes, the stub is "not yet
implemented", each planted wrong answer is caught with its sentence, a crash is explained without a
traceback; the reference itself is checked by hand and against MAML's own inner step."""

import keras
import numpy as np
import tensorflow as tf
from exercise_cases import checker_tests, crash_test

from lesson_lib.exercises.imitation import reference_cloning_step
from lesson_lib.functional import FunctionalModel, adapt, mse


def cloning_step(W, b, observations, actions, alpha):  # the notebook's solution
    T, d = actions.shape
    error = observations @ W + b - actions
    return W - alpha * 2 * observations.T @ error / (T * d), b - alpha * 2 * error.sum(axis=0) / (T * d)


def cloning_step_tf(W, b, observations, actions, alpha):  # with a tape, as the kit does
    W, b = tf.Variable(W), tf.Variable(b)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((observations @ W + b - actions) ** 2)
    gW, gb = tape.gradient(loss, [W, b])
    return (W - alpha * gW).numpy(), (b - alpha * gb).numpy()


def gradient(W, b, o, a):
    T, d = a.shape
    error = o @ W + b - a
    return 2 * o.T @ error / (T * d), 2 * error.sum(axis=0) / (T * d)


def scaled(factor, bias=True):
    def step(W, b, o, a, alpha):
        gW, gb = gradient(W, b, o, a)
        return W - alpha * factor(a) * gW, (b - alpha * factor(a) * gb) if bias else b
    return step


def in_place(W, b, o, a, alpha):
    gW, gb = gradient(W, b, o, a)
    W -= alpha * gW
    b -= alpha * gb
    return W, b


RIGHT = [("check_cloning_step", cloning_step), ("check_cloning_step", cloning_step_tf),
         ("check_cloning_step", reference_cloning_step)]

WRONG = [
    ("check_cloning_step", scaled(lambda a: -1), "goes up the loss"),
    ("check_cloning_step", scaled(lambda a: 0.5), "factor 2"),
    ("check_cloning_step", scaled(lambda a: a.shape[1]), "steps only"),
    ("check_cloning_step", scaled(lambda a: a.size), "summed squared error"),
    ("check_cloning_step", scaled(lambda a: 1, bias=False), "b was not updated"),
    ("check_cloning_step", in_place, "changed the arrays"),
    ("check_cloning_step", lambda W, b, o, a, alpha: cloning_step(W, b, o, a, alpha)[0], "pair"),
    ("check_cloning_step", lambda W, b, o, a, alpha: (W, b[None]), "shape"),
    ("check_cloning_step", lambda W, b, o, a, alpha: cloning_step(W, b, o, a, 1.1 * alpha), "step differs"),
]

test_the_reference_answer_passes, test_the_stub_is_not_yet_implemented, test_wrong_answers_are_named = (
    checker_tests(RIGHT, WRONG))
test_crash_is_one_sentence = crash_test(RIGHT)


def test_reference_by_hand():
    """One observation o = (1, 2), one action a = 1, W = (0, 0), b = 0, alpha 0.25: the error is -1, the
    gradient 2 * (-1) * o = (-2, -4) for W and -2 for b, so W' = (0.5, 1.0) and b' = 0.5."""
    o, a = np.array([[1.0, 2.0]]), np.array([[1.0]])
    W, b = reference_cloning_step(np.zeros((2, 1)), np.zeros(1), o, a, 0.25)
    np.testing.assert_allclose(W[:, 0], [0.5, 1.0])
    np.testing.assert_allclose(b, [0.5])


def test_reference_is_mamls_inner_step_on_a_linear_policy():
    rng = np.random.default_rng(1)
    o, a = rng.normal(size=(9, 5)), rng.uniform(-1, 1, (9, 3))
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, dtype="float64")])
    f = FunctionalModel(model)
    theta = [tf.convert_to_tensor(v) for v in f.variables]
    phi = adapt(f, theta, tf.constant(o), tf.constant(a), 1, 0.3, mse, False)
    W, b = reference_cloning_step(theta[0].numpy(), theta[1].numpy(), o, a, 0.3)
    np.testing.assert_allclose(phi[0].numpy(), W, atol=1e-6)  # Keras's Dense rounds through float32
    np.testing.assert_allclose(phi[1].numpy(), b, atol=1e-6)
    assert np.abs(phi[0].numpy() - theta[0].numpy()).max() > 0.05  # the step moved the weights
