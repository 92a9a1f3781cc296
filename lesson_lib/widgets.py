"""Live playgrounds for the lessons: move a slider, watch a learner adapt (Lessons 0-6).

The figure (plots.AdaptationFigure) is drawn with matplotlib by blitting and shown as a PNG
in an ipywidgets Image, which updates in place (no flicker, no output area to clear).

A playground never trains or adapts by private code: it asks the learners for their
`prediction_path` (predictions after 0..20 steps) and draws them. Results are cached per
(learner, task, K, alpha), so the inner-steps slider only redraws. Redraws are coalesced:
values that arrive while a redraw is pending are folded into that one redraw, so dragging
a slider never queues a backlog. Every widget carries a stable CSS class ("pg-...") for
the browser tests.
"""

import asyncio
import html
import traceback

import ipywidgets as W
import numpy as np

from . import checks
from .evaluation import adaptation_curve
from .plots import AdaptationFigure, training_figure
from .tasks import Episode, Sinusoid
from .training import DivergenceError, meta_train

DIVERGED = 1e3  # a query MSE above this (or not finite) is shown as "diverged"


class CoalescingRedraw:
    """Call `draw` once for any burst of requests.

    Inside a running event loop (a Jupyter kernel) a request schedules one draw after
    `delay` seconds and later requests join it; with no loop running (scripts, tests) it
    draws at once. `count` is the number of draws done.

    If `draw` raises, `status` (an HTML widget) says so in red, with the error, instead of
    the student seeing nothing (a failed delayed draw is shown nowhere by JupyterLab); the
    traceback goes to stderr for whoever debugs it.
    """

    def __init__(self, draw, delay=0.03, status=None):
        self.draw, self.delay, self.status = draw, delay, status
        self.count, self.requests, self._handle = 0, 0, None

    def request(self):
        self.requests += 1
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return self.run()
        if self._handle is None:
            self._handle = loop.call_later(self.delay, self.run)

    def run(self):
        self._handle = None
        self.count += 1
        try:
            self.draw()
        except Exception as error:
            if self.status is None:
                raise
            traceback.print_exc()
            self.status.value = (f"<b class='pg-error' style='color:red'>The plot could not be redrawn "
                                 f"({type(error).__name__}: {html.escape(str(error))}). Try another "
                                 f"value; if it persists, restart the kernel and run the lesson again.</b>")


def _slider(kind, css, **kwargs):
    widget = kind(continuous_update=False, style={"description_width": "initial"}, **kwargs)
    widget.add_class(css)
    return widget


