"""Exercises: a sinusoid task's data, and the SGD path that adapts a network to a task
(Lesson 0; MAML paper section 5.1)."""

import numpy as np

from ..functional import FunctionalModel, mse, sgd_path
from ..i18n import N_, _
from ..models import mlp
from ..tasks import Sinusoid
from .compare import as_arrays, close, largest_difference
from .feedback import call, checker, wrong


@checker(N_("a task's data"))
def check_task_data(task_data):
    """task_data(amplitude, phase, support_x, query_x) -> (support_y, query_y), each
    y = A sin(x - phase) (`Sinusoid.function`) with the shape of its x."""
    rng = np.random.default_rng(4)
    for _task in range(3):
        amplitude, phase = rng.uniform(0.5, 5.0), rng.uniform(0.3, np.pi - 0.3)
        if abs(amplitude - phase) < 0.5:
            amplitude += 1.0
        _check_one_task(task_data, amplitude, phase, rng.uniform(-5, 5, (5, 1)), rng.uniform(-5, 5, (12, 1)))
    return _("correct: y = A sin(x - phase) at the support and the query points, in the shape of x")


def _check_one_task(task_data, amplitude, phase, support_x, query_x):
    out = call(task_data, amplitude, phase, support_x.copy(), query_x.copy())
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        if isinstance(out, (tuple, list)):
            wrong(_("return two arrays, (support_y, query_y); got {type} of length {length}",
                    type=type(out).__name__, length=len(out)))
        wrong(_("return two arrays, (support_y, query_y); got {type}", type=type(out).__name__))
    got = as_arrays(list(out))
    shapes = [support_x.shape, query_x.shape]
    if [g.shape for g in got] == shapes[::-1]:
        wrong(_("support_y and query_y are swapped: return (support_y, query_y), in that order"))
    for name, g, shape in zip(("support_y", "query_y"), got, shapes, strict=True):
        if g.shape != shape:
            wrong(_("{name} has shape {got}, its x {shape}: one y per x, in the shape of x "
                    "(a column of {count} values)", name=name, got=g.shape, shape=shape, count=shape[0]))

    def looks_like(fn):
        return close(got, [fn(support_x), fn(query_x)])

    A = amplitude
    want = [Sinusoid.function(amplitude, phase, x) for x in (support_x, query_x)]
    if looks_like(lambda x: A * np.sin(x + phase)):
        wrong(_("that is A sin(x + phase): the task is A sin(x - phase), the sine shifted right by the "
                "phase"))
    if looks_like(lambda x: phase * np.sin(x - A)):
        wrong(_("amplitude and phase are swapped: A multiplies the sine, the phase shifts x"))
    if any(looks_like(fn) for fn in (lambda x: A * np.sin(x - np.deg2rad(phase)),
                                     lambda x: A * np.sin(np.deg2rad(x - phase)),
                                     lambda x: A * np.sin(np.deg2rad(x) - phase),
                                     lambda x: A * np.sin(x - np.rad2deg(phase)))):
        wrong(_("x and the phase are already in radians, which np.sin expects: convert nothing to or "
                "from degrees"))
    if looks_like(lambda x: A * np.cos(x - phase)):
        wrong(_("that is a cosine: the task is A sin(x - phase)"))
    if looks_like(lambda x: np.sin(x - phase)):
        wrong(_("the amplitude is missing: multiply the sine by A"))
    if looks_like(lambda x: A * np.sin(x) - phase):
        wrong(_("the phase is subtracted outside the sine: A sin(x - phase) shifts x, inside the sine"))
    if close(got[0], want[0]) and not close(got[1], want[1]):
        wrong(_("the support points are right but the query points are not: both come from the same "
                "task, y = A sin(x - phase) at query_x"))
    if not close(got, want):
        wrong(_("the values differ from A sin(x - phase) (largest difference "
                "{diff:.3g} at A = {A:.2f}, phase = {phase:.2f})",
                diff=largest_difference(got, want), A=A, phase=phase))


