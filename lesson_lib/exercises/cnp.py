"""Exercises: a Conditional Neural Process's aggregation r = (1/K) sum_k h([x_k, y_k]) and its
prediction y* = g([r, x*]) (Lesson 5, Garnelo et al. 2018). The references are the package's own
`aggregate` and `decode` (lesson_lib.learners.mapping), run with the same small networks h, g."""

from functools import partial

import numpy as np

from ..i18n import N_, _, translate
from ..learners.mapping import aggregate as reference_aggregate
from ..learners.mapping import decode as reference_decode
from .compare import close, largest_difference, one_array
from .feedback import call, checker, wrong


class _Network:
    """A small fixed MLP standing in for the CNP's encoder h or decoder g: takes an array (or
    tensor) [..., inputs] and returns a float64 array [..., outputs]; it says clearly when it is
    given the wrong number of inputs (`complaint`, a sentence marked with N_ whose {inputs} and
    {shape} are filled in when it is said)."""

    def __init__(self, inputs, outputs, seed, complaint):
        rng = np.random.default_rng(seed)
        self.inputs, self.complaint = inputs, complaint
        self.w1, self.b1 = rng.normal(size=(inputs, 8)), rng.normal(size=8)
        self.w2 = rng.normal(size=(8, outputs)) / 3

    def __call__(self, z):
        z = np.asarray(z, dtype=np.float64)
        if z.shape[-1] != self.inputs:
            raise ValueError(translate(self.complaint).format(inputs=self.inputs, shape=z.shape))
        return np.tanh(z @ self.w1 + self.b1) @ self.w2


_array = partial(one_array, sequences=False)  # one array per call, never a list of them


X_DIM, Y_DIM, WIDTH = 2, 1, 5


@checker(N_("CNP's aggregation"))
def check_aggregate(aggregate):
    """aggregate(h, x [T, K, x_dim], y [T, K, y_dim]) -> r [T, width]: for each task, the mean over
    its K examples of the encodings h([x_k, y_k])."""
    h = _Network(X_DIM + Y_DIM, WIDTH, 5, N_("the encoder h takes a pair [x, y], {inputs} numbers on the "
                                             "last axis; it was given an array of shape {shape}"))
    per_task = _("r, one row per task")
    rng = np.random.default_rng(6)
    T, K = 4, 6
    x, y = rng.uniform(-2, 2, (T, K, X_DIM)), rng.normal(size=(T, K, Y_DIM))
    kept = x.copy(), y.copy()
    got = _array(call(aggregate, h, x, y), per_task)
    if not (np.array_equal(x, kept[0]) and np.array_equal(y, kept[1])):
        wrong(_("your function changed x or y in place: leave the support set as it is"))
    expected = np.asarray(reference_aggregate(h, x, y))
    encodings = h(np.concatenate([x, y], axis=-1))  # [T, K, width]
    if got.shape == (K, WIDTH) and close(got, encodings.mean(axis=0)):
        wrong(_("you averaged over the tasks (axis 0), not over each task's K examples (axis 1): r must "
                "have one row per task"))
    if got.shape == (T, K) and close(got, encodings.mean(axis=-1)):
        wrong(_("you averaged each encoding's features (the last axis); average over the K examples "
                "(axis 1, or -2), keeping the features"))
    if got.shape == (T, K, WIDTH):
        wrong(_("these are the K encodings of each task; r averages them over the examples: one row per "
                "task, shape [T, width]"))
    if got.shape in ((WIDTH,), (1, WIDTH)) and close(got.reshape(-1), encodings.mean(axis=(0, 1))):
        wrong(_("you averaged every task's examples together: each task needs its own r, from its own "
                "examples only"))
    if got.shape != (T, WIDTH):
        wrong(_("return one r per task, shape [T, width] = {want}; got shape {got}",
                want=(T, WIDTH), got=got.shape))
    if close(got, K * expected):
        wrong(_("you summed the encodings: average them (divide by K), so r does not grow with the number "
                "of examples"))
    if close(got, h(np.concatenate([x, y], axis=-1).mean(axis=1))):
        wrong(_("you averaged the examples first and then encoded the mean; encode each pair [x_k, y_k] "
                "first, then average the encodings"))
    if close(got, h(np.concatenate([y, x], axis=-1)).mean(axis=1)):
        wrong(_("the encoder takes each pair as [x, y], x first: concatenate in that order"))
    if np.allclose(got, got[:1]):
        wrong(_("every task got the same r: the tasks are mixed; average each task's examples on their "
                "own"))
    other = x.copy(), y.copy()
    other[0][1], other[1][1] = rng.uniform(-2, 2, (K, X_DIM)), rng.normal(size=(K, Y_DIM))
    moved = _array(call(aggregate, h, *other), per_task)
    if moved.shape == got.shape and not close(np.delete(moved, 1, axis=0), np.delete(got, 1, axis=0)):
        wrong(_("changing task 1's examples changed the other tasks' r: the tasks are mixed; average each "
                "task's examples on their own"))
    order = rng.permutation(K)
    shuffled = _array(call(aggregate, h, x[:, order], y[:, order]), per_task)
    if not close(shuffled, got):
        wrong(_("r changed when the examples were shuffled: a mean over the K examples does not depend on "
                "their order"))
    if not close(got, expected):
        wrong(_("r differs from the mean over the K examples of h([x_k, y_k]) (largest difference "
                "{diff:.3g})", diff=largest_difference(got, expected)))
    doubled = _array(call(aggregate, h, np.concatenate([x, x], 1), np.concatenate([y, y], 1)), per_task)
    if not close(doubled, expected):
        wrong(_("with every example given twice (K doubled) r changed: it must be the mean, which does "
                "not depend on the number of examples"))
    return _("correct: each task's r is the mean of its own encodings, blind to the order and to the "
             "number of examples")