class SinusoidPlayground:
    """Sliders for inner steps, alpha, K, amplitude and phase, a "new task" button and a
    chooser of learners; two panels: the function view (true curve, support points, the
    prediction before adaptation and after each step, fading) and the adaptation curve
    (query MSE vs inner step, per learner).

    learners: {name: learner}, e.g. from `lesson_lib.shipped.load_sinusoid`.
    """

    max_steps = 20

    def __init__(self, learners, K=5, steps=5, alpha=0.01, amplitude=None, phase=None, seed=0,
                 show=("MAML",)):
        self.learners = dict(learners)  # none: only the task is drawn (Lesson 0)
        self.tasks = Sinusoid(seed=checks.integer("seed", seed, 0))
        self.rng = np.random.default_rng(seed)
        self.grid = np.linspace(-5, 5, 200, dtype=np.float32)[:, None]
        self._cache = {}
        self._muted = False
        self.steps = _slider(W.IntSlider, "pg-steps", value=checks.integer("steps", steps, 0, self.max_steps),
                             min=0, max=self.max_steps, description="inner steps")
        self.alpha = _slider(W.FloatLogSlider, "pg-alpha", value=checks.positive_number("alpha", alpha),
                             base=10, min=-3, max=0.5, step=0.05, description="alpha (inner step)",
                             readout_format=".3g")
        self.K = _slider(W.IntSlider, "pg-shots", value=checks.integer("K", K, 1, 20), min=1, max=20,
                         description="shots K")
        self.amplitude = _slider(W.FloatSlider, "pg-amplitude", min=0.1, max=5.0, step=0.05,
                                 description="amplitude A", readout_format=".2f")
        self.phase = _slider(W.FloatSlider, "pg-phase", min=0.0, max=float(np.pi), step=0.05,
                             description="phase", readout_format=".2f")
        self.new_task = W.Button(description="new task", icon="refresh")
        self.new_task.add_class("pg-new-task")
        chosen = tuple(n for n in show if n in self.learners) or tuple(self.learners)[:1]
        self.chooser = W.SelectMultiple(options=list(self.learners), value=chosen, rows=len(self.learners),
                                        description="learners")
        self.chooser.add_class("pg-learners")
        self.status = W.HTML()
        self.status.add_class("pg-status")
        self.image = W.Image(format="png")
        self.image.add_class("pg-plot")
        self.figure = AdaptationFigure(self.learners, self.grid, self.max_steps, DIVERGED)
        self.ax_fn, self.ax_curve = self.figure.ax_fn, self.figure.ax_curve
        # learners that adapt in one forward pass have no "before" and no steps to draw
        self._one_shot = {n for n, lr in self.learners.items() if not lr.inner_steps and not lr.uses_alpha}
        self._new_support_pool()
        self.amplitude.value = float(self.rng.uniform(0.1, 5.0)) if amplitude is None else amplitude
        self.phase.value = float(self.rng.uniform(0, np.pi)) if phase is None else phase
        self.redraw = CoalescingRedraw(self.draw, status=self.status)
        for widget in (self.steps, self.alpha, self.K, self.amplitude, self.phase, self.chooser):
            widget.observe(self._changed, names="value")
        self.new_task.on_click(lambda _: self.sample_task())
        learner_controls = [self.steps, self.alpha] if self.learners else []
        self.widget = W.VBox([W.HBox([W.VBox([*learner_controls, self.K]),
                                      W.VBox([self.amplitude, self.phase, self.new_task]),
                                      *([self.chooser] if self.learners else [])]),
                              self.status, self.image])
        self.widget.add_class("pg-sinusoid")
        self.widget.add_class("pg-playground")  # the browser tests find every playground by this class

    def _new_support_pool(self):
        """20 x positions; the support set is the first K of them, so K grows by adding points."""
        self.pool = self.rng.uniform(-5, 5, (20, 1)).astype(np.float32)

    def sample_task(self):
        """A new random task (amplitude, phase and support points), drawn in one redraw."""
        self._new_support_pool()
        self._muted = True
        try:
            self.amplitude.value = float(self.rng.uniform(0.1, 5.0))
            self.phase.value = float(self.rng.uniform(0, np.pi))
        finally:
            self._muted = False
        self.redraw.request()

    def _changed(self, change):
        if not self._muted:
            self.redraw.request()

    def episode(self):
        x = self.pool[: self.K.value]
        y = Sinusoid.function(self.amplitude.value, self.phase.value, x).astype(np.float32)
        truth = Sinusoid.function(self.amplitude.value, self.phase.value, self.grid).astype(np.float32)
        return Episode(x[None], y[None], self.grid[None], truth[None])

    def results(self, name):
        """(predictions [steps + 1, 200], query MSE [steps + 1]) for the current task."""
        learner = self.learners[name]
        key = (name, self.amplitude.value, self.phase.value, self.K.value, self.pool.tobytes(),
               self.alpha.value if learner.uses_alpha else None)
        if key not in self._cache:
            episode = self.episode()
            options = {"alpha": self.alpha.value} if learner.uses_alpha else {}
            with np.errstate(all="ignore"):
                path = learner.prediction_path(episode, self.grid[None], self.max_steps, **options)
                path = path[0, :, :, 0]
                mse = np.mean((path - episode.query_y[0, :, 0]) ** 2, axis=1)
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = (path, mse)
        return self._cache[key]

    def draw(self):
        """Redraw both panels for the current slider values, then update the readout."""
        steps, episode = self.steps.value, self.episode()
        results = {name: self.results(name) for name in self.chooser.value}
        png, diverged = self.figure.render(episode.support_x[0, :, 0], episode.support_y[0, :, 0],
                                           episode.query_y[0, :, 0], results, steps, one_shot=self._one_shot)
        self.image.value = png
        notes = []
        for name, (_, mse) in results.items():
            if diverged[name] is not None:
                notes.append(f"<b style='color:red'>{name} diverged at step {diverged[name]}</b> "
                             f"(alpha = {self.alpha.value:.3g} is too large for it)")
            else:
                notes.append(f"{name}: query MSE {mse[0]:.3f} before, {mse[steps]:.3f} after {steps} steps")
        if not results:
            notes.append(f"task: A = {self.amplitude.value:.2f}, phase = {self.phase.value:.2f}, "
                         f"K = {self.K.value}")
        self.status.value = " &nbsp;|&nbsp; ".join(notes)  # the readout is updated last

    def show(self):
        self.redraw.run()
        return self.widget


