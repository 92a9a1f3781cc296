"""Exercises: Meta-LSTM's cell update as an optimizer step, and the gradient preprocessing of
Andrychowicz et al. 2016 (Lesson 4). The references are the package's own `cell_update` and
`preprocess` (lesson_lib.learners.meta_lstm)."""

from functools import partial

import numpy as np

from ..learners.meta_lstm import cell_update, preprocess
from .compare import close, largest_difference, one_array
from .feedback import call, checker, wrong

_array = partial(one_array, scalars=False)  # an array of features, never one number


def _one_array(out, shape, what):
    """The student's result as one float64 array of the expected shape (or a sentence why not)."""
    if isinstance(out, (list, tuple)):
        wrong(f"return one array ({what}), not a {type(out).__name__}")
    got = _array(out, what)
    if got.shape != shape:
        wrong(f"return an array of shape {shape} ({what}); got shape {got.shape}")
    return got


@checker("Meta-LSTM's cell update")
def check_cell_update(update):
    """update(c, f, i, g) -> c_t = f * c - i * g, coordinate-wise: c the weights c_{t-1}, f the
    forget gate, i the input gate, g the gradient at c_{t-1} (arrays of one shape)."""
    rng = np.random.default_rng(4)
    shape, alpha = (3, 5), 0.03
    c, g = rng.normal(size=shape), rng.normal(size=shape)
    f, i = rng.uniform(0.5, 0.95, shape), rng.uniform(0.05, 0.5, shape)
    kept = [a.copy() for a in (c, f, i, g)]
    got = _one_array(call(update, c, f, i, g), shape, "the new weights c_t")
    if not all(np.array_equal(a, b) for a, b in zip((c, f, i, g), kept, strict=True)):
        wrong("your function changed its inputs in place (c -= ... or c *= ...): return a new array")
    expected = np.asarray(cell_update(c, f, i, g))
    if close(got, f * c + i * g):
        wrong("your update moves the weights *along* the gradient (uphill): the step is - i_t * g_t")
    if close(got, i * c - f * g):
        wrong("the gates are swapped: the forget gate f_t scales the old weights c_{t-1}, the input gate "
              "i_t (the learning rate) scales the gradient")
    if close(got, f * (c - i * g)) or close(got, c - f * i * g) or close(got, f * c - f * g):
        wrong("the forget gate also scales the gradient step: f_t multiplies only the old weights "
              "c_{t-1}, the step is - i_t * g_t")
    if close(got, c - i * g):
        wrong("you left out the forget gate: c_t = f_t * c_{t-1} - i_t * g_t (with f_t < 1 the old "
              "weights shrink)")
    if close(got, f * c - g):
        wrong("the gradient is not scaled by the input gate: i_t is the learned learning rate, "
              "- i_t * g_t")
    if not close(got, expected):
        wrong(f"the result differs from f_t * c_{{t-1}} - i_t * g_t (largest difference "
              f"{largest_difference(got, expected):.3g})")
    sgd = _one_array(call(update, c, np.ones(shape), np.full(shape, alpha), g), shape,
                     "the new weights c_t")
    if not close(sgd, c - alpha * g):
        wrong(f"with frozen gates f = 1, i = alpha your update is not the SGD step c - alpha * g "
              f"(largest difference {largest_difference(sgd, c - alpha * g):.3g})")
    return ("correct: c_t = f_t * c_{t-1} - i_t * g_t, and with f = 1, i = alpha it is exactly an "
            "SGD step")


def _magnitudes(p):
    """Inputs on both sides of the boundary e^-p, both signs, zero, large and tiny values."""
    edge = np.exp(-p)
    values = [0.0, 3.0, 0.5, 1e-2, 1e-6 * edge, 0.3 * edge, 0.999 * edge, edge,
              np.nextafter(edge, 0), 1.001 * edge, 5 * edge, 250.0]
    return np.array(values + [-v for v in values[1:]])


@checker("gradient preprocessing")
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
        wrong("your function changed x in place: return a new array")
    got = _array(out, "both features of every x")
    expected = preprocess(x, p).numpy()
    if got.shape == shape[::-1] and close(got.T, expected):
        wrong(f"stack the two features on a new *last* axis, shape x.shape + (2,) = {shape}; yours is "
              f"{got.shape}")
    if got.shape != shape:
        wrong(f"return both features stacked on a new last axis, shape x.shape + (2,) = {shape}; got "
              f"{got.shape}")
    large = np.abs(x) >= np.exp(-p)
    first, second = got[..., 0], got[..., 1]
    finite = np.isfinite(got).all(axis=-1)
    if not finite.all() and (x[~finite] < 0).all():
        wrong("negative gradients give NaN: take the log of the magnitude |x|, not of x")
    if close(got[large], np.stack([-np.ones(large.sum()), np.exp(p) * x[large]], -1)):
        wrong("the branches are swapped: use (log|x| / p, sign x) when |x| >= e^-p, and (-1, e^p x) for "
              "the small gradients below it")
    if not finite.all():
        wrong(f"some values are not finite (at x = {x[~finite][0]:.3g}): take the log only where "
              f"|x| >= e^-p (on the other branch give it a safe input, e.g. with np.where)")
    if close(first[large], np.log(np.abs(x[large]))) and not close(first[large], expected[large, 0]):
        wrong("the first feature of a large gradient is log|x| / p: divide the log by p")
    if close(second[large], x[large]):
        wrong("the second feature of a large gradient is its sign, sign x, not x itself")
    if close(second[~large], x[~large]):
        wrong("the second feature of a small gradient is e^p x, not x: scaled, the two branches meet at "
              "|x| = e^-p")
    edge = np.exp(-p)
    with np.errstate(all="ignore"):
        sides = _array(call(preprocess_fn, np.array([edge, np.nextafter(edge, 0), -edge,
                                                     -np.nextafter(edge, 0)]), p), "both features of every x")
    if sides.shape == (4, 2) and not (np.allclose(sides[0], sides[1], atol=1e-6)
                                      and np.allclose(sides[2], sides[3], atol=1e-6)):
        wrong(f"your map jumps at the boundary |x| = e^-p: just above it gives {np.round(sides[0], 4)}, "
              f"just below {np.round(sides[1], 4)}; both branches must give (-1, +-1) there")
    if not close(got, expected, rtol=1e-6, atol=1e-9):
        worst = x[np.argmax(np.abs(got - expected).max(axis=-1))]
        wrong(f"the result differs from the formula (largest difference "
              f"{largest_difference(got, expected):.3g}, at x = {worst:.3g})")
    other = 4.0
    y = _magnitudes(other)
    with np.errstate(all="ignore"):
        again = _array(call(preprocess_fn, y, other), "both features of every x")
    if not close(again, preprocess(y, other).numpy()):
        wrong("with p = 4 the result is wrong: use the argument p (threshold e^-p, log|x| / p, e^p x), "
              "not the number 10")
    return ("correct: (log|x| / p, sign x) for large gradients, (-1, e^p x) below e^-p, continuous at "
            "the boundary")
