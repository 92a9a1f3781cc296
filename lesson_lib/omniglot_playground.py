"""Lesson 7's playground: adapt a few-shot classifier live on Omniglot.

Sliders for the learner, N (ways), K (shots), inner steps and alpha; a "new task" button.
One figure: the support set, the query drawings before and after adaptation (strokes green
where the prediction is right, red where wrong), query accuracy against inner steps, and
the confusion matrix after adaptation. Like the sinusoid playground it only asks the
learners for `prediction_path` and draws; results are cached, so the steps slider only
redraws. Every widget carries a "pg-..." CSS class for the browser tests.
"""

import io

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import checks
from .fewshot import HEADLESS, with_ways
from .tasks import Omniglot
from .widgets import CoalescingRedraw, _slider

QUERIES = 10  # query drawings per class (K <= 10, so K + Q <= 20)
SHOWN_QUERIES = 5  # of which are drawn


def mosaic(images, columns):
    """images [N * columns, 28, 28] (class-major) -> one [N * 28, columns * 28] picture."""
    n = len(images) // columns
    return images.reshape(n, columns, 28, 28).transpose(0, 2, 1, 3).reshape(n * 28, columns * 28)


def tinted(images, correct, columns):
    """White paper, strokes green where `correct`, red where not: an RGB mosaic."""
    ink = mosaic(images, columns)[..., None]
    color = np.where(mosaic(np.broadcast_to(correct[:, None, None], images.shape), columns)[..., None] > 0,
                     np.array([0.0, 0.6, 0.0]), np.array([0.85, 0.0, 0.0]))
    return 1 - ink + ink * color


