"""The exercises of Lessons 0 and 1 (a task's data, the SGD path, the pretraining loss,
fine-tuning): the reference answer passes, the stub is "not yet implemented", each planted
wrong answer is caught with its sentence, and a crash is a sentence, not a traceback."""


import keras
import numpy as np
import tensorflow as tf
from exercise_cases import checker_tests

from lesson_lib import exercises
from lesson_lib.functional import FunctionalModel, loss_and_gradient, mse


def task_data(amplitude, phase, support_x, query_x):
    return amplitude * np.sin(support_x - phase), amplitude * np.sin(query_x - phase)


def sgd_path(f, theta, x, y, steps, alpha, start=None, sign=1.0, count=None, keep_first=True, at=None):
    phi, path = list(theta), [list(theta)] if keep_first else []
    for _ in range(steps if count is None else count):
        _, grads = loss_and_gradient(f, at or phi, x, y, mse)
        phi = [p - sign * alpha * g for p, g in zip(phi, grads, strict=True)]
        path.append(phi)
    return path


def sgd_path_in_place(f, theta, x, y, steps, alpha):  # variables updated in place, appended each step
    phi = [tf.Variable(t) for t in theta]
    path = [phi]
    for _ in range(steps):
        _, grads = loss_and_gradient(f, [tf.convert_to_tensor(p) for p in phi], x, y, mse)
        for p, g in zip(phi, grads, strict=True):
            p.assign_sub(alpha * g)
        path.append(phi)
    return path


def pretraining_loss(f, theta, sx, sy, qx, qy, parts=None, reduce=tf.reduce_mean):
    x = tf.reshape(tf.concat([sx, qx], axis=1), [-1, 1]) if parts is None else tf.reshape(parts[0], [-1, 1])
    y = tf.reshape(tf.concat([sy, qy], axis=1), [-1, 1]) if parts is None else tf.reshape(parts[1], [-1, 1])
    return reduce(tf.square(f(theta, x) - y))


def per_task(f, theta, sx, sy, qx, qy, combine):
    return combine([mse(tf.concat([sy[i], qy[i]], 0), f(theta, tf.concat([sx[i], qx[i]], 0)))
                    for i in range(sx.shape[0])])


def fine_tune(model, sx, sy, qx, qy, steps, alpha, train=None, sign=1.0, start=None, score=None):
    f = FunctionalModel(model)
    phi = f.theta() if start is None else start(model)
    x, y = train or (sx, sy)
    for _ in range(steps):
        _, grads = loss_and_gradient(f, phi, x, y, mse)
        phi = [p - sign * alpha * g for p, g in zip(phi, grads, strict=True)]
    at, (x, y) = (phi, (qx, qy)) if score is None else score(f, phi, (sx, sy, qx, qy))
    return phi, mse(y, f(at, x))


def fine_tune_in_place(model, sx, sy, qx, qy, steps, alpha):
    f = FunctionalModel(model)
    for _ in range(steps):
        _, grads = loss_and_gradient(f, f.theta(), sx, sy, mse)
        for v, g in zip(model.trainable_variables, grads, strict=True):
            v.assign_sub(alpha * g)
    return f.theta(), mse(qy, f(f.theta(), qx))


def random_start(model):
    return FunctionalModel(keras.models.clone_model(model)).theta()


RIGHT = {"check_task_data": task_data, "check_sgd_path": sgd_path, "check_pretraining_loss": pretraining_loss,
         "check_fine_tune": fine_tune}

