"""Every exercise checker: the reference answer passes, the stub reports "not yet implemented",
each planted wrong answer is caught with its sentence, and a crash in the student's code is
explained without a traceback."""


import numpy as np
import tensorflow as tf
from exercise_cases import checker_tests

from lesson_lib import exercises
from lesson_lib.functional import loss_and_gradient, mse


def sgd_step(weights, grads, alpha):
    return [w - alpha * g for w, g in zip(weights, grads, strict=True)]


def maml_task_loss(f, theta, sx, sy, qx, qy, alpha, second_order=True, outer=None, step=None):
    _, grads = loss_and_gradient(f, theta, sx, sy, mse)
    if not second_order:
        grads = [tf.stop_gradient(g) for g in grads]
    phi = (step or sgd_step)(theta, grads, alpha)
    x, y = outer or (qx, qy)
    return mse(y, f(phi, x))


def reptile_update(theta, phis, epsilon):
    return [t + epsilon * (np.mean([phi[i] for phi in phis], axis=0) - t) for i, t in enumerate(theta)]


def reptile_aliased(theta, phis, epsilon):  # the article's pattern: the average lands on theta itself
    for t in theta:
        t += t / len(phis)
    return theta


def epsilon_at(i, epsilon, epsilon_final, n):
    return epsilon + (epsilon_final - epsilon) * min(i / n, 1.0)


def prototypes(z, y):
    return (y.T @ z) / y.sum(axis=0)[:, None]


def logits(z, c):
    return -((z[:, None, :] - c[None, :, :]) ** 2).sum(-1)


RIGHT = {"check_sgd_step": sgd_step, "check_maml_task_loss": maml_task_loss,
         "check_reptile_update": reptile_update, "check_epsilon_schedule": epsilon_at,
         "check_prototypes": prototypes, "check_protonet_logits": logits}

WRONG = [  # (checker, a planted wrong answer, what the sentence must say)
    ("check_sgd_step", lambda w, g, a: sgd_step(w, g, -a), "along\\* the gradient"),
    ("check_sgd_step", lambda w, g, a: [x - y for x, y in zip(w, g, strict=True)], "ignores alpha"),
    ("check_sgd_step", lambda w, g, a: [tf.constant(x.numpy()) for x in sgd_step(w, g, a)],
     "not differentiable"),
    ("check_sgd_step", lambda w, g, a: w[0] - a * g[0], "one updated tensor per weight"),
    ("check_maml_task_loss", lambda *a: maml_task_loss(*a, second_order=False),
     "misses the second-order term"),
    ("check_maml_task_loss", lambda f, t, sx, sy, qx, qy, a: maml_task_loss(f, t, sx, sy, qx, qy, a,
                                                                              outer=(sx, sy)),
     "measured on the support set"),
    ("check_maml_task_loss", lambda f, t, sx, sy, qx, qy, a: mse(qy, f(t, qx)), "taken at theta itself"),
    ("check_maml_task_loss", lambda f, t, sx, sy, qx, qy, a: maml_task_loss(
        f, t, sx, sy, qx, qy, a, step=lambda w, g, al: sgd_step(w, g, -al)), "goes uphill"),
    ("check_maml_task_loss", lambda f, t, sx, sy, qx, qy, a: mse(
        qy, f.model(qx)) + 0 * float(maml_task_loss(f, t, sx, sy, qx, qy, a)), "taken at theta itself"),
    ("check_reptile_update", lambda t, p, e: [np.mean([x[i] for x in p], axis=0) for i in range(len(t))],
     "epsilon = 1 case"),
    ("check_reptile_update", lambda t, p, e: [x - e * (np.mean([q[i] for q in p], axis=0) - x)
                                              for i, x in enumerate(t)], "away"),
    ("check_reptile_update", lambda t, p, e: [x + e * np.sum([q[i] - x for q in p], axis=0)
                                              for i, x in enumerate(t)], "summed"),
    ("check_reptile_update", reptile_aliased, "in place"),
    ("check_reptile_update", lambda t, p, e: [x + e * (p[-1][i] - x) for i, x in enumerate(t)], "last task"),
    ("check_epsilon_schedule", lambda i, e, f, n: e + (f - e) * i / n, "stay at epsilon_final"),
    ("check_epsilon_schedule", lambda i, e, f, n: f + (e - f) * min(i / n, 1.0), "epsilon grows"),
    ("check_prototypes", lambda z, y: y.T @ z, "sums"),
    ("check_prototypes", lambda z, y: z.reshape(y.shape[1], -1, z.shape[1]).mean(axis=1), "shuffled"),
    ("check_prototypes", lambda z, y: z.mean(axis=0), "one prototype per class"),
    ("check_protonet_logits", lambda z, c: -logits(z, c), "negate"),
    ("check_protonet_logits", lambda z, c: -np.sqrt(-logits(z, c)), "squared"),
    ("check_protonet_logits", lambda z, c: logits(z, c).T, "shape"),
]


def test_every_checker_is_tested(root):
    """The checkers above are tested here with planted wrong answers; every other checker the
    package exports is named in one of the other tests/test_exercises_*.py files."""
    exported = {name for name in dir(exercises) if name.startswith("check_")}
    elsewhere = " ".join(p.read_text() for p in (root / "tests").glob("test_exercises_*.py"))
    untested = {name for name in exported - set(RIGHT) if name not in elsewhere}
    assert set(RIGHT) <= exported and not untested, untested


(test_the_reference_answer_passes, test_the_stub_is_not_yet_implemented,
 test_a_planted_wrong_answer_is_caught) = checker_tests(RIGHT.items(), WRONG)


def test_a_crash_is_a_sentence_not_a_traceback():
    def broken(weights, grads, alpha):
        return [w - alpha * g for w, g in zip(weights, grads, strict=True)][7]

    feedback = exercises.check_sgd_step(broken)
    assert feedback.status == "error" and not feedback.passed
    assert feedback.message == ("your function raised IndexError: list index out of range "
                                "(line 2 of your function)")
    assert exercises.check_sgd_step("sgd_step").status == "wrong"  # a name, not the function
