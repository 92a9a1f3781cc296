"""Lessons 4 and 5's exercise checkers (Meta-LSTM's cell update and gradient preprocessing, the
CNP's aggregation and prediction): the reference passes, the stub is "not yet implemented", each
planted wrong answer is caught with its sentence, and a crash is a sentence, not a traceback."""


import numpy as np
import tensorflow as tf
from exercise_cases import checker_tests

from lesson_lib import exercises
from lesson_lib.learners.mapping import aggregate, decode
from lesson_lib.learners.meta_lstm import cell_update, preprocess


def cell_update_numpy(c, f, i, g):
    return f * c - i * g


def preprocess_numpy(x, p):
    large = np.abs(x) >= np.exp(-p)
    safe = np.where(large, np.abs(x), 1.0)
    return np.stack([np.where(large, np.log(safe) / p, -1.0), np.where(large, np.sign(x), np.exp(p) * x)], -1)


def preprocess_with(first_large=None, second_large=None, first_small=None, second_small=None, threshold=None):
    """The formula with one part replaced: each argument is a function of (x, p)."""
    def answer(x, p):
        large = np.abs(x) >= (threshold(p) if threshold else np.exp(-p))
        with np.errstate(all="ignore"):
            parts = [(first_large or (lambda x, p: np.log(np.abs(x)) / p))(x, p),
                     (second_large or (lambda x, p: np.sign(x)))(x, p),
                     (first_small or (lambda x, p: -np.ones_like(x)))(x, p),
                     (second_small or (lambda x, p: np.exp(p) * x))(x, p)]
        return np.stack([np.where(large, parts[0], parts[2]), np.where(large, parts[1], parts[3])], -1)
    return answer


def preprocess_swapped(x, p):  # the condition the wrong way round
    small = np.abs(x) < np.exp(-p)
    with np.errstate(all="ignore"):
        return np.stack([np.where(small, np.log(np.abs(x)) / p, -1.0),
                         np.where(small, np.sign(x), np.exp(p) * x)], -1)


def aggregate_numpy(h, x, y):
    return h(np.concatenate([x, y], axis=-1)).mean(axis=1)


def aggregate_loop(h, x, y):  # one task at a time, written with TensorFlow
    return tf.stack([tf.reduce_mean(h(tf.concat([x[t], y[t]], axis=-1)), axis=0) for t in range(x.shape[0])])


def decode_numpy(g, r, x):
    return g(np.concatenate([np.broadcast_to(r, (len(x), len(r))), x], axis=-1))


RIGHT = [("check_cell_update", cell_update_numpy), ("check_cell_update", cell_update),
         ("check_preprocess", preprocess_numpy), ("check_preprocess", lambda x, p: preprocess(x, p)),
         ("check_aggregate", aggregate_numpy), ("check_aggregate", aggregate_loop),
         ("check_aggregate", aggregate), ("check_decode", decode_numpy), ("check_decode", decode)]