class OmniglotPlayground:
    """learners: {name: learner} (e.g. `fewshot.load_omniglot_learner`), 5-way models; tasks:
    an Omniglot sampler of the test split (characters never seen in meta-training)."""

    max_steps = 50
    max_ways = 20

    def __init__(self, learners, tasks, learner="MAML", ways=5, K=1, steps=None, seed=0):
        if not learners:
            raise ValueError("learners must name at least one learner")
        if not isinstance(tasks, Omniglot):
            raise TypeError(f"tasks must be an Omniglot sampler, got {type(tasks).__name__}")
        self.learners, self.tasks = dict(learners), tasks
        self.rng = np.random.default_rng(checks.integer("seed", seed, 0))
        self._cache, self._narrowed, self._muted = {}, {}, False
        first = learner if learner in self.learners else next(iter(self.learners))
        self.chooser = W.Dropdown(options=list(self.learners), value=first, description="learner")
        self.chooser.add_class("pg-learner")
        self.ways = _slider(W.IntSlider, "pg-ways", value=checks.integer("ways", ways, 2, self.max_ways),
                            min=2, max=self.max_ways, description="ways N")
        self.K = _slider(W.IntSlider, "pg-shots", value=checks.integer("K", K, 1, 10), min=1, max=10,
                         description="shots K")
        self.steps = _slider(W.IntSlider, "pg-steps", value=0, min=0, max=self.max_steps,
                             description="inner steps")
        self.alpha = _slider(W.FloatLogSlider, "pg-alpha", value=0.1, base=10, min=-4, max=0.5, step=0.05,
                             description="alpha (inner step)", readout_format=".3g")
        self.new_task = W.Button(description="new task", icon="refresh")
        self.new_task.add_class("pg-new-task")
        self.status = W.HTML()
        self.status.add_class("pg-status")
        self.image = W.Image(format="png")
        self.image.add_class("pg-plot")
        self._learner_defaults(steps)
        self._new_task()
        self.redraw = CoalescingRedraw(self.draw, status=self.status)
        self.chooser.observe(self._learner_changed, names="value")
        for widget in (self.ways, self.K, self.steps, self.alpha):
            widget.observe(self._changed, names="value")
        self.new_task.on_click(lambda _: (self._new_task(), self.redraw.request()))
        self.widget = W.VBox([W.HBox([W.VBox([self.chooser, self.ways, self.K]),
                                      W.VBox([self.steps, self.alpha, self.new_task])]),
                              self.status, self.image])
        self.widget.add_class("pg-omniglot")
        self.widget.add_class("pg-playground")

    # --- state --------------------------------------------------------------------------
    def _learner_defaults(self, steps=None):
        """The chosen learner's own alpha and test-time steps; its largest N."""
        learner = self.learners[self.chooser.value]
        self._muted = True
        try:
            headless = self.chooser.value in HEADLESS
            self.ways.max = self.max_ways if headless else learner.model.output_shape[-1]
            if learner.uses_alpha:
                self.alpha.value = learner.alpha
            self.alpha.disabled = not learner.uses_alpha
            self.steps.disabled = not (learner.uses_alpha or learner.inner_steps)
            self.steps.value = steps if steps is not None else min(learner.inner_steps, self.max_steps)
        finally:
            self._muted = False

    def _new_task(self):
        """20 random test classes and, per class, a random order of its 20 drawings: N picks
        the first N classes, K the first K drawings (so moving a slider changes one thing)."""
        self.classes = self.rng.choice(self.tasks.num_classes, self.max_ways, replace=False)
        self.drawings = np.stack([self.rng.permutation(20) for _ in range(self.max_ways)])
        self.task_id = self.rng.integers(1 << 62)

    def _learner_changed(self, change):
        self._learner_defaults()
        self.redraw.request()

    def _changed(self, change):
        if not self._muted:
            self.redraw.request()

    def episode(self):
        N, K = self.ways.value, self.K.value
        return self.tasks.episode(self.classes[None, :N], self.drawings[None, :N, :K + QUERIES], K)

    def learner(self):
        name, N = self.chooser.value, self.ways.value
        if (name, N) not in self._narrowed:
            self._narrowed[(name, N)] = with_ways(name, self.learners[name], N)
        return self._narrowed[(name, N)]

    def results(self):
        """Query logits after 0..S steps [S + 1, N * Q, N] for the current values, S >= the
        steps slider (computed in blocks of 10 steps, eagerly: no tracing for a new N or K)."""
        learner = self.learner()
        key = (self.chooser.value, self.ways.value, self.K.value, self.task_id,
               self.alpha.value if learner.uses_alpha else None)
        adapts = learner.uses_alpha or learner.inner_steps
        if key not in self._cache or (adapts and len(self._cache[key][1]) <= self.steps.value):
            episode = self.episode()
            options = {"alpha": self.alpha.value} if learner.uses_alpha else {}
            steps = min(-(-max(self.steps.value, 1) // 10) * 10, self.max_steps) if adapts else 0
            with np.errstate(all="ignore"):
                path = learner.prediction_path(episode, episode.query_x, steps, eager=True, **options)[0]
            if len(self._cache) > 32:
                self._cache.clear()
            self._cache[key] = (episode, path)
        return self._cache[key]

    # --- drawing ------------------------------------------------------------------------
    def draw(self):
        episode, path = self.results()
        N, K = self.ways.value, self.K.value
        Q = episode.query_x.shape[1] // N
        steps = min(self.steps.value, len(path) - 1)
        truth = episode.query_y[0].argmax(-1)
        finite = np.isfinite(path).all(axis=(1, 2))
        guesses = path.argmax(-1)
        accuracy = np.where(finite, (guesses == truth).mean(axis=1), np.nan)
        self.image.value = self.render(episode, guesses, accuracy, steps, N, K, Q)
        task = f"{self.chooser.value}, {N}-way {K}-shot"
        if not finite[steps]:
            first = int(np.argmin(finite))
            self.status.value = (f"<b style='color:red'>{task}: diverged at step {first}</b>: "
                                 f"alpha = {self.alpha.value:.3g} is too large for it")
        elif len(path) == 1:
            self.status.value = f"{task}: query accuracy {100 * accuracy[0]:.0f}% (one forward pass)"
        else:
            before, after = 100 * accuracy[0], 100 * accuracy[steps]
            self.status.value = (f"{task}: query accuracy {before:.0f}% before, {after:.0f}% after {steps} "
                                 f"steps of alpha = {self.alpha.value:.3g}")

    def render(self, episode, guesses, accuracy, steps, N, K, Q):
        shown = np.concatenate([np.arange(c * Q, c * Q + SHOWN_QUERIES) for c in range(N)])
        queries = episode.query_x[0, shown, :, :, 0]
        truth = np.repeat(np.arange(N), SHOWN_QUERIES)
        height = 2.2 + 0.35 * N
        figure = Figure(figsize=(12, height), dpi=72)
        grid = figure.add_gridspec(1, 5, width_ratios=[max(K, 2), SHOWN_QUERIES, SHOWN_QUERIES, 5, 5],
                                   left=0.03, right=0.98, top=1 - 0.5 / height, bottom=0.7 / height,
                                   wspace=0.35)
        support, before, after, curve, confusion = (figure.add_subplot(g) for g in grid)
        support.imshow(1 - mosaic(episode.support_x[0, :, :, :, 0], K), cmap="gray", vmin=0, vmax=1)
        support.set_title(f"support set ({N} x {K})", fontsize=10)
        one_pass = len(guesses) == 1
        for ax, at, title in ((before, 0, "before adaptation"), (after, steps, f"after {steps} steps")):
            if one_pass and ax is before:
                ax.text(0.5, 0.5, "no steps:\nadapts in one\nforward pass", ha="center", va="center",
                        transform=ax.transAxes)
                continue
            ax.imshow(tinted(queries, guesses[at, shown] == truth, SHOWN_QUERIES))
            ax.set_title(f"queries {title}: {100 * accuracy[at]:.0f}%", fontsize=10)
        for ax in (support, before, after):
            ax.set_xticks([])
            ax.set_yticks(np.arange(N) * 28 + 14, [str(c) for c in range(N)] if N <= 10 else [])
        curve.plot(np.arange(len(accuracy)), 100 * accuracy, marker="o", ms=3)
        curve.axhline(100 / N, color="grey", ls=":", label="chance")
        curve.axvline(steps, color="grey", ls="--", lw=1)
        curve.set(xlim=(-0.5, max(len(accuracy) - 1, 10) + 0.5), ylim=(0, 102), xlabel="inner step",
                  ylabel="query accuracy %")
        alpha = f" (alpha = {self.alpha.value:.3g})" if not self.alpha.disabled else ""
        curve.set_title(f"accuracy vs inner steps{alpha}", fontsize=10)
        curve.legend(fontsize=8, loc="lower right")
        counts = np.zeros((N, N), int)
        np.add.at(counts, (np.repeat(np.arange(N), Q), guesses[steps]), 1)
        confusion.imshow(counts, cmap="Blues", vmin=0, vmax=Q)
        if N <= 10:
            for (i, j), n in np.ndenumerate(counts):
                if n:
                    confusion.text(j, i, str(n), ha="center", va="center", fontsize=8,
                                   color="white" if n > Q / 2 else "black")
        confusion.set(xlabel="predicted class", ylabel="true class")
        confusion.set_title("confusion after adaptation", fontsize=10)
        buffer = io.BytesIO()
        FigureCanvasAgg(figure).print_png(buffer)
        return buffer.getvalue()

    def show(self):
        self.redraw.run()
        return self.widget
