"""Lessons 9 and 10's exercise checkers: the reference passes, the stub is "not yet implemented", each
planted wrong answer is caught with its sentence, and a crash is explained without a traceback."""

import numpy as np
from exercise_cases import checker_tests, crash_test

from lesson_lib import exercises
from lesson_lib.memorization import swap_supports
from lesson_lib.tasks import Episode


def meta_sgd_path(gradient, theta, alphas, steps, sign=1.0, fixed=False, inplace=False, alpha=None):
    phi = theta if inplace else [t.copy() for t in theta]
    g0 = gradient(theta)
    for _ in range(steps):
        g = g0 if fixed else gradient(phi)
        for j, (a, gj) in enumerate(zip(alphas, g, strict=True)):
            step = (a if alpha is None else alpha(a)) * gj
            if inplace:
                phi[j] -= sign * step
            else:
                phi[j] = phi[j] - sign * step
    return phi


def generated_layer(features, w):
    H = features.shape[1]
    return features @ w[:H].reshape(H, 1) + w[H]


def swap_by_kit(sx, sy, qx, qy):  # the package's own swap, through an Episode
    e = swap_supports(Episode(sx, sy, qx, qy))
    return e.support_x, e.support_y, e.query_x, e.query_y


def swap(sx, sy, qx, qy, shift=1, x=True, y=True):
    return (np.roll(sx, shift, 0) if x else sx), (np.roll(sy, shift, 0) if y else sy), qx, qy


def redraw(sx, qx, rng, per_point=False, query=True, support=True, same=False, draw=None, x=False):
    T, C = sx.shape[0], sx.shape[-1] - 1
    code = (draw or (lambda: rng.normal(size=(T, 1, C))))()
    if same:
        code = np.full_like(code, code.flat[0])

    def put(a, c):
        c = np.broadcast_to(c, (*a.shape[:2], C))
        return np.concatenate([a[..., :1] * (2 if x else 1), c], axis=-1)

    s_code = rng.normal(size=(*sx.shape[:2], C)) if per_point else code
    return (put(sx, s_code) if support else sx), (put(qx, code) if query else qx)


RIGHT = [("check_meta_sgd_path", meta_sgd_path), ("check_generated_layer", generated_layer),
         ("check_swap_supports", swap), ("check_swap_supports", lambda *a: swap(*a, shift=-1)),
         ("check_swap_supports", swap_by_kit), ("check_redraw_codes", redraw)]