WRONG = [  # (checker, a planted wrong answer, what the sentence must say)
    ("check_task_data", lambda A, p, s, q: (A * np.sin(s + p), A * np.sin(q + p)), r"sin\(x \+ phase\)"),
    ("check_task_data", lambda A, p, s, q: task_data(p, A, s, q), "swapped: A multiplies"),
    ("check_task_data", lambda A, p, s, q: task_data(A, np.deg2rad(p), s, q), "radians"),
    ("check_task_data", lambda A, p, s, q: task_data(A, p, np.deg2rad(s), np.deg2rad(q)), "radians"),
    ("check_task_data", lambda A, p, s, q: (A * np.cos(s - p), A * np.cos(q - p)), "cosine"),
    ("check_task_data", lambda A, p, s, q: task_data(1.0, p, s, q), "amplitude is missing"),
    ("check_task_data", lambda A, p, s, q: (A * np.sin(s) - p, A * np.sin(q) - p), "outside the sine"),
    ("check_task_data", lambda A, p, s, q: task_data(A, p, s, q)[::-1], "swapped: return"),
    ("check_task_data", lambda A, p, s, q: tuple(y.ravel() for y in task_data(A, p, s, q)), r"shape \(5,\)"),
    ("check_task_data", lambda A, p, s, q: np.concatenate(task_data(A, p, s, q)), "two arrays"),
    ("check_task_data", lambda A, p, s, q: (task_data(A, p, s, q)[0], task_data(2 * A, p, s, q)[1]),
     "same task"),
    ("check_sgd_path", lambda *a: sgd_path(*a, keep_first=False), "misses its start"),
    ("check_sgd_path", lambda f, t, x, y, s, a: sgd_path(f, t, x, y, s, a, count=s + 1), "took 5 steps"),
    ("check_sgd_path", lambda f, t, x, y, s, a: sgd_path(f, t, x, y, s, a, count=s - 1), "took 3 steps"),
    ("check_sgd_path", lambda *a: sgd_path(*a, sign=-1.0), r"\*uphill\*"),
    ("check_sgd_path", lambda f, t, x, y, s, a: sgd_path(f, t, x, y, s, 1.0), "ignore alpha"),
    ("check_sgd_path", lambda f, t, x, y, s, a: sgd_path(f, t, x, y, s, a, at=list(t)), "gradient at theta"),
    ("check_sgd_path", sgd_path_in_place, "in-place update"),
    ("check_sgd_path", lambda *a: sgd_path(*a)[-1], "one entry per point"),
    ("check_pretraining_loss", lambda f, t, sx, sy, qx, qy: per_task(f, t, sx, sy, qx, qy, tf.add_n),
     "summed the tasks"),
    ("check_pretraining_loss", lambda *a: pretraining_loss(*a, reduce=tf.reduce_sum), "summed the squared"),
    ("check_pretraining_loss", lambda f, t, sx, sy, qx, qy: pretraining_loss(f, t, sx, sy, qx, qy, (sx, sy)),
     "only the support"),
    ("check_pretraining_loss", lambda f, t, sx, sy, qx, qy: pretraining_loss(f, t, sx, sy, qx, qy, (qx, qy)),
     "only the query"),
    ("check_pretraining_loss", lambda f, t, sx, sy, qx, qy: (
        pretraining_loss(f, t, sx, sy, qx, qy, (sx, sy))
        + pretraining_loss(f, t, sx, sy, qx, qy, (qx, qy))) / 2,
     "averaged the support loss and the query loss"),
    ("check_pretraining_loss", lambda f, t, sx, sy, qx, qy: per_task(f, t, sx, sy, qx, qy, tf.stack),
     "one loss per task"),
    ("check_pretraining_loss", lambda *a: tf.sqrt(pretraining_loss(*a)), "root mean squared"),
    ("check_pretraining_loss", lambda f, t, *a: pretraining_loss(f, [tf.constant(w.numpy()) for w in t], *a),
     "does not depend on theta"),
    ("check_fine_tune", lambda m, sx, sy, qx, qy, s, a: fine_tune(m, sx, sy, qx, qy, s, a, train=(qx, qy)),
     "fine-tuned on the query set"),
    ("check_fine_tune", lambda m, sx, sy, qx, qy, s, a: fine_tune(
        m, sx, sy, qx, qy, s, a, train=(np.concatenate([sx, qx]), np.concatenate([sy, qy]))),
     "support and query points together"),
    ("check_fine_tune", lambda *a: fine_tune(*a, sign=-1.0), r"\*uphill\*"),
    ("check_fine_tune", lambda m, sx, sy, qx, qy, s, a: fine_tune(m, sx, sy, qx, qy, s, 1.0), "ignore alpha"),
    ("check_fine_tune", lambda m, sx, sy, qx, qy, s, a: fine_tune(m, sx, sy, qx, qy, s + 1, a),
     "took 4 steps"),
    ("check_fine_tune", lambda *a: fine_tune(*a, start=random_start), "does not start from the model"),
    ("check_fine_tune", fine_tune_in_place, "changed the pretrained model's weights in place"),
    ("check_fine_tune", lambda *a: fine_tune(*a, score=lambda f, phi, d: (phi, d[:2])),
     "measured on the support points"),
    ("check_fine_tune", lambda *a: fine_tune(*a, score=lambda f, phi, d: (f.theta(), d[2:])),
     "measured with the pretrained weights"),
    ("check_fine_tune", lambda *a: fine_tune(*a)[0], "return two things"),
]


(test_the_reference_answer_passes, test_the_stub_is_not_yet_implemented,
 test_a_planted_wrong_answer_is_caught) = checker_tests(RIGHT.items(), WRONG)


def test_a_crash_is_a_sentence_not_a_traceback():
    def fine_tune(model, sx, sy, qx, qy, steps, alpha):
        return model.weights[99], 0.0

    feedback = exercises.check_fine_tune(fine_tune)
    assert feedback.status == "error" and feedback.message.startswith("your function raised IndexError")
    assert "(line 2 of your function)" in feedback.message
