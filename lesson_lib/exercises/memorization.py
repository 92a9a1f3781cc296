"""Exercises: the memorization diagnostic (swap the support sets) and its remedy, making the tasks
mutually exclusive (a task's code redrawn each time it is drawn) (Lesson 10)."""

import numpy as np

from ..i18n import N_, _
from .compare import close, one_array
from .feedback import call, checker, wrong


def four_arrays(out, what):
    if not isinstance(out, (list, tuple)) or len(out) != 4:
        wrong(_("return the four arrays ({what}); got {type}", what=what, type=type(out).__name__))
    return [one_array(a, what) for a in out]


@checker(N_("swapping the support sets"))
def check_swap_supports(swap_supports):
    """swap_supports(support_x, support_y, query_x, query_y) -> the same four arrays, each task's
    support set (x and y together) replaced by another task's (a different one for each task),
    the query sets unchanged."""
    rng = np.random.default_rng(3)
    T, K, Q = 5, 4, 6
    arrays = [rng.normal(size=(T, n, 1)) for n in (K, K, Q, Q)]
    kept = [a.copy() for a in arrays]
    sx, sy, qx, qy = four_arrays(call(swap_supports, *arrays), "support_x, support_y, query_x, query_y")
    if not all(close(a, k) for a, k in zip(arrays, kept, strict=True)):
        wrong(_("your function changed the arrays it was given: build new ones (np.roll returns a new "
                "array)"))
    if sx.shape != kept[0].shape or sy.shape != kept[1].shape:
        wrong(_("the support arrays must keep their shape [tasks, K, 1] = {shape}; got {sx} and {sy}",
                shape=kept[0].shape, sx=sx.shape, sy=sy.shape))
    if not (close(qx, kept[2]) and close(qy, kept[3])):
        if close(sx, kept[0]) and close(sy, kept[1]):
            wrong(_("you swapped the query sets: keep each task's query set and give it another task's "
                    "support set"))
        wrong(_("the query sets must stay as they were: only the support sets move"))
    if close(sx, kept[0]) and close(sy, kept[1]):
        wrong(_("every task kept its own support set: give task i the support set of another task "
                "(e.g. np.roll along the task axis, axis 0)"))
    if close(sx, kept[0]):
        wrong(_("only the support outputs y moved: the diagnostic gives each task another task's whole "
                "support set, inputs x and outputs y together"))
    if close(sy, kept[1]):
        wrong(_("only the support inputs x moved: move the outputs y with them"))
    source = [next((j for j in range(T) if close(sx[i], kept[0][j]) and close(sy[i], kept[1][j])), None)
              for i in range(T)]
    if None in source:
        wrong(_("some task's support set is not any task's support set: move whole support sets between "
                "tasks (along axis 0), don't mix or reorder points within them"))
    if any(j == i for i, j in enumerate(source)):
        wrong(_("task {task} keeps its own support set: every task must get another task's",
                task=next(i for i, j in enumerate(source) if j == i)))
    if sorted(source) != list(range(T)):
        wrong(_("some task's support set was given to several tasks and another's to none: use a "
                "permutation of the tasks, e.g. np.roll"))
    return _("correct: each task now sees another task's support set and its own queries")


@checker(N_("redrawing the codes"))
def check_redraw_codes(redraw_codes):
    """redraw_codes(support_x, query_x, rng) -> (support_x, query_x) with each task's code (every input
    column after the first, x) replaced by a fresh code ~ N(0, 1), drawn once per task and the same for
    all of the task's points, support and query alike; the x column unchanged."""
    T, K, Q, C = 400, 5, 7, 3
    rng = np.random.default_rng(5)
    code = rng.normal(size=(T, 1, C))
    sx = np.concatenate([rng.uniform(-5, 5, size=(T, K, 1)), np.broadcast_to(code, (T, K, C))], axis=-1)
    qx = np.concatenate([rng.uniform(-5, 5, size=(T, Q, 1)), np.broadcast_to(code, (T, Q, C))], axis=-1)
    kept = sx.copy(), qx.copy()
    out = call(redraw_codes, sx, qx, np.random.default_rng(0))
    if not isinstance(out, (list, tuple)) or len(out) != 2:
        wrong(_("return two arrays (support_x, query_x), got {type}", type=type(out).__name__))
    new_sx, new_qx = one_array(out[0], "support_x"), one_array(out[1], "query_x")
    if not (close(sx, kept[0]) and close(qx, kept[1])):
        wrong(_("your function changed the arrays it was given: return new arrays"))
    if new_sx.shape != sx.shape or new_qx.shape != qx.shape:
        wrong(_("keep the shapes: support_x {sx} and query_x {qx}, got {new_sx} and {new_qx}",
                sx=sx.shape, qx=qx.shape, new_sx=new_sx.shape, new_qx=new_qx.shape))
    if not (close(new_sx[..., 0], sx[..., 0]) and close(new_qx[..., 0], qx[..., 0])):
        wrong(_("the first column is x itself: keep it, replace only the code columns after it"))
    new_code = new_sx[:, :1, 1:]
    if close(new_sx[..., 1:], sx[..., 1:]) and close(new_qx[..., 1:], qx[..., 1:]):
        wrong(_("the codes are unchanged: while a code names its task, the learner can recall the task "
                "instead of reading its support set"))
    if close(new_qx[..., 1:], qx[..., 1:]) or close(new_sx[..., 1:], sx[..., 1:]):
        wrong(_("only one of the two sets got new codes: a task's support and query points must carry the "
                "same (new) code, as they did before"))
    if not (np.allclose(new_sx[..., 1:], new_code) and np.allclose(new_qx[..., 1:], new_code)):
        wrong(_("the new code changes from point to point: draw one code per task (shape [tasks, 1, code "
                "columns]) and give it to all of the task's points, support and query alike"))
    flat = new_code.reshape(T, C)
    if np.allclose(flat, flat[:1]):
        wrong(_("every task got the same code: draw a new one for each task"))
    if close(np.sort(flat, axis=0), np.sort(code.reshape(T, C), axis=0)):
        wrong(_("you shuffled the old codes between tasks: over many draws a pool's few codes still come "
                "back; draw fresh codes, rng.normal"))
    if abs(flat.mean()) > 0.2 or not 0.8 < flat.std() < 1.2:
        wrong(_("draw the codes from N(0, 1) like the originals: yours have mean {mean:.2f} and "
                "standard deviation {std:.2f}", mean=flat.mean(), std=flat.std()))
    return _("correct: a task's code no longer says which task it is, only its support set does")