WRONG = [  # (checker, a planted wrong answer, what the sentence must say)
    ("check_meta_sgd_path", lambda g, t, a, s: meta_sgd_path(g, t, a, min(s, 1)), "one step"),
    ("check_meta_sgd_path", lambda g, t, a, s: meta_sgd_path(g, t, a, s, fixed=True), "gradient at theta"),
    ("check_meta_sgd_path", lambda g, t, a, s: meta_sgd_path(g, t, a, s, sign=-1.0), "uphill"),
    ("check_meta_sgd_path", lambda g, t, a, s: meta_sgd_path(g, t, a, s, alpha=lambda x: x.mean()),
     "averaged"),
    ("check_meta_sgd_path", lambda g, t, a, s: meta_sgd_path(g, t, a, s, alpha=lambda x: 0.01),
     "fixed step"),
    ("check_meta_sgd_path", lambda g, t, a, s: meta_sgd_path(g, t, a, s, inplace=True), "in place"),
    ("check_meta_sgd_path", lambda g, t, a, s: [w.copy() for w in t], "still theta"),
    ("check_meta_sgd_path", lambda g, t, a, s: meta_sgd_path(g, t, a, s + 1), "differs"),
    ("check_meta_sgd_path", lambda g, t, a, s: meta_sgd_path(g, t, a, s)[0], "one adapted array per weight"),
    ("check_generated_layer", lambda f, w: generated_layer(f, w)[:, 0], r"shape \[Q, 1\]"),
    ("check_generated_layer", lambda f, w: f @ w[:f.shape[1]].reshape(-1, 1), "bias is missing"),
    ("check_generated_layer", lambda f, w: f @ w[1:].reshape(-1, 1) + w[0], "bias first"),
    ("check_generated_layer", lambda f, w: np.maximum(generated_layer(f, w), 0), "linear"),
    ("check_generated_layer", lambda f, w: generated_layer(f, w) * 2, "differs"),
    ("check_generated_layer", lambda f, w: f @ w[:-1], "shape"),
    ("check_swap_supports", lambda *a: a, "kept its own"),
    ("check_swap_supports", lambda sx, sy, qx, qy: (sx, sy, np.roll(qx, 1, 0), np.roll(qy, 1, 0)),
     "swapped the query sets"),
    ("check_swap_supports", lambda *a: swap(*a, x=False), "only the support outputs"),
    ("check_swap_supports", lambda *a: swap(*a, y=False), "only the support inputs"),
    ("check_swap_supports", lambda sx, sy, qx, qy: (sx[:, ::-1], sy[:, ::-1], qx, qy), "reorder points"),
    ("check_swap_supports", lambda sx, sy, qx, qy: (np.roll(sx, 1, 1), np.roll(sy, 1, 1), qx, qy),
     "reorder points"),
    ("check_swap_supports", lambda sx, sy, qx, qy: (sx[[1, 0, 2, 4, 3]], sy[[1, 0, 2, 4, 3]], qx, qy),
     "task 2 keeps"),
    ("check_swap_supports", lambda sx, sy, qx, qy: (sx[[1, 0, 0, 4, 3]], sy[[1, 0, 0, 4, 3]], qx, qy),
     "several tasks"),
    ("check_swap_supports", lambda sx, sy, qx, qy: (np.roll(sx, 1, 0), np.roll(sy, 2, 0), qx, qy),
     "not any task's support set"),
    ("check_swap_supports", lambda sx, sy, qx, qy: (sx, sy), "four arrays"),
    ("check_redraw_codes", lambda sx, qx, r: redraw(sx, qx, r, query=False), "only one of the two"),
    ("check_redraw_codes", lambda sx, qx, r: redraw(sx, qx, r, support=False), "only one of the two"),
    ("check_redraw_codes", lambda sx, qx, r: (sx.copy(), qx.copy()), "unchanged"),
    ("check_redraw_codes", lambda sx, qx, r: redraw(sx, qx, r, per_point=True), "point to point"),
    ("check_redraw_codes", lambda sx, qx, r: redraw(sx, qx, r, same=True), "same code"),
    ("check_redraw_codes", lambda sx, qx, r: redraw(sx, qx, r, x=True), "first column"),
    ("check_redraw_codes", lambda sx, qx, r: redraw(sx, qx, r, draw=lambda: r.uniform(
        0, 1, size=(sx.shape[0], 1, sx.shape[-1] - 1))), "N\\(0, 1\\)"),
    ("check_redraw_codes", lambda sx, qx, r: (lambda p: (sx[p], qx[p]))(r.permutation(sx.shape[0])),
     "first column"),
    ("check_redraw_codes", lambda sx, qx, r: redraw(sx, qx, r, draw=lambda: sx[r.permutation(
        sx.shape[0]), :1, 1:]), "shuffled the old codes"),
    ("check_redraw_codes", lambda sx, qx, r: sx, "two arrays"),
]

(test_the_reference_answer_passes, test_the_stub_is_not_yet_implemented,
 test_a_planted_wrong_answer_is_caught) = checker_tests(RIGHT, WRONG)


test_crash_is_one_sentence = crash_test(RIGHT)


def test_the_package_remedy_passes():
    """memorization.CodedTasks(shuffle=True), the remedy Lesson 10 measures, passes the checker."""
    from lesson_lib.memorization import CodedTasks
    from lesson_lib.tasks import Sinusoid, TaskPool

    def by_kit(sx, qx, rng):
        tasks = CodedTasks(TaskPool(Sinusoid(seed=0), 5), code_dim=sx.shape[-1] - 1, shuffle=True,
                           seed=int(rng.integers(1000)))
        T = sx.shape[0]
        e = tasks.coded(Episode(sx[..., :1], np.zeros((T, sx.shape[1], 1)), qx[..., :1],
                                np.zeros((T, qx.shape[1], 1)), {"index": np.zeros(T, int)}))
        return e.support_x, e.query_x

    assert exercises.check_redraw_codes(by_kit).passed
