"""The figure of the 2D-navigation playground (MAML paper, section 5.3): one goal, the policy
before and after each inner step. Three panels: the trajectories in the plane, the policy's
mean action field as arrows, and the return against inner steps. It only draws arrays it is
given (a `NavigationView`); the playground asks the learner for them (`rl.adaptation`).

`NavigationFigure` makes the figure once; a redraw sets its artists' data and draws only them
over a kept background (axes, ticks, labels and legends: text is most of a render's cost, about
250 ms of a full render on a slow core, against some 40 ms for the moving parts). The return
axis takes its limits from a short list, so most goals keep the background.
"""

import io
from typing import NamedTuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from .i18n import _
from .plots import after_steps

LIMIT = 0.65  # the plane shown: [-0.65, 0.65]^2 (goals lie in [-0.5, 0.5]^2)
GOAL_RANGE = 0.5
ARROW_GRID = np.linspace(-0.6, 0.6, 9)
RETURN_FLOORS = (10, 20, 30, 40, 50, 60, 80, 100, 150, 200, 300, 500, 1000, 2000, 5000)  # -y limits
STEP_COLORS = ("0.45", "C0", "C2", "C3", "C4", "C5", "C6", "C8", "C9", "C1", "C7")  # step 0 grey


def step_color(k):
    return STEP_COLORS[k % len(STEP_COLORS)]


def step_label(k):
    if k == 0:
        return _("before adaptation (step 0)")
    return after_steps(k)


def arrow_points():
    """The 9 x 9 grid of states where the arrows start, [81, 2]."""
    x, y = np.meshgrid(ARROW_GRID, ARROW_GRID)
    return np.stack([x.ravel(), y.ravel()], axis=-1).astype(np.float32)


class NavigationView(NamedTuple):
    """What one redraw shows.

    learner: its name (for the title); goal [2]; step: the highlighted inner step k;
    positions [S + 1, H + 1, trajectories, 2]: the trajectories sampled with phi_0 .. phi_S;
    returns [S + 1, trajectories]: their undiscounted returns; field [81, 2]: the mean velocity
    of phi_k at `arrow_points()`; references: {label: mean return after 0..S steps [S + 1]}
    drawn dashed (e.g. the pretrained policy on the same goal), or None."""

    learner: str
    goal: np.ndarray
    step: int
    positions: np.ndarray
    returns: np.ndarray
    field: np.ndarray
    references: dict | None = None


def return_floor(low):
    """The bottom of the return axis: minus the first of RETURN_FLOORS at or past -low (a margin
    included), so nearby goals share the axis."""
    need = -low + 1.0
    return -next((f for f in RETURN_FLOORS if f >= need), float(np.ceil(need / 1000) * 1000))


