"""Lesson 6's exercise checkers: the reference passes, the stub is "not yet implemented", each
planted wrong answer is caught with its sentence, and a crash is explained without a traceback."""

import numpy as np
import tensorflow as tf
from exercise_cases import checker_tests, crash_test

from lesson_lib.functional import loss_and_gradient, mse


def fomaml_task_loss(f, theta, sx, sy, qx, qy, alpha, steps, stop=True, sign=1.0, outer=None, first=None,
                     stop_phi=False):
    phi = list(theta)
    for _ in range(steps if first is None else first):
        _, grads = loss_and_gradient(f, phi, sx, sy, mse)
        if stop:
            grads = [tf.stop_gradient(g) for g in grads]
        phi = [w - sign * alpha * g for w, g in zip(phi, grads, strict=True)]
    if stop_phi:
        phi = [tf.stop_gradient(w) for w in phi]
    x, y = outer or (qx, qy)
    return mse(y, f(phi, x))


def half_stopped(f, theta, sx, sy, qx, qy, alpha, steps):  # stops the first weight's gradient only
    phi = list(theta)
    for _ in range(steps):
        _, grads = loss_and_gradient(f, phi, sx, sy, mse)
        grads = [tf.stop_gradient(grads[0])] + grads[1:]
        phi = [w - alpha * g for w, g in zip(phi, grads, strict=True)]
    return mse(qy, f(phi, qx))


def growth_exponent(k, cost):
    return np.polyfit(np.log(k), np.log(cost), 1)[0]


RIGHT = {"check_fomaml_task_loss": fomaml_task_loss, "check_growth_exponent": growth_exponent}

WRONG = [  # (checker, a planted wrong answer, what the sentence must say)
    ("check_fomaml_task_loss", lambda *a: fomaml_task_loss(*a, stop=False), "second-order one"),
    ("check_fomaml_task_loss", lambda *a: fomaml_task_loss(*a, stop_phi=True), "no gradient reaches theta"),
    ("check_fomaml_task_loss", half_stopped, "off first-order MAML's"),
    ("check_fomaml_task_loss", lambda *a: fomaml_task_loss(*a, first=1), "single inner step"),
    ("check_fomaml_task_loss", lambda *a: fomaml_task_loss(*a, first=0), "taken at theta itself"),
    ("check_fomaml_task_loss", lambda *a: fomaml_task_loss(*a, sign=-1.0), "uphill"),
    ("check_fomaml_task_loss", lambda f, t, sx, sy, qx, qy, a, s: fomaml_task_loss(
        f, t, sx, sy, qx, qy, a, s, outer=(sx, sy)), "support set"),
    ("check_fomaml_task_loss", lambda *a: tf.stack([fomaml_task_loss(*a)] * 2), "one number"),
    ("check_growth_exponent", lambda k, c: np.polyfit(k, c, 1)[0], "linear space"),
    ("check_growth_exponent", lambda k, c: np.polyfit(np.log(c), np.log(k), 1)[0], "swapped"),
    ("check_growth_exponent", lambda k, c: np.polyfit(k, np.log(c), 1)[0], "semi-log"),
    ("check_growth_exponent", lambda k, c: (np.log(c[-1]) - np.log(c[0])) / (np.log(k[-1]) - np.log(k[0])),
     "first and last points"),
    ("check_growth_exponent", lambda k, c: np.polyfit(np.log(k), np.log(c), 1), "keep the slope"),
    ("check_growth_exponent", lambda k, c: np.polyfit(np.log10(k), np.log(c), 1)[0],
     "least-squares fit gives"),
]


(test_the_reference_answer_passes, test_the_stub_is_not_yet_implemented,
 test_a_planted_wrong_answer_is_caught) = checker_tests(RIGHT.items(), WRONG)


test_crash_is_one_sentence = crash_test(RIGHT.items())
