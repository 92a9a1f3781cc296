"""Figures of one-shot imitation on the robot arm (Lesson 13). They only draw trajectories they
are given (lesson_lib.envs.arm.Trajectory): `frame_strip` the rendered frames of a few
episodes, one row each; `paths_figure` the hand's path seen from above and from the side, with
the goal and the object's start, as PNG bytes (the playground's picture).
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .i18n import _
from .plots import png_bytes

TABLE_X, TABLE_Y, TABLE_Z = (-0.2, 0.2), (0.55, 0.95), (0.0, 0.35)  # the part of the workspace shown (m)


def outcome(trajectory):
    if trajectory.success:
        return _("success at step {step}", step=trajectory.first_success)
    return _("no success")


def frame_strip(rows, every, columns=6):
    """A pyplot figure with one row of frames per {label: Trajectory with frames} (ArmTasks.render);
    `every`: the steps between frames; at most `columns` frames per row, spread evenly."""
    if not rows or any(not t.frames for t in rows.values()):
        raise ValueError(_("rows must map labels to trajectories with frames "
                           "(draw them with ArmTasks.render)"))
    count = len(next(iter(rows.values())).frames)
    picks = np.unique(np.linspace(0, count - 1, min(columns, count)).round().astype(int))
    figure, axes = plt.subplots(len(rows), len(picks), squeeze=False, layout="constrained",
                                figsize=(1.6 * len(picks), 1.75 * len(rows)))
    for r, (label, trajectory) in enumerate(rows.items()):
        for c, k in enumerate(picks):
            ax = axes[r, c]
            ax.imshow(trajectory.frames[k])
            ax.set_xticks([]), ax.set_yticks([])
            ax.set_title(_("step {step}", step=min(k * every, len(trajectory.actions))), fontsize=8)
        axes[r, 0].set_ylabel(f"{label}\n{outcome(trajectory)}", fontsize=8)
    return figure


def paths_figure(paths, goal, obj=None, title=""):
    """PNG bytes: {label: (Trajectory, style dict)} drawn as the hand's path from above (x, y)
    and from the side (y, z); the goal as a star, the object's start (push) as a square."""
    figure = Figure(figsize=(8.4, 3.4), layout="constrained")
    top, side = figure.subplots(1, 2)
    for label, (trajectory, style) in paths.items():
        hand = trajectory.hand
        shown = _("{label}: {outcome}", label=label, outcome=outcome(trajectory))
        top.plot(hand[:, 0], hand[:, 1], label=shown, **style)
        side.plot(hand[:, 1], hand[:, 2], **style)
        top.plot(*hand[0, :2], "o", color=style.get("color", "k"), ms=3)
    for ax, (i, j) in ((top, (0, 1)), (side, (1, 2))):
        ax.plot(goal[i], goal[j], "*", color="gold", mec="k", ms=14, zorder=5)
        if obj is not None:
            ax.plot(obj[i], obj[j], "s", color="tab:brown", ms=8, zorder=4)
    top.set(xlim=TABLE_X, ylim=TABLE_Y, xlabel="x (m)", ylabel="y (m)", title=_("from above"))
    side.set(xlim=TABLE_Y, ylim=TABLE_Z, xlabel="y (m)", ylabel=_("height z (m)"), title=_("from the side"))
    top.legend(fontsize=7, loc="best")
    figure.suptitle(title, fontsize=10)
    return png_bytes(figure)
