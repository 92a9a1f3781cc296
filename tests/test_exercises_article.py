"""Lesson 8's exercises (fix the article's Reptile and MAML patterns): the reference passes, the stub
is "not yet implemented", each planted wrong answer (the article's own bugs among them) gets its
sentence, and a crash is explained without a traceback."""


import numpy as np
import pytest
import tensorflow as tf
from exercise_cases import checker_tests

from lesson_lib import exercises
from lesson_lib.article import (
    article_reptile,
    fine_tune_in_place,
    maml_meta_gradient,
    pattern_meta_gradient,
    reptile_meta_step,
    restore,
    snapshot,
    task,
)
from lesson_lib.functional import FunctionalModel, loss_and_gradient, mse


def reptile(model, episode, alpha, inner_steps, epsilon, reset=True, alias=False, copies=True,
            step=None, write=True):
    variables = model.trainable_variables
    theta = list(variables) if alias else [tf.identity(v) for v in variables]
    phis = []
    for i in range(episode.num_tasks):
        if reset:
            for v, t in zip(variables, theta, strict=True):
                v.assign(t)
        fine_tune_in_place(model, episode.support_x[i], episode.support_y[i], inner_steps, alpha)
        phis.append([tf.identity(v) for v in variables] if copies else list(variables))
    start = [tf.identity(t) for t in theta]
    mean = [tf.reduce_mean(tf.stack([tf.identity(phi[j]) for phi in phis]), axis=0)
            for j in range(len(start))]
    new = [t + (step or epsilon) * (m - t) for t, m in zip(start, mean, strict=True)]
    if write:
        for v, value in zip(variables, new, strict=True):
            v.assign(value)


def reptile_sum(model, episode, alpha, inner_steps, epsilon):
    reptile(model, episode, alpha, inner_steps, epsilon, step=epsilon * episode.num_tasks)


def crash(*args):
    return 1 / 0


REPTILE_WRONG = [
    (lambda m, e, a, k, eps: article_reptile(m, e, a, k), "article's pattern.*1 \\+ 1/T"),
    (lambda m, e, a, k, eps: reptile(m, e, a, k, eps, reset=False), "where the previous one ended"),
    (lambda m, e, a, k, eps: reptile(m, e, a, k, eps, alias=True), "not copies of their values"),
    (lambda m, e, a, k, eps: reptile(m, e, a, k, eps, step=1.0), "epsilon = 1 case"),
    (lambda m, e, a, k, eps: reptile(m, e, a, k, eps, copies=False), "only the last task"),
    (reptile_sum, "summed"),
    (lambda m, e, a, k, eps: reptile(m, e, a, k, eps, step=-eps), "\\*away\\*"),
    (lambda m, e, a, k, eps: reptile(m, e, a, k, eps, write=False), "last task's fine-tuned weights"),
    (lambda m, e, a, k, eps: None, "did not change"),
]


def maml(model, episode, alpha, second_order=True, outer="query", reset=True, scale=1.0):
    f = FunctionalModel(model)
    theta = f.theta()
    with tf.GradientTape() as tape:
        tape.watch(theta)
        phi, losses = theta, []
        for i in range(episode.num_tasks):
            sx, sy, qx, qy = task(episode, i)
            start = theta if reset else phi
            _, grads = loss_and_gradient(f, start, sx, sy, mse)
            if not second_order:
                grads = [tf.stop_gradient(g) for g in grads]
            phi = [p - alpha * g for p, g in zip(start, grads, strict=True)]
            x, y = (qx, qy) if outer == "query" else (sx, sy)
            losses.append(mse(y, f(phi, x)))
        loss = scale * tf.reduce_mean(losses)
    return tape.gradient(loss, theta)


def maml_none(model, episode, alpha):
    theta = tf.Variable(tf.zeros(model.trainable_variables[0].shape, model.trainable_variables[0].dtype))
    with tf.GradientTape() as tape:
        loss = mse(episode.query_y[0], model(episode.query_x[0], training=theta))
    return [tape.gradient(loss, theta)]


def maml_changes_model(model, episode, alpha):
    grads = maml(model, episode, alpha)
    fine_tune_in_place(model, episode.support_x[0], episode.support_y[0], 1, alpha)
    return grads


MAML_WRONG = [
    (lambda m, e, a: pattern_meta_gradient(m, e, a), "article's pattern"),
    (lambda m, e, a: pattern_meta_gradient(m, e, a, reset=True, split=True), "first-order"),
    (lambda m, e, a: maml(m, e, a, second_order=False), "first-order"),
    (lambda m, e, a: maml(m, e, a, outer="support"), "support set again"),
    (lambda m, e, a: maml(m, e, a, reset=False), "previous task's adapted weights"),
    (lambda m, e, a: maml(m, e, a, scale=3.0), "summed"),
    (maml_none, "gradient is None"),
    (maml_changes_model, "changed the model's weights"),
    (lambda m, e, a: [g[:1] for g in maml(m, e, a)], "one gradient per trainable variable"),
]


RIGHT = [("check_reptile_meta_step", reptile), ("check_reptile_meta_step", reptile_meta_step),
         ("check_maml_meta_gradient", maml),
         ("check_maml_meta_gradient", lambda m, e, a: maml_meta_gradient(m, e, a)[1])]
WRONG = ([("check_reptile_meta_step", answer, says) for answer, says in REPTILE_WRONG]
         + [("check_maml_meta_gradient", answer, says) for answer, says in MAML_WRONG])
(test_the_reference_answer_passes, test_the_stub_is_not_yet_implemented,
 test_a_planted_wrong_answer_is_caught) = checker_tests(RIGHT, WRONG)


@pytest.mark.parametrize("check", [exercises.check_reptile_meta_step, exercises.check_maml_meta_gradient])
def test_a_crash_is_a_sentence(check):
    feedback = check(crash)
    assert feedback.status == "error" and "ZeroDivisionError" in feedback.message, feedback


def test_reptile_checker_leaves_no_state_behind():
    """Two runs of a checker give the same verdict (the models are built fresh each time)."""
    first = exercises.check_reptile_meta_step(reptile)
    assert first == exercises.check_reptile_meta_step(reptile)


def test_helpers_do_not_drift():
    model = __import__("lesson_lib.models", fromlist=["mlp"]).mlp(hidden=(3,), dtype="float64")
    before = snapshot(model)
    restore(model, [2 * t for t in before])
    assert np.allclose(snapshot(model)[0], 2 * before[0])
