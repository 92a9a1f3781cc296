"""Exercises: Reptile's outer update and its annealed outer step (Lesson 3)."""

import numpy as np

from ..i18n import N_, _
from .compare import as_arrays, close, largest_difference
from .feedback import call, checker, wrong


@checker(N_("Reptile's outer update"))
def check_reptile_update(reptile_update):
    """reptile_update(theta, phis, epsilon) -> theta + epsilon * (mean_i phi_i - theta), per weight;
    theta: a list of arrays, phis: one such list per task."""
    rng = np.random.default_rng(1)
    shapes, tasks, epsilon = ((2, 3), (3,)), 4, 0.3
    theta = [rng.normal(size=s) for s in shapes]
    phis = [[t + rng.normal(scale=0.5, size=t.shape) for t in theta] for _task in range(tasks)]
    kept = [t.copy() for t in theta], [[p.copy() for p in phi] for phi in phis]
    out = call(reptile_update, theta, phis, epsilon)
    if not isinstance(out, (list, tuple)) or len(out) != len(theta):
        wrong(_("return a list with one updated array per weight ({count} here); got {type}",
                count=len(theta), type=type(out).__name__))
    if not (close(theta, kept[0]) and all(close(p, k) for p, k in zip(phis, kept[1], strict=True))):
        wrong(_("your function changed theta or the tasks' weights in place: when the weights you average "
                "are the weights you write (aliasing), every task's update lands on the same arrays. Return "
                "new arrays"))
    got = as_arrays(out)
    mean = [np.mean([phi[i] for phi in phis], axis=0) for i in range(len(theta))]
    expected = [t + epsilon * (m - t) for t, m in zip(theta, mean, strict=True)]
    if close(got, mean):
        wrong(_("that is theta <- the mean of the tasks' weights, the epsilon = 1 case only (the formula "
                "some tutorials give): move theta a fraction epsilon of the way"))
    if close(got, [t - epsilon * (m - t) for t, m in zip(theta, mean, strict=True)]):
        wrong(_("theta moves *away* from the adapted weights: Reptile moves toward them, "
                "+ epsilon * (phi - theta)"))
    if close(got, [t + epsilon * tasks * (m - t) for t, m in zip(theta, mean, strict=True)]):
        wrong(_("you summed the tasks' directions: average them (divide by the number of tasks)"))
    if close(got, [t * (1 + 1 / tasks) for t in theta]):
        wrong(_("each weight was scaled by 1 + 1/T: you added theta to itself (an aliasing bug), not the "
                "tasks' adapted weights"))
    if close(got, [t + epsilon * (p - t) for t, p in zip(theta, phis[-1], strict=True)]):
        wrong(_("only the last task moved theta: average phi_i - theta over all tasks"))
    if not close(got, expected):
        wrong(_("the result differs from theta + epsilon * (mean phi - theta) (largest difference "
                "{difference:.3g})", difference=largest_difference(got, expected)))
    return _("correct: theta moves a fraction epsilon toward the average of the tasks' adapted weights")


@checker(N_("annealing epsilon"))
def check_epsilon_schedule(epsilon_at):
    """epsilon_at(iteration, epsilon, epsilon_final, anneal_iterations): linear from epsilon (at 0)
    to epsilon_final (at anneal_iterations), then constant."""
    cases = [(0, 1.0), (250, 0.775), (500, 0.55), (1000, 0.1), (1500, 0.1)]
    got = [float(call(epsilon_at, i, 1.0, 0.1, 1000)) for i, _value in cases]
    want = [v for _iteration, v in cases]
    if np.allclose(got, want):
        return _("correct: linear from epsilon to epsilon_final, then constant")
    if np.allclose(got[:4], want[:4]):
        wrong(_("past anneal_iterations epsilon must stay at epsilon_final (0.1), got {value:.3g} at "
                "iteration 1500", value=got[4]))
    if np.allclose(got, want[::-1]) or got[0] < got[3]:
        wrong(_("epsilon grows: it must start at epsilon and shrink to epsilon_final"))
    wrong(_("expected {expected}; got {got}",
            expected=", ".join(_("{value:g} at {iteration}", value=v, iteration=i) for i, v in cases),
            got=", ".join(f"{v:.3g}" for v in got)))
