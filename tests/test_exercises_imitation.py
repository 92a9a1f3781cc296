"""The behaviour-cloning step checker (Lesson 13): the reference passes, the stub is "not yet
implemented", each planted wrong answer is caught with its sentence, a crash is explained without a
traceback; the reference itself is checked by hand and against MAML's own inner step."""

import keras
import numpy as np
import tensorflow as tf
from exercise_cases import checker_tests, crash_test

from lesson_lib.exercises.imitation import reference_cloning_step, reference_success_interval
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


def success_interval(found):  # the notebook's solution
    per_task = found.mean(axis=1)
    return per_task.mean(), 1.96 * per_task.std(ddof=1) / np.sqrt(len(per_task))


RIGHT = [("check_cloning_step", cloning_step), ("check_cloning_step", cloning_step_tf),
         ("check_cloning_step", reference_cloning_step), ("check_success_interval", success_interval),
         ("check_success_interval", reference_success_interval)]

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
    ("check_success_interval", lambda f: (f.mean(), 1.96 * f.ravel().std(ddof=1) / np.sqrt(f.size)),
     "every episode as independent"),
    ("check_success_interval", lambda f: (f.mean(), 1.96 * f.mean(1).std() / np.sqrt(len(f))), "ddof=1"),
    ("check_success_interval", lambda f: (f.mean(), f.mean(1).std(ddof=1) / np.sqrt(len(f))),
     "standard error"),
    ("check_success_interval", lambda f: (f.mean(), 1.96 * f.mean(1).std(ddof=1)), "square root"),
    ("check_success_interval", lambda f: (f.mean(), 1.96 * f.mean(0).std(ddof=1) / np.sqrt(f.shape[1])),
     "interval over trials"),
    ("check_success_interval", lambda f: (f.mean(1).max(), 0.1), "fraction of successful"),
    ("check_success_interval", lambda f: f.mean(), "pair"),
    ("check_success_interval", lambda f: (f.mean(), success_interval(f)[1] * 1.1), "half-width differs"),
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


def test_interval_reference_by_hand():
    """Two tasks, rates 1 and 0.5: mean 0.75, sample sd 0.3536, half-width 1.96 * 0.3536 / sqrt(2) = 0.49."""
    rate, ci95 = reference_success_interval(np.array([[True, True], [True, False]]))
    assert rate == 0.75 and abs(ci95 - 0.49) < 1e-9
