"""Exercise: the inner loop's SGD step (Lesson 2, eq. 2)."""

import numpy as np
import tensorflow as tf

from ..i18n import N_, _
from .compare import as_arrays, close, largest_difference
from .feedback import call, checker, wrong


@checker(N_("one SGD step"))
def check_sgd_step(sgd_step):
    """sgd_step(weights, grads, alpha) -> [phi - alpha * grad for each weight], differentiable."""
    rng = np.random.default_rng(0)
    shapes = ((3, 2), (2,), (2, 1))
    weights = [tf.constant(rng.normal(size=s)) for s in shapes]
    grads = [tf.constant(rng.normal(size=s)) for s in shapes]
    alpha = 0.1
    with tf.GradientTape() as tape:
        tape.watch(weights)
        out = call(sgd_step, weights, grads, alpha)
        if not isinstance(out, (list, tuple)) or len(out) != len(weights):
            wrong(_("return a list with one updated tensor per weight ({count} here), in the order of "
                    "`weights`; got {type}", count=len(weights), type=type(out).__name__))
        total = tf.add_n([tf.reduce_sum(tf.convert_to_tensor(o)) for o in out])
    got = as_arrays(out)
    for i, (o, w) in enumerate(zip(got, weights, strict=True)):
        if o.shape != tuple(w.shape):
            wrong(_("the updated weight {i} has shape {shape}, its weight {weight_shape}: update each "
                    "weight with its own gradient", i=i, shape=o.shape, weight_shape=tuple(w.shape)))
    w, g = as_arrays(weights), as_arrays(grads)
    if close(got, [a + alpha * b for a, b in zip(w, g, strict=True)]):
        wrong(_("your update moves the weights *along* the gradient, uphill: subtract alpha * grad"))
    if close(got, [a - b for a, b in zip(w, g, strict=True)]):
        wrong(_("the step ignores alpha: scale the gradient by the step size alpha"))
    expected = [a - alpha * b for a, b in zip(w, g, strict=True)]
    if not close(got, expected):
        wrong(_("the updated weights differ from phi - alpha * grad (largest difference {difference:.3g})",
                difference=largest_difference(got, expected)))
    if any(d is None for d in tape.gradient(total, weights)):
        wrong(_("the values are right but not differentiable with respect to the weights (did you use "
                ".numpy(), NumPy or assign()?): MAML differentiates through this step"))
    return _("correct: phi <- phi - alpha * grad for every weight, and differentiable")
