"""Draw your own task (Lesson 9): the student clicks support points on a plot, any shape (a
sine, a line, a step, a sawtooth), and every chosen learner adapts to them and draws its
prediction; presets fill in example shapes, some far from the sinusoid family the learners
were meta-trained on (amplitude 0.1-5, x in [-5, 5]).

The clicked points make one task's support set (an `Episode` with support_x, support_y
[1, K, 1]); each learner is asked for its `prediction_path` on a dense grid and at the points
(through the kit's interface only: a learner that `adapts_by_steps` is drawn before and after
the steps slider's number of steps, any other after its one forward pass; no learner is
treated by its name). The figure lives in `draw_plots.DrawFigure` (an ipympl canvas whose
artists are updated in place); this playground wires its mouse events and controls.

A click costs one compiled prediction per learner (the tasks' shapes change with every
click, so `prepare()` traces each learner's prediction once for any number of points) and one
Agg render.
"""

import html

import ipywidgets as W
import numpy as np
from tqdm.auto import tqdm

from . import checks
from .draw_plots import DrawFigure
from .i18n import N_, _, translate
from .playground import Playground, button, slider
from .tasks import Episode, Sinusoid

X_RANGE, Y_RANGE = (-10.0, 10.0), (-12.0, 12.0)  # what the student can click on
FAMILY = ((-5.0, 5.0), (-5.0, 5.0))  # the sinusoid family's x range and largest |y| (amplitude <= 5)
DIVERGED = 1e6  # an MSE above this (or not finite) is reported as diverged


def _sawtooth(x):
    return 2.5 * (2.0 * ((x + 1.5) / 3.0 % 1.0) - 1.0)


# name -> (what it shows, shown with translate(); y = f(x), the x of its support points)
PRESETS = {
    "sine": (N_("a sine from the family (A = 3)"), lambda x: Sinusoid.function(3.0, 1.0, x),
             np.array([-4.0, -2.2, -0.3, 1.6, 3.9])),
    "line": (N_("a line"), lambda x: 0.5 * x - 1.0, np.linspace(-4.5, 4.5, 5)),
    "step": (N_("a step"), lambda x: np.where(x < 0, -2.0, 2.0), np.linspace(-4.5, 4.5, 8)),
    "sawtooth": (N_("a sawtooth"), _sawtooth, np.linspace(-4.6, 4.4, 12)),
    "big sine": (N_("a sine of amplitude 10 (the family's: 0.1 to 5)"),
                 lambda x: Sinusoid.function(10.0, 0.0, x), np.linspace(-4.5, 4.5, 8)),
    "wide sine": (N_("a sine with points out to x = +-9.5 (the family's x: -5 to 5)"),
                  lambda x: Sinusoid.function(3.0, 1.0, x), np.linspace(-9.5, 9.5, 10)),
}


def _check_learners(learners):
    if not isinstance(learners, dict) or not learners:
        raise TypeError(_("learners must be a non-empty dict {{name: learner}}, got {learners!r}",
                          learners=learners))
    for name, learner in learners.items():
        missing = [a for a in ("prediction_path", "adapts_by_steps") if not hasattr(learner, a)]
        if not isinstance(name, str) or missing:
            raise TypeError(_("learners[{name!r}] must be a learner (lesson_lib.learners) under a str name; "
                              "got {type}, which lacks {missing}", name=name, type=type(learner).__name__,
                              missing=missing))
    return dict(learners)


