"""Exercise: MAML's per-task meta-objective, second order (Lesson 2, eq. 2-3), checked
against the reference and against finite differences of the student's own function."""

import numpy as np
import tensorflow as tf

from ..functional import FunctionalModel, adapt, mse
from ..gradcheck import flat, relative_error
from ..i18n import N_, _
from ..models import mlp
from ..tasks import Sinusoid
from .compare import close
from .feedback import call, checker, wrong

ALPHA = 0.1  # large enough that the second-order term is far above round-off


def _central_differences(fn, theta, eps=1e-6):
    """d fn(theta) / d theta by central differences (theta: list of float64 tensors)."""
    values = [t.numpy().copy() for t in theta]
    grads = []
    for value in values:
        grad = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            old = value[idx]
            value[idx] = old + eps
            up = float(fn([tf.constant(v) for v in values]))
            value[idx] = old - eps
            down = float(fn([tf.constant(v) for v in values]))
            value[idx] = old
            grad[idx] = (up - down) / (2 * eps)
        grads.append(grad)
    return grads


@checker(N_("MAML's per-task meta-loss"))
def check_maml_task_loss(maml_task_loss):
    """maml_task_loss(f, theta, sx, sy, qx, qy, alpha) -> the query loss of phi = theta - alpha *
    grad of the support loss at theta: a scalar, differentiable through the inner step."""
    f = FunctionalModel(mlp(hidden=(6,), activation="tanh", dtype="float64", seed=3))
    ep = Sinusoid(seed=5, dtype="float64").sample(1, K=5, Q=7)
    sx, sy, qx, qy = (tf.constant(a[0]) for a in (ep.support_x, ep.support_y, ep.query_x, ep.query_y))
    theta = f.theta()

    def reference(weights, x=qx, y=qy, steps=1, alpha=ALPHA, second_order=True):
        return mse(y, f(adapt(f, weights, sx, sy, steps, alpha, mse, second_order), x))

    with tf.GradientTape() as tape:
        tape.watch(theta)
        out = call(maml_task_loss, f, theta, sx, sy, qx, qy, ALPHA)
    if out is None or np.shape(out) != ():
        wrong(_("return one number, the query loss (a scalar tensor); got shape {shape}",
                shape=np.shape(out)))
    value = float(out)
    if close(value, reference(theta, x=sx, y=sy)):
        wrong(_("the outer loss is measured on the support set again (one loss for both loops): MAML scores "
                "the adapted weights on the task's *query* set"))
    if close(value, reference(theta, steps=0)):
        wrong(_("the query loss is taken at theta itself: adapt first, phi = theta - alpha * grad of the "
                "support loss, then score phi on the query set"))
    if close(value, reference(theta, alpha=-ALPHA)):
        wrong(_("the inner step goes uphill: phi = theta - alpha * grad, with a minus"))
    expected = float(reference(theta))
    if not close(value, expected):
        wrong(_("the loss is {value:.6g}, but the query loss after one SGD step is {expected:.6g}",
                value=value, expected=expected))
    grads = tape.gradient(out, theta)
    if any(g is None for g in grads):
        wrong(_("the loss does not depend on theta: run the model with the weights you pass, f(phi, x), "
                "not the model's own variables"))
    with tf.GradientTape() as first:
        first.watch(theta)
        first_order = reference(theta, second_order=False)
    fd = _central_differences(lambda w: call(maml_task_loss, f, w, sx, sy, qx, qy, ALPHA), theta)
    error = relative_error(flat(grads), flat(fd))
    if close(grads, first.gradient(first_order, theta)) or error > 1e-4:
        wrong(_("the value is right, but its meta-gradient is {error:.1e} off finite differences: it misses "
                "the second-order term. Did you stop the inner gradient (tf.stop_gradient, .numpy(), or an "
                "inner tape that does not see theta)?", error=error))
    return _("correct: the query loss after one SGD step, and its meta-gradient matches finite differences")
