"""Exercises of Lesson 6 (what it costs): first-order MAML's per-task loss over k inner steps,
whose meta-gradient must be the first-order one (that is what keeps its memory flat in k), and
the exponent of a cost's growth, fitted on log-log axes."""

import numpy as np
import tensorflow as tf

from ..cost import growth_exponent
from ..functional import FunctionalModel, adapt, mse
from ..gradcheck import flat, relative_error
from ..i18n import N_, _
from ..models import mlp
from ..tasks import Sinusoid
from .compare import close
from .feedback import call, checker, wrong

ALPHA = 0.1  # large enough that the second-order term is far above round-off
STEPS = 3


@checker(N_("first-order MAML's per-task loss"))
def check_fomaml_task_loss(fomaml_task_loss):
    """fomaml_task_loss(f, theta, sx, sy, qx, qy, alpha, steps) -> the query loss after `steps`
    SGD steps whose inner gradients are constants (tf.stop_gradient)."""
    f = FunctionalModel(mlp(hidden=(6,), activation="tanh", dtype="float64", seed=3))
    ep = Sinusoid(seed=6, dtype="float64").sample(1, K=5, Q=7)
    sx, sy, qx, qy = (tf.constant(a[0]) for a in (ep.support_x, ep.support_y, ep.query_x, ep.query_y))
    theta = f.theta()

    def reference(weights, x=qx, y=qy, steps=STEPS, alpha=ALPHA, second_order=False):
        return mse(y, f(adapt(f, weights, sx, sy, steps, alpha, mse, second_order), x))

    with tf.GradientTape() as tape:
        tape.watch(theta)
        out = call(fomaml_task_loss, f, theta, sx, sy, qx, qy, ALPHA, STEPS)
    if out is None or np.shape(out) != ():
        wrong(_("return one number, the query loss (a scalar tensor); got shape {shape}",
                shape=np.shape(out)))
    value = float(out)
    if close(value, reference(theta, x=sx, y=sy)):
        wrong(_("the outer loss is measured on the support set: score the adapted weights on the query set"))
    if close(value, reference(theta, steps=0)):
        wrong(_("the query loss is taken at theta itself: take the inner steps first, then score phi"))
    if close(value, reference(theta, steps=1)):
        wrong(_("the loss is the one after a single inner step: take `steps` ({steps} here) steps, each from "
                "the weights the previous one reached", steps=STEPS))
    if close(value, reference(theta, alpha=-ALPHA)):
        wrong(_("the inner steps go uphill: phi = phi - alpha * grad, with a minus"))
    expected = float(reference(theta))
    if not close(value, expected):
        wrong(_("the loss is {value:.6g}, but the query loss after {steps} SGD steps is {expected:.6g}",
                value=value, steps=STEPS, expected=expected))
    grads = tape.gradient(out, theta)
    if any(g is None for g in grads) or all(not np.any(g) for g in grads):
        wrong(_("no gradient reaches theta: stop only the inner gradient g, not phi itself "
                "(phi = phi - alpha * tf.stop_gradient(g) still depends on theta)"))
    with tf.GradientTape(persistent=True) as references:
        references.watch(theta)
        first, second = reference(theta), reference(theta, second_order=True)
    if close(grads, references.gradient(second, theta), rtol=1e-5):
        wrong(_("the value is right, but its meta-gradient is the second-order one (it differentiates "
                "through the inner gradients): wrap each inner gradient in tf.stop_gradient"))
    first_grads = references.gradient(first, theta)
    error = relative_error(flat(grads), flat(first_grads))
    if error > 1e-6:
        wrong(_("the value is right, but the meta-gradient is {error:.1e} off first-order MAML's: stop every "
                "inner gradient (all the steps, every weight), and nothing else", error=error))
    return _("correct: the query loss after the inner steps, with the first-order meta-gradient "
             "(the tape can forget each inner step once it is taken)")


@checker(N_("the exponent of a cost's growth"))
def check_growth_exponent(growth_exponent_fn):
    """growth_exponent(k, cost) -> p in cost ~ c * k**p, by least squares on (log k, log cost)."""
    rng = np.random.default_rng(11)
    k = np.array([1, 2, 4, 8, 16, 32], dtype=float)
    for p, c in ((1.0, 3.0), (0.0, 40.0), (2.0, 0.5), (0.5, 7.0)):
        cost = c * k**p * np.exp(rng.normal(0.0, 0.15, k.shape))
        answer = call(growth_exponent_fn, k.copy(), cost.copy())
        if np.ndim(answer) != 0:
            wrong(_("return one number, the exponent p; got something of shape {shape} (polyfit "
                    "returns [slope, intercept]: keep the slope)", shape=np.shape(answer)))
        answer = float(answer)
        expected = growth_exponent(k, cost)
        if close(answer, expected, rtol=1e-6, atol=1e-9):
            continue
        logs = np.log(k), np.log(cost)
        if close(answer, np.polyfit(k, cost, 1)[0], rtol=1e-6):
            wrong(_("that is the slope in linear space (cost per extra step), not the exponent: fit log cost "
                    "against log k"))
        if close(answer, np.polyfit(logs[1], logs[0], 1)[0], rtol=1e-6):
            wrong(_("the axes are swapped: regress log cost on log k (log k is the x of the fit)"))
        if close(answer, np.polyfit(k, logs[1], 1)[0], rtol=1e-6):
            wrong(_("only the cost is on a log scale: take the log of k too (log-log, not semi-log)"))
        if close(answer, (logs[1][-1] - logs[1][0]) / (logs[0][-1] - logs[0][0]), rtol=1e-6):
            wrong(_("that is the slope between the first and last points: fit all points by least squares, "
                    "so one noisy measurement does not decide the answer"))
        wrong(_("for cost = {c} * k**{p} (times noise) you found p = {answer:.3g}, the least-squares "
                "fit gives {expected:.3g}", c=c, p=p, answer=answer, expected=expected))
    return _("correct: the least-squares slope on log-log axes (1: linear growth, 0: flat)")
