"""Lesson 11's playground: identify languages never seen in meta-training, live.

A dropdown for the learner; sliders for N (ways), K (shots) and inner steps; a text box for your
own sentence; a "new task" button drawing new test languages and texts. One figure
(`language_plots.language_figure`): your text's probability per language before and after
adaptation, query accuracy against inner steps, and the confusion matrix with languages named.
Like every playground it only asks the learners for `prediction_path` and draws; results are
cached, so the steps slider only redraws.
"""

import html

import ipywidgets as W
import numpy as np

from . import checks
from .i18n import _
from .language_plots import language_figure, softmax
from .playground import Playground, button, slider
from .recipes.language import with_ways
from .tasks.languages import NAMES, Languages

QUERIES = 10  # query texts per language
MAX_K = 10


class LanguagePlayground(Playground):
    """learners: {name: learner} (e.g. `recipes.language.load_all()`); tasks: a Languages sampler
    of the test split (languages never seen in meta-training)."""

    max_steps = 10
    cache_size = 32

    def __init__(self, learners, tasks, learner="MAML", ways=5, K=1, steps=None,
                 text="the cat sat on the mat", seed=0):
        if not learners:
            raise ValueError(_("learners must name at least one learner"))
        if not isinstance(tasks, Languages):
            raise TypeError(_("tasks must be a Languages sampler, got {type}", type=type(tasks).__name__))
        super().__init__("language")
        self.learners, self.tasks = dict(learners), tasks
        self.rng = np.random.default_rng(checks.integer("seed", seed, 0))
        self._narrowed = {}
        most = len(tasks.languages)
        first = learner if learner in self.learners else next(iter(self.learners))
        self.chooser = W.Dropdown(options=list(self.learners), value=first, description=_("learner"))
        self.chooser.add_class("pg-learner")
        self.ways = slider(W.IntSlider, "pg-ways", value=checks.integer("ways", ways, 2, most), min=2,
                           max=most, description=_("ways N"))
        self.K = slider(W.IntSlider, "pg-shots", value=checks.integer("K", K, 1, MAX_K), min=1, max=MAX_K,
                        description=_("shots K"))
        self.steps = slider(W.IntSlider, "pg-steps", value=0, min=0, max=self.max_steps,
                            description=_("inner steps"))
        self.text = W.Text(value=str(text), description=_("your text"), continuous_update=False,
                           placeholder=_("type a sentence, press Enter"))
        self.text.add_class("pg-text")
        self.new_task = button(_("new task"), "refresh", "pg-new-task")
        self._learner_defaults(steps)
        self._new_task()
        self.chooser.observe(self._learner_changed, names="value")
        self.watch(self.ways, self.K, self.steps, self.text)
        self.new_task.on_click(lambda _button: (self._new_task(), self.redraw.request()))
        self.arrange(W.VBox([W.HBox([W.VBox([self.chooser, self.ways, self.K]),
                                     W.VBox([self.steps, self.new_task])]), self.text]))

    # --- state --------------------------------------------------------------------------
    def _learner_defaults(self, steps=None):
        """The chosen learner's test-time steps; its largest N."""
        learner = self.learners[self.chooser.value]
        with self.muted():
            most = len(self.tasks.languages)
            self.ways.max = most if learner.fixed_ways is None else min(most, learner.fixed_ways)
            self.steps.disabled = not learner.adapts_by_steps
            self.steps.value = steps if steps is not None else min(learner.inner_steps, self.max_steps)

    def _new_task(self):
        """A random order of the test languages and, per language, K + Q random texts: N picks
        the first N languages, K the first K texts (so moving a slider changes one thing)."""
        languages = len(self.tasks.languages)
        self.classes = self.rng.permutation(languages)
        uniform = self.rng.random((1, languages, MAX_K + QUERIES, self.tasks.words))
        self.words = self.tasks.draw(self.classes[None, :, None, None] + uniform)
        self.task_id = self.rng.integers(1 << 62)

    def _learner_changed(self, change):
        self._learner_defaults()
        self.redraw.request()

    def episode(self):
        N, K = self.ways.value, self.K.value
        words = np.concatenate([self.words[:, :N, :K], self.words[:, :N, MAX_K:]], axis=2)
        return self.tasks.episode(self.classes[None, :N], words, K)

    def learner(self):
        name, N = self.chooser.value, self.ways.value
        if (name, N) not in self._narrowed:
            self._narrowed[(name, N)] = with_ways(self.learners[name], N)
        return self._narrowed[(name, N)]

    def results(self):
        """(episode, logits after 0..S steps [S + 1, N * Q + 1, N]: the queries, then your text),
        S >= the steps slider."""
        learner = self.learner()
        key = (self.chooser.value, self.ways.value, self.K.value, self.task_id, self.text.value)

        def compute():
            episode = self.episode()
            x = np.concatenate([episode.query_x, self.tasks.encode([self.text.value])[None]], axis=1)
            steps = self.max_steps if learner.adapts_by_steps else 0
            with np.errstate(all="ignore"):
                path = learner.prediction_path(episode, x.astype(episode.query_x.dtype), steps, eager=True)
            return episode, np.asarray(path[0])

        return self.cached(key, compute)

    # --- drawing ------------------------------------------------------------------------
    def render(self):
        episode, path = self.results()
        N, K = self.ways.value, self.K.value
        steps = min(self.steps.value, len(path) - 1)
        names = [NAMES[code] for code in episode.info["languages"][0]]
        queries, yours = path[:, :-1], path[:, -1]
        truth = episode.query_y[0].argmax(-1)
        finite = np.isfinite(path).all(axis=(1, 2))
        guesses = queries.argmax(-1)
        accuracy = np.where(finite, (guesses == truth).mean(axis=1), np.nan)
        text = " ".join(self.tasks.decode(self.tasks.encode([self.text.value]))[0].split())
        png = language_figure(names, yours, guesses, accuracy, steps, text or _("(no letters)"))
        task = _("{name}, {N}-way {K}-shot", name=self.chooser.value, N=N, K=K)
        if not finite[steps]:
            diverged = _("{task}: diverged at step {step}", task=task, step=int(np.argmin(finite)))
            return png, f"<b style='color:red'>{diverged}</b>"
        best = int(np.argmax(yours[steps]))
        said = (_("your text reads as <b>{language}</b> (probability {probability:.2f})",
                  language=names[best], probability=softmax(yours[steps])[best])
                if text else _("your text has no letters the kit reads: type a few words"))
        when = (_("one forward pass") if len(path) == 1 else _("1 step") if steps == 1
                else _("{steps} steps", steps=steps))
        support = self.tasks.decode(episode.support_x[0]).reshape(N, K)
        examples = "; ".join(f"{name}: <i>{html.escape(' | '.join(support[c][:2]))}</i>"
                             for c, name in enumerate(names))
        return png, _("{task} ({when}): query accuracy {accuracy:.0f}%; {said}.<br>"
                      "<small>support texts: {examples}</small>", task=task, when=when,
                      accuracy=100 * accuracy[steps], said=said, examples=examples)