WRONG = [  # (checker, a planted wrong answer, what the sentence must say)
    ("check_cell_update", lambda c, f, i, g: f * c + i * g, "along\\* the gradient"),
    ("check_cell_update", lambda c, f, i, g: i * c - f * g, "gates are swapped"),
    ("check_cell_update", lambda c, f, i, g: f * (c - i * g), "forget gate also scales the gradient"),
    ("check_cell_update", lambda c, f, i, g: c - f * i * g, "forget gate also scales the gradient"),
    ("check_cell_update", lambda c, f, i, g: c - i * g, "left out the forget gate"),
    ("check_cell_update", lambda c, f, i, g: f * c - g, "not scaled by the input gate"),
    ("check_cell_update", lambda c, f, i, g: f * c - i * g * 1.01, "differs from"),
    ("check_cell_update", lambda c, f, i, g: [f * c - i * g], "one array"),
    ("check_cell_update", lambda c, f, i, g: (f * c - i * g)[0], "shape \\(3, 5\\)"),
    ("check_preprocess", preprocess_swapped, "branches are swapped"),
    ("check_preprocess", preprocess_with(threshold=lambda p: np.exp(p)), "branches are swapped"),
    ("check_preprocess", preprocess_with(first_large=lambda x, p: np.log(np.abs(x))), "divide the log by p"),
    ("check_preprocess", preprocess_with(second_large=lambda x, p: x), "its sign"),
    ("check_preprocess", preprocess_with(second_small=lambda x, p: x), "not x: scaled"),
    ("check_preprocess", preprocess_with(first_small=lambda x, p: np.zeros_like(x)), "jumps at the boundary"),
    ("check_preprocess", preprocess_with(first_large=lambda x, p: np.log(x) / p), "magnitude \\|x\\|"),
    ("check_preprocess", lambda x, p: np.stack([np.log(np.abs(x)) / p, np.sign(x)], -1), "not finite"),
    ("check_preprocess", lambda x, p: preprocess_numpy(x, p).T, "new \\*last\\* axis"),
    ("check_preprocess", lambda x, p: preprocess_numpy(x, 10.0), "argument p"),
    ("check_preprocess", preprocess_with(threshold=lambda p: 1e-3), "differs from the formula"),
    ("check_preprocess", lambda x, p: None, "returned nothing"),
    ("check_preprocess", lambda x, p: 0.0, "single number"),
    ("check_aggregate", lambda h, x, y: h(np.concatenate([x, y], -1)).sum(axis=1), "summed"),
    ("check_aggregate", lambda h, x, y: h(np.concatenate([x, y], -1)).mean(axis=0), "over the tasks"),
    ("check_aggregate", lambda h, x, y: h(np.concatenate([x, y], -1)).mean(axis=-1), "features"),
    ("check_aggregate", lambda h, x, y: h(np.concatenate([x, y], -1)), "K encodings"),
    ("check_aggregate", lambda h, x, y: h(np.concatenate([x, y], -1)).mean(axis=(0, 1)), "every task's"),
    ("check_aggregate", lambda h, x, y: np.broadcast_to(h(np.concatenate([x, y], -1)).mean(axis=(0, 1)),
                                                        (x.shape[0], 5)), "same r"),
    ("check_aggregate", lambda h, x, y: h(np.concatenate([x, y], -1).reshape(x.shape[1], x.shape[0], -1))
     .mean(axis=0), "tasks are mixed"),
    ("check_aggregate", lambda h, x, y: h(np.concatenate([x, y], -1).mean(axis=1)), "encode each pair"),
    ("check_aggregate", lambda h, x, y: h(np.concatenate([y, x], -1)).mean(axis=1), "\\[x, y\\], x first"),
    ("check_aggregate", lambda h, x, y: h(np.concatenate([x, y], -1))[:, -1], "shuffled"),
    ("check_aggregate", lambda h, x, y: h(np.concatenate([x, y], -1)).sum(axis=1) / 6, "twice"),
    ("check_aggregate", lambda h, x, y: np.median(h(np.concatenate([x, y], -1)), axis=1), "differs"),
    ("check_decode", lambda g, r, x: g(np.concatenate([x, np.tile(r, (len(x), 1))], -1)), "r first"),
    ("check_decode", lambda g, r, x: decode_numpy(g, r, x)[:, 0], "output axis"),
    ("check_decode", lambda g, r, x: decode_numpy(g, r, x)[:3], "one prediction per query"),
    ("check_decode", lambda g, r, x: decode_numpy(g, r, np.broadcast_to(x.mean(0), x.shape)),
     "same prediction"),
    ("check_decode", lambda g, r, x: decode_numpy(g, r, x - x.mean(0) + 0.1), "other queries"),
    ("check_decode", lambda g, r, x: decode_numpy(g, 2 * r, x), "differ from g"),
    ("check_decode", lambda g, r, x: print(g(np.c_[np.tile(r, (len(x), 1)), x])), "returned nothing"),
]

(test_the_reference_answer_passes, test_the_stub_is_not_yet_implemented,
 test_a_planted_wrong_answer_is_caught) = checker_tests(RIGHT, WRONG)


def test_a_crash_is_a_sentence_not_a_traceback():
    def ignores_x(g, r, x):
        return g(np.tile(r, (len(x), 1)))  # forgets to put x beside r

    feedback = exercises.check_decode(ignores_x)
    assert feedback.status == "error" and "line 2 of your function" in feedback.message, feedback
    assert "the decoder g takes [r, x]" in feedback.message
    assert exercises.check_aggregate("aggregate").status == "wrong"  # a name, not the function
