"""The figure of "how many tasks does meta-learning need?": meta-train and meta-test error
against the number of meta-training tasks, and a prediction on a new task. It only draws:
the rows come from `python -m lesson_lib.bench tasks_needed`, the prediction from a learner."""

import numpy as np
from matplotlib.figure import Figure

from .i18n import N_, _, translate
from .plots import png_bytes

# (split, colour, label shown with translate())
SPLITS = (("meta-train", "C0", N_("meta-train (the pool's tasks)")),
          ("meta-test", "C1", N_("meta-test (new tasks)")))


def pool_label(tasks):
    """The pool's name, as the tasks slider's values ("unlimited": None); shown with translate()."""
    return N_("unlimited") if tasks is None else f"{tasks:,}"


def positions(pools):
    """x positions on a log axis: each finite pool at its size, unlimited one decade past the largest."""
    finite = [n for n in pools if n is not None]
    beyond = 10 * max(finite) if finite else 1
    return {n: (beyond if n is None else n) for n in pools}


def error_rows(rows, learner, steps):
    """{split: {tasks: row}} of the "tasks" experiment for `learner` after `steps` (None: a
    black box's forward pass, whatever `steps` is asked)."""
    chosen = {}
    for row in rows:
        if row.get("experiment", "tasks") != "tasks" or row["learner"] != learner:
            continue
        if row["steps"] is not None and row["steps"] != steps:
            continue
        chosen.setdefault(row["split"], {})[row["tasks"]] = row
    return chosen


def pools_in(by_split):
    """The pool sizes found in `error_rows`' result, smallest first, unlimited (None) last."""
    return sorted({n for split in by_split.values() for n in split}, key=lambda n: np.inf if n is None else n)


def task_count_figure(rows, learner, tasks, steps, new_task=None):
    """Two panels: left, query MSE (mean +- 95% CI, median dotted) on the pool's own tasks and on
    new tasks against the number of meta-training tasks, the pool `tasks` highlighted; right
    (when `new_task` is given), the model trained on that pool adapting to a new task.

    new_task: (grid [G], truth [G], support_x [K], support_y [K], prediction [G]) or None.
    Returns PNG bytes."""
    by_split = error_rows(rows, learner, steps)
    if not by_split:
        raise ValueError(_("rows hold no 'tasks' experiment for learner {learner!r} after {steps} steps",
                           learner=learner, steps=steps))
    pools = pools_in(by_split)
    where = positions(pools)
    figure = Figure(figsize=(10, 4), dpi=72)
    ax, ax_fn = figure.subplots(1, 2, gridspec_kw={"width_ratios": (1.2, 1)})
    figure.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.9, wspace=0.25)
    for split, color, label in SPLITS:
        found = by_split.get(split, {})
        xs = [where[n] for n in pools if n in found]
        mse = np.array([found[n]["mse"] for n in pools if n in found])
        ci = np.array([found[n]["ci95"] for n in pools if n in found])
        ax.errorbar(xs, mse, yerr=ci, color=color, marker="o", capsize=3, label=translate(label))
        ax.plot(xs, [found[n]["median"] for n in pools if n in found], color=color, ls=":", lw=1)
        if tasks in found:
            ax.plot([where[tasks]], [found[tasks]["mse"]], "o", ms=14, mfc="none", mec="red", mew=2)
    if tasks in where:
        ax.axvline(where[tasks], color="red", lw=1, ls="--")
    after = (_("forward pass") if steps is None else _("{steps} step", steps=steps) if steps == 1
             else _("{steps} steps", steps=steps))
    ax.set(xscale="log", yscale="log", xlabel=_("distinct meta-training tasks"), ylabel=_("query MSE"),
           title=_("{learner}: error after {after} (dotted: median)", learner=learner, after=after))
    ax.set_xticks([where[n] for n in pools], [translate(pool_label(n)) for n in pools])
    ax.minorticks_off()
    ax.legend(fontsize=8, loc="upper right")
    if new_task is None:
        ax_fn.set_axis_off()
    else:
        grid, truth, support_x, support_y, prediction = new_task
        ax_fn.plot(grid, truth, color="black", lw=2, label=_("new task"))
        ax_fn.plot(support_x, support_y, "o", color="black", label=_("support points"))
        ax_fn.plot(grid, prediction, color="C3", lw=2, label=_("after {after}", after=after))
        ax_fn.set(xlim=(grid.min(), grid.max()), ylim=(-6, 6), xlabel="x", ylabel="y",
                  title=_("trained on {pool} tasks, on a new task", pool=translate(pool_label(tasks))))
        ax_fn.legend(fontsize=8, loc="upper right")
    return png_bytes(figure)