def _path(out):
    """A student's path as a list of entries, each a list of float64 arrays (None if it is not)."""
    if not isinstance(out, (list, tuple)):
        return None
    entries = []
    for entry in out:
        if not isinstance(entry, (list, tuple)):
            return None
        entries.append(as_arrays(list(entry)))
    return entries


def _paths_close(a, b):
    return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))


SGD_STEPS, SGD_ALPHA = 4, 0.05


@checker(N_("the SGD path"))
def check_sgd_path(sgd_path_fn):
    """sgd_path_fn(f, theta, x, y, steps, alpha) -> [phi_0 = theta, phi_1, ..., phi_steps], each a
    list of weights: `steps` steps of gradient descent on the MSE of f(phi, x) against y
    (the reference is `lesson_lib.functional.sgd_path`)."""
    f = FunctionalModel(mlp(hidden=(6,), activation="tanh", dtype="float64", seed=3))
    episode = Sinusoid(seed=6, dtype="float64").sample(1, K=5, Q=5)
    x, y = episode.support_x[0], episode.support_y[0]
    theta = f.theta()
    steps, alpha = SGD_STEPS, SGD_ALPHA

    def reference(steps=steps, alpha=alpha):
        return [as_arrays(phi) for phi in sgd_path(f, theta, x, y, steps, alpha, mse)]

    got = _path(call(sgd_path_fn, f, theta, x, y, steps, alpha))
    if got is None:
        wrong(_("return a list with one entry per point of the path, each entry a list of weights "
                "(one tensor per weight, like theta)"))
    for i, phi in enumerate(got):
        if len(phi) != len(theta) or any(p.shape != tuple(t.shape) for p, t in zip(phi, theta, strict=False)):
            wrong(_("entry {i} of the path is not a list of weights shaped like theta ({count} tensors "
                    "of shapes {shapes})", i=i, count=len(theta), shapes=[tuple(t.shape) for t in theta]))
    want = reference()
    if _paths_close(got, want):
        return _("correct: theta, then one gradient step on the support loss after another")
    if _paths_close(got, want[1:]):
        wrong(_("the path misses its start: put phi_0 = theta first, so {steps} steps give {entries} "
                "entries", steps=steps, entries=steps + 1))
    if _paths_close(got, reference(steps + 1)):
        wrong(_("you took {taken} steps where {steps} were asked: the path holds phi_0 = theta and then "
                "one entry per step", taken=steps + 1, steps=steps))
    if _paths_close(got, reference(steps - 1)):
        wrong(_("you took {taken} steps where {steps} were asked: the path holds phi_0 = theta and then "
                "one entry per step, {entries} entries", taken=steps - 1, steps=steps, entries=steps + 1))
    if len(got) != steps + 1:
        wrong(_("the path has {length} entries; {steps} steps give {entries}: phi_0 = theta, then one "
                "per step", length=len(got), steps=steps, entries=steps + 1))
    if all(close(phi, got[-1]) for phi in got):
        wrong(_("every entry is the same weights: an in-place update (assign, +=) changed the entries "
                "already in the list; build a new list of weights at each step"))
    if not close(got[0], as_arrays(theta)):
        wrong(_("the first entry must be theta itself, the weights before any step"))
    if _paths_close(got, reference(alpha=-alpha)):
        wrong(_("your steps go *uphill*, along the gradient: phi <- phi - alpha * grad, with a minus"))
    if _paths_close(got, reference(alpha=1.0)):
        wrong(_("the steps ignore alpha: scale each gradient by the step size alpha"))
    first_gradient = [(t - p) / alpha for t, p in zip(want[0], want[1], strict=True)]
    if _paths_close(got, [[t - k * alpha * g for t, g in zip(want[0], first_gradient, strict=True)]
                          for k in range(steps + 1)]):
        wrong(_("every step uses the gradient at theta: take each step's gradient at the current weights "
                "phi"))
    wrong(_("the path differs from gradient descent on the MSE at (x, y) (largest difference {diff:.3g})",
            diff=max(largest_difference(g, w) for g, w in zip(got, want, strict=True))))
