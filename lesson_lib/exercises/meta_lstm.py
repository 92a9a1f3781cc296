"""Exercises: Meta-LSTM's cell update as an optimizer step, and the gradient preprocessing of
Andrychowicz et al. 2016 (Lesson 4). The references are the package's own `cell_update` and
`preprocess` (lesson_lib.learners.meta_lstm)."""

from functools import partial

import numpy as np

from ..i18n import N_, _
from ..learners.meta_lstm import cell_update, preprocess
from .compare import close, largest_difference, one_array
from .feedback import call, checker, wrong

_array = partial(one_array, scalars=False)  # an array of features, never one number


def _one_array(out, shape, what):
    """The student's result as one float64 array of the expected shape (or a sentence why not)."""
    if isinstance(out, (list, tuple)):
        wrong(_("return one array ({what}), not a {type}", what=what, type=type(out).__name__))
    got = _array(out, what)
    if got.shape != shape:
        wrong(_("return an array of shape {shape} ({what}); got shape {got}", shape=shape, what=what,
                got=got.shape))
    return got


@checker(N_("Meta-LSTM's cell update"))
def check_cell_update(update):
    """update(c, f, i, g) -> c_t = f * c - i * g, coordinate-wise: c the weights c_{t-1}, f the
    forget gate, i the input gate, g the gradient at c_{t-1} (arrays of one shape)."""
    rng = np.random.default_rng(4)
    shape, alpha = (3, 5), 0.03
    c, g = rng.normal(size=shape), rng.normal(size=shape)
    f, i = rng.uniform(0.5, 0.95, shape), rng.uniform(0.05, 0.5, shape)
    kept = [a.copy() for a in (c, f, i, g)]
    new_weights = _("the new weights c_t")
    got = _one_array(call(update, c, f, i, g), shape, new_weights)
    if not all(np.array_equal(a, b) for a, b in zip((c, f, i, g), kept, strict=True)):
        wrong(_("your function changed its inputs in place (c -= ... or c *= ...): return a new array"))
    expected = np.asarray(cell_update(c, f, i, g))
    if close(got, f * c + i * g):
        wrong(_("your update moves the weights *along* the gradient (uphill): the step is - i_t * g_t"))
    if close(got, i * c - f * g):
        wrong(_("the gates are swapped: the forget gate f_t scales the old weights c_{t-1}, the input gate "
                "i_t (the learning rate) scales the gradient"))
    if close(got, f * (c - i * g)) or close(got, c - f * i * g) or close(got, f * c - f * g):
        wrong(_("the forget gate also scales the gradient step: f_t multiplies only the old weights "
                "c_{t-1}, the step is - i_t * g_t"))
    if close(got, c - i * g):
        wrong(_("you left out the forget gate: c_t = f_t * c_{t-1} - i_t * g_t (with f_t < 1 the old "
                "weights shrink)"))
    if close(got, f * c - g):
        wrong(_("the gradient is not scaled by the input gate: i_t is the learned learning rate, "
                "- i_t * g_t"))
    if not close(got, expected):
        wrong(_("the result differs from f_t * c_{{t-1}} - i_t * g_t (largest difference {diff:.3g})",
                diff=largest_difference(got, expected)))
    sgd = _one_array(call(update, c, np.ones(shape), np.full(shape, alpha), g), shape, new_weights)
    if not close(sgd, c - alpha * g):
        wrong(_("with frozen gates f = 1, i = alpha your update is not the SGD step c - alpha * g "
                "(largest difference {diff:.3g})", diff=largest_difference(sgd, c - alpha * g)))
    return _("correct: c_t = f_t * c_{t-1} - i_t * g_t, and with f = 1, i = alpha it is exactly an "
             "SGD step")


def _magnitudes(p):
    """Inputs on both sides of the boundary e^-p, both signs, zero, large and tiny values."""
    edge = np.exp(-p)
    values = [0.0, 3.0, 0.5, 1e-2, 1e-6 * edge, 0.3 * edge, 0.999 * edge, edge,
              np.nextafter(edge, 0), 1.001 * edge, 5 * edge, 250.0]
    return np.array(values + [-v for v in values[1:]])