class TrainingPlayground:
    """Train a learner live (Lesson 2): sliders for the outer learning rate beta and the number
    of meta-iterations, a "train" button, and a panel comparing every run so far: its
    meta-loss and its adaptation curve on the same test tasks. Training goes through
    `training.meta_train`, with its progress bar and divergence guard.

    make_learner: beta -> a fresh learner, e.g. `lambda beta: MAML(mlp(), beta=beta)`.
    """

    def __init__(self, make_learner, K=5, meta_batch=25, beta=1e-3, iterations=500, steps=10, seed=0):
        self.make_learner = make_learner
        self.K, self.meta_batch, self.steps, self.seed = (checks.integer("K", K, 1),
                                                          checks.integer("meta_batch", meta_batch, 1),
                                                          checks.integer("steps", steps, 0),
                                                          checks.integer("seed", seed, 0))
        self.beta = _slider(W.FloatLogSlider, "pg-beta", value=checks.positive_number("beta", beta), base=10,
                            min=-4, max=0, step=0.1, description="beta (outer learning rate)",
                            readout_format=".1e")
        iterations = checks.integer("iterations", iterations, 1)
        self.iterations = _slider(W.IntSlider, "pg-iterations", value=iterations, min=100, max=5000, step=100,
                                  description="meta-iterations")
        self.train_button = W.Button(description="train", icon="play")
        self.train_button.add_class("pg-train")
        self.progress = W.Output()
        self.progress.add_class("pg-progress")
        self.status = W.HTML()
        self.status.add_class("pg-train-status")
        self.image = W.Image(format="png")
        self.image.add_class("pg-train-plot")
        self.test = Sinusoid(seed=10_000 + seed).sample(200, self.K, 100)
        self.runs = []
        self.train_button.on_click(lambda _: self.train())
        self.widget = W.VBox([W.HBox([self.beta, self.iterations, self.train_button]), self.progress,
                              self.status, self.image])
        self.widget.add_class("pg-training")
        self.widget.add_class("pg-playground")

    def train(self):
        """One run with the sliders' values; it is added to the comparison."""
        beta, iterations = self.beta.value, self.iterations.value
        learner = self.make_learner(beta)
        label = f"{learner.name}, beta = {beta:.1e}, {iterations} its"
        self.train_button.disabled = True
        try:
            with self.progress:
                self.progress.clear_output(wait=True)
                history = meta_train(learner, Sinusoid(seed=self.seed), iterations,
                                     meta_batch=self.meta_batch, K=self.K)
            curve = adaptation_curve(learner, self.test, self.steps).mean
            if np.all(np.isfinite(curve)):
                note = f"{label}: query MSE {curve[0]:.3f} before, {curve[-1]:.3f} after {self.steps} steps"
            else:
                note = f"<b style='color:red'>{label}: adaptation diverges on some test tasks</b>"
                curve = None
        except DivergenceError as error:
            history, curve = error.history, None
            note = f"<b style='color:red'>{error}</b>"
        finally:
            self.train_button.disabled = False
        self.runs.append((label, history.losses, curve))
        self.image.value = training_figure(self.runs, self.steps)
        self.status.value = note
        return history

    def show(self, train=True):
        """The widget; by default after one run with the initial values, so it is never empty."""
        if train and not self.runs:
            self.train()
        return self.widget