@checker(N_("CNP's prediction"))
def check_decode(decode):
    """decode(g, r [width], x [Q, x_dim]) -> [Q, y_dim]: the decoder g applied to [r, x_q] for each
    query x_q."""
    g = _Network(WIDTH + X_DIM, Y_DIM, 7, N_("the decoder g takes [r, x]: r first, then x, {inputs} numbers "
                                             "on the last axis; it was given an array of shape {shape}"))
    per_query = _("one prediction per query")
    rng = np.random.default_rng(8)
    Q = 7
    r, x = rng.normal(size=WIDTH), rng.uniform(-2, 2, (Q, X_DIM))
    kept = r.copy(), x.copy()
    got = _array(call(decode, g, r, x), per_query)
    if not (np.array_equal(r, kept[0]) and np.array_equal(x, kept[1])):
        wrong(_("your function changed r or x in place: leave them as they are"))
    expected = np.asarray(reference_decode(g, r, x))
    if got.shape == (Q,) and close(got, expected[:, 0]):
        wrong(_("keep the output axis: one row per query, shape [Q, y_dim] = {want}", want=expected.shape))
    if got.shape != expected.shape:
        wrong(_("return one prediction per query, shape [Q, y_dim] = {want}; got {got}",
                want=expected.shape, got=got.shape))
    if close(got, g(np.concatenate([x, np.tile(r, (Q, 1))], axis=-1))):
        wrong(_("the decoder takes [r, x_q]: r first, then the query (the order it was trained with)"))
    if np.allclose(got, got[:1]):
        wrong(_("every query got the same prediction: the decoder must see each query x_q beside r"))
    one_by_one = np.concatenate([_array(call(decode, g, r, x[q:q + 1]), per_query) for q in range(Q)])
    if one_by_one.shape == got.shape and not close(one_by_one, got):
        wrong(_("a query's prediction depends on the other queries: decode each [r, x_q] on its own"))
    if not close(got, expected):
        wrong(_("the predictions differ from g([r, x_q]) (largest difference "
                "{diff:.3g}): r goes first, then x_q, for every query",
                diff=largest_difference(got, expected)))
    return _("correct: r is repeated for every query and the decoder reads [r, x_q]")
