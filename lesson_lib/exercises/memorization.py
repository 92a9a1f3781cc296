"""Exercises: the memorization diagnostic (swap the support sets) and its remedy, meta-augmentation
(a random output offset per task) (Lesson 10)."""

import numpy as np

from .compare import close, one_array
from .feedback import call, checker, wrong


def four_arrays(out, what):
    if not isinstance(out, (list, tuple)) or len(out) != 4:
        wrong(f"return the four arrays ({what}); got {type(out).__name__}")
    return [one_array(a, what) for a in out]


@checker("swapping the support sets")
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
        wrong("your function changed the arrays it was given: build new ones (np.roll returns a new array)")
    if sx.shape != kept[0].shape or sy.shape != kept[1].shape:
        wrong(f"the support arrays must keep their shape [tasks, K, 1] = {kept[0].shape}; got {sx.shape} "
              f"and {sy.shape}")
    if not (close(qx, kept[2]) and close(qy, kept[3])):
        if close(sx, kept[0]) and close(sy, kept[1]):
            wrong("you swapped the query sets: keep each task's query set and give it another task's "
                  "support set")
        wrong("the query sets must stay as they were: only the support sets move")
    if close(sx, kept[0]) and close(sy, kept[1]):
        wrong("every task kept its own support set: give task i the support set of another task "
              "(e.g. np.roll along the task axis, axis 0)")
    if close(sx, kept[0]):
        wrong("only the support outputs y moved: the diagnostic gives each task another task's whole "
              "support set, inputs x and outputs y together")
    if close(sy, kept[1]):
        wrong("only the support inputs x moved: move the outputs y with them")
    source = [next((j for j in range(T) if close(sx[i], kept[0][j]) and close(sy[i], kept[1][j])), None)
              for i in range(T)]
    if None in source:
        wrong("some task's support set is not any task's support set: move whole support sets between "
              "tasks (along axis 0), don't mix or reorder points within them")
    if any(j == i for i, j in enumerate(source)):
        wrong(f"task {next(i for i, j in enumerate(source) if j == i)} keeps its own support set: every "
              f"task must get another task's")
    if sorted(source) != list(range(T)):
        wrong("some task's support set was given to several tasks and another's to none: use a "
              "permutation of the tasks, e.g. np.roll")
    return "correct: each task now sees another task's support set and its own queries"


@checker("meta-augmentation")
def check_meta_augment(augment):
    """augment(support_y, query_y, offset, rng) -> (support_y + eps, query_y + eps), eps drawn once
    per task, uniform in [-offset, offset], the same for the task's support and query points."""
    T, K, Q, offset = 400, 5, 7, 2.0
    rng = np.random.default_rng(5)
    sy, qy = rng.normal(size=(T, K, 1)), rng.normal(size=(T, Q, 1))
    kept = sy.copy(), qy.copy()
    out = call(augment, sy, qy, offset, np.random.default_rng(0))
    if not isinstance(out, (list, tuple)) or len(out) != 2:
        wrong(f"return two arrays (support_y, query_y), got {type(out).__name__}")
    new_sy, new_qy = one_array(out[0], "support_y"), one_array(out[1], "query_y")
    if not (close(sy, kept[0]) and close(qy, kept[1])):
        wrong("your function changed the arrays it was given: return new arrays (y + eps makes one)")
    if new_sy.shape != sy.shape or new_qy.shape != qy.shape:
        wrong(f"keep the shapes: support_y {sy.shape} and query_y {qy.shape}, got {new_sy.shape} and "
              f"{new_qy.shape}")
    ds, dq = new_sy - sy, new_qy - qy
    if np.allclose(dq, 0):
        wrong("only the support outputs moved: the query outputs of a task must move by the same offset, "
              "or the support set teaches something the queries contradict")
    if np.allclose(ds, 0):
        wrong("only the query outputs moved: the support set must show the offset, it is the only place "
              "the learner can read it from")
    if np.allclose(new_sy / np.where(sy == 0, 1, sy), (new_sy / np.where(sy == 0, 1, sy))[:, :1], atol=1e-6):
        wrong("the outputs were scaled, not shifted: add an offset, y + eps")
    per_task = ds[:, :1, :]
    if not (np.allclose(ds, per_task) and np.allclose(dq, per_task)):
        wrong("the offset changes from point to point: draw one eps per task (shape [tasks, 1, 1]) and add "
              "it to all of the task's points, support and query alike")
    eps = per_task[:, 0, 0]
    if np.allclose(eps, eps[0]):
        wrong("every task got the same offset: draw a new eps for each task, or the offset is one more "
              "thing to memorize")
    if np.max(np.abs(eps)) > offset + 1e-9:
        wrong(f"some offsets lie outside [-offset, offset] = [{-offset}, {offset}] (largest "
              f"{np.max(np.abs(eps)):.3g}): draw them uniformly in that interval")
    if np.min(eps) > -0.8 * offset or np.max(eps) < 0.8 * offset or abs(np.mean(eps)) > 0.2 * offset:
        wrong(f"over {T} tasks the offsets should spread evenly over [-offset, offset]; they range from "
              f"{np.min(eps):.3g} to {np.max(eps):.3g} (mean {np.mean(eps):.3g})")
    return "correct: one random offset per task, shown by its support set and kept by its queries"
