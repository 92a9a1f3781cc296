"""The sinusoid playgrounds (Lessons 0-6): move a slider, watch a learner adapt; train one live.

The figure (plots.AdaptationFigure) is drawn with matplotlib by blitting and shown as a PNG
in an ipywidgets Image, which updates in place (no flicker, no output area to clear).

Like every playground (`playground.Playground`) they never train or adapt by private code:
the sinusoid playground asks the learners for their `prediction_path` (predictions after
0..20 steps) and draws them, cached per (learner, task, K, alpha), so the inner-steps slider
only redraws; the training playground trains through `training.meta_train`.
"""

import ipywidgets as W
import numpy as np

from . import checks
from .evaluation import adaptation_curve
from .i18n import _
from .playground import Playground, button, slider
from .plots import AdaptationFigure, training_figure
from .tasks import Episode, Sinusoid
from .training import DivergenceError, meta_train

DIVERGED = 1e3  # a query MSE above this (or not finite) is shown as "diverged"


class SinusoidPlayground(Playground):
    """Sliders for inner steps, alpha, K, amplitude and phase, a "new task" button and a
    chooser of learners; two panels: the function view (true curve, support points, the
    prediction before adaptation and after each step, fading) and the adaptation curve
    (query MSE vs inner step, per learner).

    learners: {name: learner}, e.g. from `lesson_lib.recipes.sinusoid.load`, or the untrained
    `recipes.sinusoid.learner("scratch")` that Lesson 0 shows failing on five points; none: only
    the task is drawn.
    """

    max_steps = 20

    def __init__(self, learners, K=5, steps=5, alpha=0.01, amplitude=None, phase=None, seed=0,
                 show=("MAML",)):
        super().__init__("sinusoid")
        self.learners = dict(learners)  # none: only the task is drawn
        self.tasks = Sinusoid(seed=checks.integer("seed", seed, 0))
        self.rng = np.random.default_rng(seed)
        self.grid = np.linspace(-5, 5, 200, dtype=np.float32)[:, None]
        self.steps = slider(W.IntSlider, "pg-steps", value=checks.integer("steps", steps, 0, self.max_steps),
                            min=0, max=self.max_steps, description=_("inner steps"))
        self.alpha = slider(W.FloatLogSlider, "pg-alpha", value=checks.positive_number("alpha", alpha),
                            base=10, min=-3, max=0.5, step=0.05, description=_("alpha (inner step)"),
                            readout_format=".3g")
        self.K = slider(W.IntSlider, "pg-shots", value=checks.integer("K", K, 1, 20), min=1, max=20,
                        description=_("shots K"))
        self.amplitude = slider(W.FloatSlider, "pg-amplitude", min=0.1, max=5.0, step=0.05,
                                description=_("amplitude A"), readout_format=".2f")
        self.phase = slider(W.FloatSlider, "pg-phase", min=0.0, max=float(np.pi), step=0.05,
                            description=_("phase"), readout_format=".2f")
        self.new_task = button(_("new task"), "refresh", "pg-new-task")
        chosen = tuple(n for n in show if n in self.learners) or tuple(self.learners)[:1]
        self.chooser = W.SelectMultiple(options=list(self.learners), value=chosen, rows=len(self.learners),
                                        description=_("learners"))
        self.chooser.add_class("pg-learners")
        self.figure = AdaptationFigure(self.learners, self.grid, self.max_steps, DIVERGED)
        self.ax_fn, self.ax_curve = self.figure.ax_fn, self.figure.ax_curve
        # learners that adapt in one forward pass have no "before" and no steps to draw
        self._one_shot = {n for n, lr in self.learners.items() if not lr.adapts_by_steps}
        self._new_support_pool()
        self.amplitude.value = float(self.rng.uniform(0.1, 5.0)) if amplitude is None else amplitude
        self.phase.value = float(self.rng.uniform(0, np.pi)) if phase is None else phase
        self.watch(self.steps, self.alpha, self.K, self.amplitude, self.phase, self.chooser)
        self.new_task.on_click(lambda _button: self.sample_task())
        learner_controls = [self.steps, self.alpha] if self.learners else []
        self.arrange(W.HBox([W.VBox([*learner_controls, self.K]),
                             W.VBox([self.amplitude, self.phase, self.new_task]),
                             *([self.chooser] if self.learners else [])]))

    def _new_support_pool(self):
        """20 x positions; the support set is the first K of them, so K grows by adding points."""
        self.pool = self.rng.uniform(-5, 5, (20, 1)).astype(np.float32)

    def sample_task(self):
        """A new random task (amplitude, phase and support points), drawn in one redraw."""
        self._new_support_pool()
        with self.muted():
            self.amplitude.value = float(self.rng.uniform(0.1, 5.0))
            self.phase.value = float(self.rng.uniform(0, np.pi))
        self.redraw.request()

    def episode(self):
        x = self.pool[: self.K.value]
        y = Sinusoid.function(self.amplitude.value, self.phase.value, x).astype(np.float32)
        truth = Sinusoid.function(self.amplitude.value, self.phase.value, self.grid).astype(np.float32)
        return Episode(x[None], y[None], self.grid[None], truth[None])

    def results(self, name):
        """(predictions [steps + 1, 200], query MSE [steps + 1]) for the current task."""
        learner = self.learners[name]
        alpha = self.alpha.value if learner.uses_alpha else None
        key = (name, self.amplitude.value, self.phase.value, self.K.value, self.pool.tobytes(), alpha)

        def compute():
            episode = self.episode()
            with np.errstate(all="ignore"):
                path = learner.prediction_path(episode, self.grid[None], self.max_steps, alpha=alpha)
                path = path[0, :, :, 0]
                return path, np.mean((path - episode.query_y[0, :, 0]) ** 2, axis=1)

        return self.cached(key, compute)

    def render(self):
        """Both panels for the current slider values, and the readout."""
        steps, episode = self.steps.value, self.episode()
        results = {name: self.results(name) for name in self.chooser.value}
        png, diverged = self.figure.render(episode.support_x[0, :, 0], episode.support_y[0, :, 0],
                                           episode.query_y[0, :, 0], results, steps, one_shot=self._one_shot)
        notes = []
        for name, (_path, mse) in results.items():
            if diverged[name] is not None:
                diverged_at = _("{name} diverged at step {step}", name=name, step=diverged[name])
                notes.append(f"<b style='color:red'>{diverged_at}</b> " + _(
                    "(alpha = {alpha} is too large for it)", alpha=f"{self.alpha.value:.3g}"))
            else:
                notes.append(_("{name}: query MSE {before} before, {after} after {steps} steps", name=name,
                               before=f"{mse[0]:.3f}", after=f"{mse[steps]:.3f}", steps=steps))
        if not results:
            notes.append(_("task: A = {A}, phase = {phase}, K = {K}", A=f"{self.amplitude.value:.2f}",
                           phase=f"{self.phase.value:.2f}", K=self.K.value))
        return png, " &nbsp;|&nbsp; ".join(notes)