def png_of(rgba):
    """PNG bytes of an RGBA buffer (fast compression: the picture goes to the browser at once)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(rgba)[..., :3]).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def mean_ci95(returns):
    """Mean return per step and its 95% interval half-width over trajectories: ([S + 1], [S + 1])."""
    returns = np.asarray(returns, float)
    n = returns.shape[1]
    spread = returns.std(axis=1, ddof=1) if n > 1 else np.zeros(len(returns))
    return returns.mean(axis=1), 1.96 * spread / np.sqrt(n)


class NavigationFigure:
    """The playground's figure for up to `steps` inner steps; `draw(view)` returns PNG bytes."""

    def __init__(self, steps):
        self.steps = steps
        self.figure = Figure(figsize=(13.5, 4.6), dpi=72)
        self.canvas = FigureCanvasAgg(self.figure)
        grid = self.figure.add_gridspec(1, 3, width_ratios=(1, 1, 1.15), left=0.045, right=0.985, top=0.8,
                                        bottom=0.12, wspace=0.28)
        self.plane, self.arrows, self.curve = (self.figure.add_subplot(g) for g in grid)
        self.title = self.figure.suptitle("", fontsize=12)
        for ax in (self.plane, self.arrows):
            ax.add_patch(Rectangle((-GOAL_RANGE, -GOAL_RANGE), 2 * GOAL_RANGE, 2 * GOAL_RANGE, fill=False,
                                   ls=":", color="0.6", lw=1))
            ax.set(xlim=(-LIMIT, LIMIT), ylim=(-LIMIT, LIMIT), aspect="equal", xlabel="x")
            ax.plot([0], [0], "o", color="black", ms=6, zorder=6)
        self.plane.set_ylabel("y")
        self.plane.text(-GOAL_RANGE, -GOAL_RANGE - 0.015, _("goals lie in this square"), fontsize=8,
                        color="0.5", va="top")
        self.paths = []
        for k in range(steps + 1):
            lines = LineCollection([], colors=step_color(k), lw=0.8, alpha=0.25)
            self.plane.add_collection(lines)
            self.paths.append(lines)
        self.ends, = self.plane.plot([], [], "o", ms=3.5, zorder=5)
        self.goals = [ax.plot([], [], "*", ms=18, mfc="gold", mec="black", mew=1.2, zorder=7)[0]
                      for ax in (self.plane, self.arrows)]
        self.centres = [self.plane.plot([], [], color=step_color(k), lw=2.5, zorder=4)[0]
                        for k in range(steps + 1)]
        handles = [Line2D([], [], color=step_color(k), lw=2, label=step_label(k)) for k in range(steps + 1)]
        handles += [Line2D([], [], ls="", marker="*", ms=12, mfc="gold", mec="black", label=_("goal")),
                    Line2D([], [], ls="", marker="o", color="black", ms=5, label=_("start s_0 = (0, 0)"))]
        self.figure.legend(handles=handles, fontsize=9, loc="upper center", bbox_to_anchor=(0.5, 0.935),
                           ncol=len(handles), frameon=False, handlelength=1.5)
        x, y = np.meshgrid(ARROW_GRID, ARROW_GRID)
        zero = np.zeros_like(x)
        # an arrow of the largest speed (0.1 per coordinate) is 0.13 long: about a grid cell
        self.quiver = self.arrows.quiver(x, y, zero, zero, angles="xy", scale_units="xy", scale=0.1 / 0.13,
                                         width=0.006, zorder=4)
        self.arrows.quiverkey(self.quiver, 0.7, -0.085, 0.1, _("speed 0.1 (the most)"), labelpos="E",
                              coordinates="axes", fontproperties={"size": 8})
        steps_axis = np.arange(steps + 1)
        self.spread = LineCollection([], colors="0.3", lw=2, alpha=0.6)
        self.curve.add_collection(self.spread)
        self.mean, = self.curve.plot(steps_axis, np.zeros(steps + 1), "-o", color="black", lw=1.8, ms=4,
                                     label=_("this policy (mean, 95% interval)"))
        self.chosen, = self.curve.plot([], [], "o", ms=13, mfc="none", mew=2, zorder=5)
        self.references = {}
        self.curve.set(xlim=(-0.3, steps + 0.3), xlabel=_("inner steps k (REINFORCE, alpha then alpha / 2)"),
                       ylabel=_("return (sum over 100 steps of -distance)"))
        self.curve.set_xticks(steps_axis)
        self.curve.grid(alpha=0.3)
        self.curve.set_title(_("return of the sampled trajectories"), fontsize=10)
        self.dynamic = [*self.paths, *self.centres, self.ends, *self.goals, self.quiver, self.spread,
                        self.mean, self.chosen, self.plane.title, self.arrows.title, self.title]
        for artist in self.dynamic:
            artist.set_animated(True)  # left out of the background: drawn over it at each redraw
        self._layout, self._background, self._floor = None, None, -RETURN_FLOORS[3]
        self.full_renders = 0

    def _reference_line(self, label):
        if label not in self.references:
            color = f"C{1 + len(self.references) % 8}"
            self.references[label], = self.curve.plot([], [], "--s", color=color, lw=1.3, ms=3.5,
                                                      label=_("{name}, same goal", name=label), animated=True)
            self.dynamic.insert(self.dynamic.index(self.mean), self.references[label])
        return self.references[label]

    def draw(self, view):
        """Set every artist from `view` (a NavigationView) and return the PNG."""
        S = len(view.returns) - 1
        if S > self.steps or not 0 <= view.step <= S:
            raise ValueError(_("the view must have at most {most} steps and 0 <= step <= {S}, got {S} steps "
                               "and step {step}", most=self.steps, S=S, step=view.step))
        k, color = view.step, step_color(view.step)
        for j, (lines, centre) in enumerate(zip(self.paths, self.centres, strict=True)):
            shown = j <= S and j in (0, k, S)  # before adaptation, the chosen step and the last one
            lines.set_segments(list(np.swapaxes(view.positions[j], 0, 1)) if shown else [])
            lines.set(lw=1.3 if j == k else 0.7, alpha=0.9 if j == k else 0.2, zorder=3 if j == k else 2)
            middle = view.positions[j].mean(axis=1) if shown else np.zeros((0, 2))  # mean position at each t
            centre.set_data(middle[:, 0], middle[:, 1])
            centre.set(lw=3 if j == k else 1.5, alpha=1.0 if j == k else 0.6)
        ends = view.positions[k, -1]
        self.ends.set_data(ends[:, 0], ends[:, 1])
        self.ends.set_color(color)
        for goal in self.goals:
            goal.set_data([view.goal[0]], [view.goal[1]])
        self.plane.set_title(_("{count} trajectories {when} (bold: their mean)",
                               count=view.positions.shape[2], when=step_label(k)), fontsize=10)
        self.quiver.set_UVC(view.field[:, 0], view.field[:, 1])
        self.quiver.set_color(color)
        self.arrows.set_title(_("mean action of the policy, {when}", when=step_label(k)), fontsize=10)
        mean, ci = mean_ci95(view.returns)
        steps_axis = np.arange(S + 1)
        self.mean.set_data(steps_axis, mean)
        self.spread.set_segments([[(j, m - c), (j, m + c)]
                                  for j, m, c in zip(steps_axis, mean, ci, strict=True)])
        self.chosen.set_data([k], [mean[k]])
        self.chosen.set_mec(color)
        low = float(np.min(mean - ci))
        for line in self.references.values():
            line.set_data([], [])
        for label, values in (view.references or {}).items():
            values = np.asarray(values, float)[:S + 1]
            self._reference_line(label).set_data(np.arange(len(values)), values)
            low = min(low, float(np.min(values)))
        shown = [self.mean] + [line for line in self.references.values() if len(line.get_xdata())]
        self._floor = min(self._floor, return_floor(low))  # the axis only grows: goals stay comparable
        layout = (self._floor, S, tuple(map(id, shown)))
        if layout != self._layout:  # the return axis or its legend changed: a new background
            self.curve.set_ylim(self._floor, 1.0)  # returns are at most 0
            self.curve.set_xlim(-0.3, S + 0.3)
            self.curve.legend(handles=shown, fontsize=8, loc="lower right")
            self._layout, self._background = layout, None
        self.title.set_text(_("{learner} on the goal ({x:+.2f}, {y:+.2f}): {when}, mean return {mean:.1f}",
                              learner=view.learner, x=view.goal[0], y=view.goal[1], when=step_label(k),
                              mean=mean[k]))
        return self.render()

    def render(self):
        """PNG of the kept background (drawn again when missing) with the moving artists over it."""
        if self._background is None:
            self.canvas.draw()  # every artist but the animated ones
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self.full_renders += 1
        else:
            self.canvas.restore_region(self._background)
        for artist in self.dynamic:
            self.figure.draw_artist(artist)
        return png_of(self.canvas.buffer_rgba())


def navigation_figure(view):
    """PNG of one NavigationView (a fresh NavigationFigure; a playground keeps one instead)."""
    return NavigationFigure(len(view.returns) - 1).draw(view)