@checker(N_("gradient preprocessing"))
def check_preprocess(preprocess_fn):
    """preprocess_fn(x, p) -> array x.shape + (2,): (log|x| / p, sign x) where |x| >= e^-p,
    else (-1, e^p x)."""
    p = 10.0
    x = _magnitudes(p)
    kept = x.copy()
    shape = x.shape + (2,)
    with np.errstate(all="ignore"):  # a log(0) warning: the values are checked below
        out = call(preprocess_fn, x, p)
    if not np.array_equal(x, kept):
        wrong(_("your function changed x in place: return a new array"))
    both_features = _("both features of every x")
    got = _array(out, both_features)
    expected = preprocess(x, p).numpy()
    if got.shape == shape[::-1] and close(got.T, expected):
        wrong(_("stack the two features on a new *last* axis, shape x.shape + (2,) = {shape}; yours is "
                "{got}", shape=shape, got=got.shape))
    if got.shape != shape:
        wrong(_("return both features stacked on a new last axis, shape x.shape + (2,) = {shape}; got "
                "{got}", shape=shape, got=got.shape))
    large = np.abs(x) >= np.exp(-p)
    first, second = got[..., 0], got[..., 1]
    finite = np.isfinite(got).all(axis=-1)
    if not finite.all() and (x[~finite] < 0).all():
        wrong(_("negative gradients give NaN: take the log of the magnitude |x|, not of x"))
    if close(got[large], np.stack([-np.ones(large.sum()), np.exp(p) * x[large]], -1)):
        wrong(_("the branches are swapped: use (log|x| / p, sign x) when |x| >= e^-p, and (-1, e^p x) for "
                "the small gradients below it"))
    if not finite.all():
        wrong(_("some values are not finite (at x = {x:.3g}): take the log only where "
                "|x| >= e^-p (on the other branch give it a safe input, e.g. with np.where)",
                x=x[~finite][0]))
    if close(first[large], np.log(np.abs(x[large]))) and not close(first[large], expected[large, 0]):
        wrong(_("the first feature of a large gradient is log|x| / p: divide the log by p"))
    if close(second[large], x[large]):
        wrong(_("the second feature of a large gradient is its sign, sign x, not x itself"))
    if close(second[~large], x[~large]):
        wrong(_("the second feature of a small gradient is e^p x, not x: scaled, the two branches meet at "
                "|x| = e^-p"))
    edge = np.exp(-p)
    with np.errstate(all="ignore"):
        sides = _array(call(preprocess_fn, np.array([edge, np.nextafter(edge, 0), -edge,
                                                     -np.nextafter(edge, 0)]), p), both_features)
    if sides.shape == (4, 2) and not (np.allclose(sides[0], sides[1], atol=1e-6)
                                      and np.allclose(sides[2], sides[3], atol=1e-6)):
        wrong(_("your map jumps at the boundary |x| = e^-p: just above it gives {above}, "
                "just below {below}; both branches must give (-1, +-1) there",
                above=np.round(sides[0], 4), below=np.round(sides[1], 4)))
    if not close(got, expected, rtol=1e-6, atol=1e-9):
        worst = x[np.argmax(np.abs(got - expected).max(axis=-1))]
        wrong(_("the result differs from the formula (largest difference {diff:.3g}, at x = {worst:.3g})",
                diff=largest_difference(got, expected), worst=worst))
    other = 4.0
    y = _magnitudes(other)
    with np.errstate(all="ignore"):
        again = _array(call(preprocess_fn, y, other), both_features)
    if not close(again, preprocess(y, other).numpy()):
        wrong(_("with p = 4 the result is wrong: use the argument p (threshold e^-p, log|x| / p, e^p x), "
                "not the number 10"))
    return _("correct: (log|x| / p, sign x) for large gradients, (-1, e^p x) below e^-p, continuous at "
             "the boundary")
