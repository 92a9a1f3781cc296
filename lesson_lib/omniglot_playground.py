"""Lesson 7's playground: adapt a few-shot classifier live on Omniglot.

Sliders for the learner, N (ways), K (shots), inner steps and alpha; a "new task" button.
One figure (`plots.few_shot_figure`): the support set, the query drawings before and after
adaptation, query accuracy against inner steps, and the confusion matrix after adaptation.
Like every playground it only asks the learners for `prediction_path` and draws; results are
cached, so the steps slider only redraws.
"""

import ipywidgets as W
import numpy as np

from . import checks
from .i18n import _
from .playground import Playground, button, slider
from .plots import few_shot_figure
from .recipes.omniglot import with_ways
from .tasks import Omniglot

QUERIES = 10  # query drawings per class (K <= 10, so K + Q <= 20)
SHOWN_QUERIES = 5  # of which are drawn


class OmniglotPlayground(Playground):
    """learners: {name: learner} (e.g. `recipes.omniglot.load`), 5-way models, each opened at
    its own test-time alpha and steps; tasks: an Omniglot sampler of the test split
    (characters never seen in meta-training)."""

    max_steps = 50
    max_ways = 20
    cache_size = 32

    def __init__(self, learners, tasks, learner="MAML", ways=5, K=1, steps=None, seed=0):
        if not learners:
            raise ValueError(_("learners must name at least one learner"))
        if not isinstance(tasks, Omniglot):
            raise TypeError(_("tasks must be an Omniglot sampler, got {type}", type=type(tasks).__name__))
        super().__init__("omniglot")
        self.learners, self.tasks = dict(learners), tasks
        self.rng = np.random.default_rng(checks.integer("seed", seed, 0))
        self._narrowed = {}
        first = learner if learner in self.learners else next(iter(self.learners))
        self.chooser = W.Dropdown(options=list(self.learners), value=first, description=_("learner"))
        self.chooser.add_class("pg-learner")
        self.ways = slider(W.IntSlider, "pg-ways", value=checks.integer("ways", ways, 2, self.max_ways),
                           min=2, max=self.max_ways, description=_("ways N"))
        self.K = slider(W.IntSlider, "pg-shots", value=checks.integer("K", K, 1, 10), min=1, max=10,
                        description=_("shots K"))
        self.steps = slider(W.IntSlider, "pg-steps", value=0, min=0, max=self.max_steps,
                            description=_("inner steps"))
        self.alpha = slider(W.FloatLogSlider, "pg-alpha", value=0.1, base=10, min=-4, max=0.5, step=0.05,
                            description=_("alpha (inner step)"), readout_format=".3g")
        self.new_task = button(_("new task"), "refresh", "pg-new-task")
        self._learner_defaults(steps)
        self._new_task()
        self.chooser.observe(self._learner_changed, names="value")
        self.watch(self.ways, self.K, self.steps, self.alpha)
        self.new_task.on_click(lambda _button: (self._new_task(), self.redraw.request()))
        self.arrange(W.HBox([W.VBox([self.chooser, self.ways, self.K]),
                             W.VBox([self.steps, self.alpha, self.new_task])]))

    # --- state --------------------------------------------------------------------------
    def _learner_defaults(self, steps=None):
        """The chosen learner's own alpha and test-time steps; its largest N."""
        learner = self.learners[self.chooser.value]
        with self.muted():
            self.ways.max = self.max_ways if learner.fixed_ways is None else learner.fixed_ways
            if learner.uses_alpha:
                self.alpha.value = learner.alpha
            self.alpha.disabled = not learner.uses_alpha
            self.steps.disabled = not learner.adapts_by_steps
            self.steps.value = steps if steps is not None else min(learner.inner_steps, self.max_steps)

    def _new_task(self):
        """20 random test classes and, per class, a random order of its 20 drawings: N picks
        the first N classes, K the first K drawings (so moving a slider changes one thing)."""
        self.classes = self.rng.choice(self.tasks.num_classes, self.max_ways, replace=False)
        self.drawings = np.stack([self.rng.permutation(20) for _class in range(self.max_ways)])
        self.task_id = self.rng.integers(1 << 62)

    def _learner_changed(self, change):
        self._learner_defaults()
        self.redraw.request()

    def episode(self):
        N, K = self.ways.value, self.K.value
        return self.tasks.episode(self.classes[None, :N], self.drawings[None, :N, :K + QUERIES], K)

    def learner(self):
        name, N = self.chooser.value, self.ways.value
        if (name, N) not in self._narrowed:
            self._narrowed[(name, N)] = with_ways(self.learners[name], N)
        return self._narrowed[(name, N)]

    def results(self):
        """(episode, query logits after 0..S steps [S + 1, N * Q, N]) for the current values,
        S >= the steps slider (computed in blocks of 10 steps, eagerly: no tracing for a new N
        or K)."""
        learner = self.learner()
        alpha = self.alpha.value if learner.uses_alpha else None
        key = (self.chooser.value, self.ways.value, self.K.value, self.task_id, alpha)

        def compute():
            episode = self.episode()
            blocks = -(-max(self.steps.value, 1) // 10)  # whole blocks of 10 steps
            steps = min(10 * blocks, self.max_steps) if learner.adapts_by_steps else 0
            with np.errstate(all="ignore"):
                path = learner.prediction_path(episode, episode.query_x, steps, alpha=alpha, eager=True)
            return episode, path[0]

        long_enough = lambda kept: not learner.adapts_by_steps or len(kept[1]) > self.steps.value
        return self.cached(key, compute, still_valid=long_enough)

    # --- drawing ------------------------------------------------------------------------
    def render(self):
        episode, path = self.results()
        N, K = self.ways.value, self.K.value
        steps = min(self.steps.value, len(path) - 1)
        truth = episode.query_y[0].argmax(-1)
        finite = np.isfinite(path).all(axis=(1, 2))
        guesses = path.argmax(-1)
        accuracy = np.where(finite, (guesses == truth).mean(axis=1), np.nan)
        alpha = None if self.alpha.disabled else self.alpha.value
        png = few_shot_figure(episode, guesses, accuracy, steps, shown=SHOWN_QUERIES, alpha=alpha)
        task = _("{name}, {N}-way {K}-shot", name=self.chooser.value, N=N, K=K)
        if not finite[steps]:
            return png, _("<b style='color:red'>{task}: diverged at step {step}</b>: alpha = {alpha:.3g} is "
                          "too large for it", task=task, step=int(np.argmin(finite)), alpha=self.alpha.value)
        if len(path) == 1:
            return png, _("{task}: query accuracy {accuracy:.0f}% (one forward pass)", task=task,
                          accuracy=100 * accuracy[0])
        return png, _("{task}: query accuracy {before:.0f}% before, {after:.0f}% after {steps} steps of "
                      "alpha = {alpha:.3g}", task=task, before=100 * accuracy[0], after=100 * accuracy[steps],
                      steps=steps, alpha=self.alpha.value)
