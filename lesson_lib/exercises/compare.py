"""Comparing a student's answer with the reference: as arrays, with tolerances that round-off
cannot break, and a short description of how far apart they are."""

import numpy as np

from ..i18n import _
from .feedback import wrong


def as_arrays(values):
    """A tensor, an array or a list of them as a list of float64 arrays (None stays None)."""
    if isinstance(values, (list, tuple)):
        return [None if v is None else np.asarray(v, dtype=np.float64) for v in values]
    return [np.asarray(values, dtype=np.float64)]


def close(a, b, rtol=1e-6, atol=1e-9):
    a, b = as_arrays(a), as_arrays(b)
    return len(a) == len(b) and all(
        x is not None and y is not None and x.shape == y.shape and np.allclose(x, y, rtol=rtol, atol=atol)
        for x, y in zip(a, b, strict=True))


def largest_difference(a, b):
    return max(float(np.max(np.abs(x - y))) for x, y in zip(as_arrays(a), as_arrays(b), strict=True))


def one_array(out, what, *, sequences=True, scalars=True):
    """The student's result as one float64 array, or a sentence saying why it is not one (`what`
    names what was asked for). sequences=False refuses a list or tuple, scalars=False a single number."""
    if not sequences and isinstance(out, (list, tuple)):
        wrong(_("return one array ({what}), not a {type}", what=what, type=type(out).__name__))
    if out is None:
        wrong(_("your function returned nothing (None): return {what}", what=what))
    try:
        got = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError):
        wrong(_("return one array ({what}); got {type}", what=what, type=type(out).__name__))
    if not scalars and got.ndim == 0:
        wrong(_("return an array ({what}), not a single number", what=what))
    return got