class DrawPlayground(Playground):
    """Click on the plot to add a support point (right-click: remove the nearest one); buttons
    to remove the last point, clear, and fill in a preset shape; a steps slider for the learners
    that adapt by steps; a chooser of learners. The readout (`pg-status`) gives the number of
    points and each learner's MSE on them.

    learners: {name: learner}, e.g. `{"MAML": recipes.sinusoid.load("MAML", 5)[0], ...}`.
    steps: the steps slider's first value (default: 5, or max_steps if smaller); max_steps: its
    maximum (each click computes all of them, so moving the slider only redraws); preset: the
    shape shown first (a key of PRESETS, or None: no points); max_points: the most points a task
    may have; prepare: trace the learners' predictions now (else the first two clicks pay for it).
    """

    def __init__(self, learners, *, steps=None, max_steps=10, preset="sine", show=None, max_points=30,
                 prepare=True):
        super().__init__("draw")
        self.learners = _check_learners(learners)
        self.max_steps = checks.integer("max_steps", max_steps, 0, 50)
        self.max_points = checks.integer("max_points", max_points, 1)
        if preset is not None and preset not in PRESETS:
            raise ValueError(_("preset must be one of {presets} or None, got {preset!r}",
                               presets=sorted(PRESETS), preset=preset))
        show = list(self.learners) if show is None else list(show)
        unknown = [n for n in show if n not in self.learners]
        if unknown:
            raise ValueError(_("show names learners that are not given: {unknown}; given: {given}",
                               unknown=unknown, given=list(self.learners)))
        self.grid = np.linspace(*X_RANGE, 400, dtype=np.float32)
        self.points = np.zeros((0, 2), np.float32)  # the support set: rows (x, y)
        self.shape = None  # the preset's y on the grid, while its points are shown
        self.note = ""  # a message for the next readout (a click outside the axes, a bad point)
        self.figure = DrawFigure(self.learners, self.grid, x_range=X_RANGE, y_range=Y_RANGE, family=FAMILY)
        self.canvas = self.figure.canvas
        self.canvas.add_class("pg-draw-canvas")  # the browser tests click on it
        self.figure.on_click(self.on_click)

        stepwise = any(lr.adapts_by_steps for lr in self.learners.values())
        steps = min(5, self.max_steps) if steps is None else steps
        self.steps = slider(W.IntSlider, "pg-steps", value=checks.integer("steps", steps, 0, self.max_steps),
                            min=0, max=self.max_steps, description=_("adaptation steps"),
                            disabled=not stepwise)
        self.chooser = W.SelectMultiple(options=list(self.learners), value=show, rows=len(self.learners),
                                        description=_("learners"))
        self.chooser.add_class("pg-learners")
        undo, clear = button(_("remove last"), "undo", "pg-undo"), button(_("clear"), "trash", "pg-clear")
        undo.on_click(lambda _button: self.remove_last())
        clear.on_click(lambda _button: self.clear())
        presets = []
        for key, (label, _function, _xs) in PRESETS.items():
            b = button(key, "pencil", f"pg-preset-{key.replace(' ', '-')}")  # the key, as lessons name it
            b.tooltip = translate(label)
            b.on_click(lambda _button, key=key: self.use_preset(key))
            presets.append(b)
        self.watch(self.steps, self.chooser)
        self.arrange(W.VBox([W.HBox([W.VBox([self.steps, W.HBox([undo, clear])]), self.chooser]),
                             W.HBox([W.Label(_("presets:")), *presets],
                                    layout=W.Layout(flex_flow="row wrap"))]))
        if prepare:
            self.prepare()
        if preset is not None:
            self.use_preset(preset)

    def arrange(self, controls):
        """The root widget: controls, the readout, then the canvas (in place of the base's image)."""
        self.widget = W.VBox([controls, self.status, self.canvas])
        self.widget.add_class(f"pg-{self.name}")
        self.widget.add_class("pg-playground")

    # --- what the student does -----------------------------------------------------------
    def on_click(self, event):
        """A mouse press on the canvas: left adds a point at (xdata, ydata), right removes the
        point nearest to it; outside the axes it only says where to click."""
        if getattr(event, "dblclick", False):
            return  # a double click also sends its two presses, which already added two points
        if event.xdata is None or event.ydata is None or event.inaxes is None:
            self.note = _("Click inside the axes to add a point.")
            self.redraw.request()
        elif event.button == 3:
            self.remove_nearest(event.xdata, event.ydata)
        else:
            self.add_point(event.xdata, event.ydata)

    def add_point(self, x, y):
        """Add the support point (x, y); returns whether it was added (if not, the readout says why)."""
        try:
            x, y = float(x), float(y)
        except (TypeError, ValueError):
            return self._refuse(_("A point needs two numbers x and y, got x = {x!r}, y = {y!r}.", x=x, y=y))
        if not (np.isfinite(x) and np.isfinite(y)):
            return self._refuse(_("A point needs finite x and y, got ({x}, {y}).", x=x, y=y))
        if not (X_RANGE[0] <= x <= X_RANGE[1] and Y_RANGE[0] <= y <= Y_RANGE[1]):
            return self._refuse(_("({x:.2f}, {y:.2f}) is outside the plot: x must lie in {x_range}, "
                                  "y in {y_range}.", x=x, y=y, x_range=X_RANGE, y_range=Y_RANGE))
        if len(self.points) >= self.max_points:
            return self._refuse(_("At most {count} points: remove one or clear first.",
                                  count=self.max_points))
        self.points = np.vstack([self.points, np.float32([[x, y]])])
        self.redraw.request()
        return True

    def _refuse(self, message):
        self.note = message
        self.redraw.request()
        return False

    def remove_last(self):
        if not len(self.points):
            return self._refuse(_("There is no point to remove."))
        self.points = self.points[:-1]
        self.redraw.request()
        return True

    def remove_nearest(self, x, y):
        if not len(self.points):
            return self._refuse(_("There is no point to remove."))
        scale = np.array([X_RANGE[1] - X_RANGE[0], Y_RANGE[1] - Y_RANGE[0]])
        nearest = int(np.argmin(np.sum(((self.points - [x, y]) / scale) ** 2, axis=1)))
        self.points = np.delete(self.points, nearest, axis=0)
        self.redraw.request()
        return True

    def clear(self):
        self.points, self.shape = self.points[:0], None
        self.redraw.request()

    def use_preset(self, key):
        """Replace the points by the preset's (see PRESETS) and show its shape."""
        if key not in PRESETS:
            raise ValueError(_("preset must be one of {presets}, got {key!r}", presets=sorted(PRESETS),
                               key=key))
        label, function, xs = PRESETS[key]
        self.points = np.stack([xs, function(xs)], axis=1).astype(np.float32)
        self.shape = function(self.grid.astype(np.float64)).astype(np.float32)
        self.note = _("Preset: {label}.", label=translate(label))
        self.redraw.request()

    # --- what the learners do ------------------------------------------------------------
    def episode(self, points=None):
        """One task whose support set is the points; its queries are the grid, then the points
        themselves (so one prediction gives the curve and the error on the points)."""
        points = self.points if points is None else points
        sx, sy = points[None, :, :1], points[None, :, 1:]
        qx = np.concatenate([self.grid[:, None], points[:, :1]])[None]
        return Episode(sx, sy, qx, np.zeros_like(qx))

    def _steps_of(self, learner):
        return self.max_steps if learner.adapts_by_steps else 0

    def prepare(self):
        """Trace each learner's prediction for one and for two points: after the second shape a
        compiled function takes any number (reduce_retracing), so no click waits for tracing.
        Then let each learner check (once per K, `check_episode`) every size of support set
        up to max_points, which would otherwise cost the first click at each K a forward pass."""
        def points(k):
            return np.float32(np.stack([np.linspace(-1, 1, k), np.zeros(k)], axis=1))

        total = len(self.learners) * (2 + self.max_points)
        with tqdm(total=total, desc=_("preparing the learners")) as progress:
            for learner in self.learners.values():
                for k in (1, 2):
                    episode = self.episode(points(k))
                    learner.prediction_path(episode, episode.query_x, self._steps_of(learner))
                    progress.update()
                for k in range(1, self.max_points + 1):
                    learner.check_episode(self.episode(points(k)))
                    progress.update()

    def predictions(self, name):
        """(path on the grid [steps + 1, N], path at the points [steps + 1, K]) for the current
        points: after 0..max_steps steps, or one row for a learner that adapts in one pass."""
        learner = self.learners[name]

        def compute():
            episode = self.episode()
            with np.errstate(all="ignore"):
                path = learner.prediction_path(episode, episode.query_x, self._steps_of(learner))[0, :, :, 0]
            return path[:, :len(self.grid)], path[:, len(self.grid):]

        return self.cached((name, self.points.tobytes()), compute)

    # --- drawing -------------------------------------------------------------------------
    def draw(self):
        """Update the figure, then the readout (last: the browser tests wait for it)."""
        steps, chosen = self.steps.value, list(self.chooser.value)
        shown, parts = {}, []
        if len(self.points):
            for name in chosen:
                on_grid, at_points = self.predictions(name)
                row = min(steps, len(on_grid) - 1)
                stepwise = len(on_grid) > 1
                shown[name] = (on_grid[0] if stepwise else None, on_grid[row])
                error = float(np.mean((at_points[row] - self.points[:, 1]) ** 2))
                who = html.escape(name)
                if not np.isfinite(error) or error > DIVERGED:
                    parts.append(
                        _("<b style='color:red'>{name} diverged</b>", name=who) if stepwise
                        else _("<b style='color:red'>{name} diverged</b> (one forward pass)", name=who))
                else:
                    parts.append(f"{who} {error:.3f}" if stepwise else
                                 _("{name} {mse:.3f} (one forward pass)", name=who, mse=error))
        self.figure.update(self.points, self.shape, shown, steps)
        count = len(self.points)
        if not count:
            head = _("<b>No points yet</b>: click on the plot to add support points, or pick a preset.")
        else:
            points = _("{count} point", count=count) if count == 1 else _("{count} points", count=count)
            taken = (_("{steps} adaptation step", steps=steps) if steps == 1 else
                     _("{steps} adaptation steps", steps=steps))
            head = (_("<b>{points}</b>, {steps} &nbsp;|&nbsp; MSE on your points: {errors}", points=points,
                      steps=taken, errors=" &nbsp;|&nbsp; ".join(parts)) if parts else
                    _("<b>{points}</b>, {steps} &nbsp;|&nbsp; no learner chosen", points=points, steps=taken))
        note, self.note = self.note, ""
        note = f"<span class='pg-note' style='color:#b35900'>{html.escape(note)}</span><br>" if note else ""
        self.status.value = note + head
