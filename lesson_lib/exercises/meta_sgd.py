"""Exercise: Meta-SGD's inner loop, a learned step size per parameter (Lesson 9)."""

import numpy as np

from ..i18n import N_, _
from .compare import as_arrays, close, largest_difference
from .feedback import call, checker, wrong


def quadratic(theta_shapes, rng):
    """gradient(phi) of L(phi) = sum_j 0.5 * sum(a_j * (phi_j - c_j)**2): a_j * (phi_j - c_j)."""
    a = [rng.uniform(0.5, 2.0, size=s) for s in theta_shapes]
    c = [rng.normal(size=s) for s in theta_shapes]
    return lambda phi: [aj * (np.asarray(p, dtype=np.float64) - cj)
                        for aj, p, cj in zip(a, phi, c, strict=True)]


def path(gradient, theta, alphas, steps, sign=1.0, fixed_gradient=False):
    phi, g0 = [t.copy() for t in theta], gradient(theta)
    for _step in range(steps):
        g = g0 if fixed_gradient else gradient(phi)
        phi = [p - sign * a * gj for p, a, gj in zip(phi, alphas, g, strict=True)]
    return phi


@checker(N_("Meta-SGD's inner loop"))
def check_meta_sgd_path(meta_sgd_path):
    """meta_sgd_path(gradient, theta, alphas, steps) -> phi after `steps` steps of
    phi <- phi - alphas (.) gradient(phi), elementwise per weight; theta and alphas: lists of arrays
    of the same shapes, gradient(phi) -> a list of arrays."""
    rng = np.random.default_rng(2)
    shapes, steps = ((3, 2), (2,)), 3
    gradient = quadratic(shapes, rng)
    theta = [rng.normal(size=s) for s in shapes]
    alphas = [rng.uniform(0.01, 0.4, size=s) for s in shapes]
    kept = [t.copy() for t in theta], [a.copy() for a in alphas]
    out = call(meta_sgd_path, gradient, theta, alphas, steps)
    if not isinstance(out, (list, tuple)) or len(out) != len(theta):
        wrong(_("return a list with one adapted array per weight ({count} here); got {type}",
                count=len(theta), type=type(out).__name__))
    if not (close(theta, kept[0]) and close(alphas, kept[1])):
        wrong(_("your function changed theta or alphas in place: theta is the meta-learned start, every task "
                "adapts from the same one. Build new arrays (phi = [w - a * g ...])"))
    got = as_arrays(out)
    if any(g is None or g.shape != t.shape for g, t in zip(got, theta, strict=True)):
        wrong(_("each adapted weight must keep its weight's shape: {shapes}",
                shapes=", ".join(str(s) for s in shapes)))
    expected = path(gradient, theta, alphas, steps)
    if close(got, theta):
        wrong(_("phi is still theta: take the steps, phi <- phi - alphas * gradient(phi)"))
    if close(got, path(gradient, theta, alphas, 1)):
        wrong(_("that is one step: take `steps` steps ({steps} here), each from the phi of the step before",
                steps=steps))
    if close(got, path(gradient, theta, alphas, steps, fixed_gradient=True)):
        wrong(_("every step used the gradient at theta: compute the gradient again at the current phi"))
    if close(got, path(gradient, theta, alphas, steps, sign=-1.0)):
        wrong(_("the steps go uphill: subtract alphas * gradient"))
    mean_alpha = [np.full(a.shape, np.mean(np.concatenate([b.ravel() for b in alphas]))) for a in alphas]
    per_weight_mean = [np.full(a.shape, a.mean()) for a in alphas]
    if close(got, path(gradient, theta, mean_alpha, steps)) or close(got, path(gradient, theta,
                                                                              per_weight_mean, steps)):
        wrong(_("you averaged the step sizes: Meta-SGD keeps one alpha per parameter and multiplies "
                "elementwise, alphas[j] * grads[j]"))
    if close(got, path(gradient, theta, [np.full(a.shape, 0.01) for a in alphas], steps)):
        wrong(_("that is MAML's fixed step 0.01: use the learned alphas"))
    if not close(got, expected):
        wrong(_("the result differs from {steps} steps of phi <- phi - alphas * gradient(phi) (largest "
                "difference {difference:.3g})", steps=steps, difference=largest_difference(got, expected)))
    zero = call(meta_sgd_path, gradient, theta, alphas, 0)
    if not close(as_arrays(zero), theta):
        wrong(_("with steps = 0, phi must be theta itself"))
    return _("correct: each parameter moves by its own learned step size, one step after another")