class TrainingPlayground(Playground):
    """Train a learner live (Lesson 2): sliders for the outer learning rate beta and the number
    of meta-iterations, a "train" button, and a panel comparing every run so far: its
    meta-loss and its adaptation curve on the same test tasks. Training goes through
    `training.meta_train`, with its progress bar and divergence guard.

    make_learner: beta -> a fresh learner, e.g. `lambda beta: MAML(mlp(), beta=beta)`.
    """

    def __init__(self, make_learner, K=5, meta_batch=25, beta=1e-3, iterations=500, steps=10, seed=0):
        super().__init__("training", status_css="pg-train-status", image_css="pg-train-plot")
        self.make_learner = make_learner
        self.K, self.meta_batch, self.steps, self.seed = (checks.integer("K", K, 1),
                                                          checks.integer("meta_batch", meta_batch, 1),
                                                          checks.integer("steps", steps, 0),
                                                          checks.integer("seed", seed, 0))
        self.beta = slider(W.FloatLogSlider, "pg-beta", value=checks.positive_number("beta", beta), base=10,
                           min=-4, max=0, step=0.1, description=_("beta (outer learning rate)"),
                           readout_format=".1e")
        iterations = checks.integer("iterations", iterations, 1)
        self.iterations = slider(W.IntSlider, "pg-iterations", value=iterations, min=100, max=5000, step=100,
                                 description=_("meta-iterations"))
        self.train_button = button(_("train"), "play", "pg-train")
        self.progress = W.Output()
        self.progress.add_class("pg-progress")
        self.test = Sinusoid(seed=10_000 + seed).sample(200, self.K, 100)
        self.runs, self.note = [], ""
        self.train_button.on_click(lambda _button: self.train())
        self.arrange(W.VBox([W.HBox([self.beta, self.iterations, self.train_button]), self.progress]))

    def train(self):
        """One run with the sliders' values; it is added to the comparison."""
        beta, iterations = self.beta.value, self.iterations.value
        learner = self.make_learner(beta)
        label = _("{name}, beta = {beta}, {iterations} its", name=learner.name, beta=f"{beta:.1e}",
                  iterations=iterations)
        self.train_button.disabled = True
        try:
            with self.progress:
                self.progress.clear_output(wait=True)
                history = meta_train(learner, Sinusoid(seed=self.seed), iterations,
                                     meta_batch=self.meta_batch, K=self.K)
            curve = adaptation_curve(learner, self.test, self.steps).mean
            if np.all(np.isfinite(curve)):
                self.note = _("{name}: query MSE {before} before, {after} after {steps} steps", name=label,
                              before=f"{curve[0]:.3f}", after=f"{curve[-1]:.3f}", steps=self.steps)
            else:
                said = _("{label}: adaptation diverges on some test tasks", label=label)
                self.note = f"<b style='color:red'>{said}</b>"
                curve = None
        except DivergenceError as error:
            history, curve = error.history, None
            self.note = f"<b style='color:red'>{error}</b>"
        finally:
            self.train_button.disabled = False
        self.runs.append((label, history.losses, curve))
        self.redraw.run()
        return history

    def render(self):
        return training_figure(self.runs, self.steps), self.note

    def show(self, train=True):
        """The widget; by default after one run with the initial values, so it is never empty."""
        if train and not self.runs:
            self.train()
        return self.widget
