"""The "how many tasks does meta-learning need?" playground: a slider for the number of distinct
meta-training tasks and one for the adaptation steps; it draws meta-train vs meta-test error
against the number of tasks (rows of `python -m lesson_lib.bench tasks_needed`, shipped as
data/tasks_needed.json) with the chosen pool highlighted, and the model meta-trained on that pool
adapting to a new task (its weights saved by the same command's --save-dir). Nothing is trained
here: the callback reads rows and asks cached learners for their `prediction_path`.
"""

import json
from pathlib import Path

import ipywidgets as W
import numpy as np

from . import checkpoints, checks
from .bench.tasks_needed import STEPS, checkpoint_name, new_learner
from .i18n import _, translate
from .playground import Playground, slider
from .task_count_plots import error_rows, pool_label, pools_in, task_count_figure
from .tasks import Sinusoid


def read_rows(path):
    """The rows of data/tasks_needed.json (a JSON list)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(_("no rows at {path}; make them with python -m lesson_lib.bench tasks_needed "
                                  "--json {path}", path=path))
    rows = json.loads(path.read_text())
    if not isinstance(rows, list):
        raise ValueError(_("{path} must hold a JSON list of rows, got {type}", path=path,
                           type=type(rows).__name__))
    return rows


def load_pool_learners(directory, learner="MAML", pools=(5, 20, 100, 1000, None), seed=0):
    """{tasks: learner} for each pool whose checkpoint (tasks_needed_<learner>_<tasks>.npz) is in
    `directory`; a pool without one is left out."""
    loaded = {}
    for n in pools:
        path = Path(directory) / checkpoint_name(learner, n)
        if path.exists():
            loaded[n] = new_learner(learner, seed)
            checkpoints.load(path, loaded[n])
    return loaded


class TaskCountPlayground(Playground):
    """Sliders for the number of meta-training tasks and for the steps (1 or 10) a learner takes
    on a new task; the figure `task_count_plots.task_count_figure`.

    rows: the bench rows (a list of dicts, or a path to their JSON).
    learners: {tasks: learner} meta-trained on each pool (None for unlimited), e.g. from
    `load_pool_learners`; pools without one show only the error curves.
    learner: whose rows to draw ("MAML" or "CNP").
    """

    grid = np.linspace(-5, 5, 200, dtype=np.float32)

    def __init__(self, rows, learners=None, learner="MAML", tasks=20, steps=1, K=5, seed=0):
        super().__init__("task-count")
        self.rows = read_rows(rows) if isinstance(rows, (str, Path)) else list(rows)
        self.learner_name = learner
        self.learners = dict(learners or {})
        pools = pools_in(error_rows(self.rows, learner, STEPS[0]))
        if not pools:
            raise ValueError(_("rows hold no 'tasks' experiment for learner {learner!r}", learner=learner))
        if tasks not in pools:
            raise ValueError(_("tasks must be one of the pools in the rows {pools}, got {tasks!r}",
                               pools=pools, tasks=tasks))
        if steps not in STEPS:
            raise ValueError(_("steps must be one of {choices}, got {steps!r}", choices=STEPS, steps=steps))
        checks.integer("K", K, 1)
        self.pools = {pool_label(n): n for n in pools}  # the slider's values ("unlimited": None)
        self.tasks = slider(W.SelectionSlider, "pg-tasks", options=[(translate(k), k) for k in self.pools],
                            value=pool_label(tasks), description=_("meta-training tasks"))
        self.steps = slider(W.SelectionSlider, "pg-steps", options=list(STEPS), value=steps,
                            description=_("steps on a new task"))
        self.new_task = Sinusoid(seed=10_000 + checks.integer("seed", seed, 0)).sample(1, K, 1)  # unseen
        amplitude, phase = (float(self.new_task.info[k][0]) for k in ("amplitude", "phase"))
        self.truth = Sinusoid.function(amplitude, phase, self.grid)
        self.watch(self.tasks, self.steps)
        self.arrange(W.HBox([self.tasks, self.steps]))

    def prediction(self, tasks, steps):
        """The prediction on the new task's grid after `steps` steps of the learner meta-trained
        on `tasks` tasks (a black box: its forward pass), or None when there is no such learner."""
        if tasks not in self.learners:
            return None
        learner = self.learners[tasks]

        def compute():
            most = max(STEPS) if learner.adapts_by_steps else 0
            path = learner.prediction_path(self.new_task, self.grid[None, :, None], most)
            return path[0, :, :, 0]  # [steps + 1, grid]

        path = self.cached(tasks, compute)
        return path[steps if learner.adapts_by_steps else 0]

    def render(self):
        tasks, steps = self.pools[self.tasks.value], self.steps.value
        prediction = self.prediction(tasks, steps)
        new_task = None if prediction is None else (self.grid, self.truth, self.new_task.support_x[0, :, 0],
                                                    self.new_task.support_y[0, :, 0], prediction)
        png = task_count_figure(self.rows, self.learner_name, tasks, steps, new_task)
        found = error_rows(self.rows, self.learner_name, steps)
        train, test = (found.get(split, {}).get(tasks) for split in ("meta-train", "meta-test"))
        shown = lambda r: _("n/a") if r is None else f"{r['mse']:.3f} +- {r['ci95']:.3f}"  # noqa: E731
        fields = dict(name=self.learner_name, pool=translate(pool_label(tasks)), steps=steps,
                      train=shown(train), test=shown(test))
        readout = (_("{name} meta-trained on {pool} tasks, after {steps} step: meta-train MSE {train}, "
                     "meta-test MSE {test}", **fields) if steps == 1 else
                   _("{name} meta-trained on {pool} tasks, after {steps} steps: meta-train MSE {train}, "
                     "meta-test MSE {test}", **fields))
        if train is not None and test is not None:
            readout += " " + _("(new tasks {ratio:.1f}x the pool's error)", ratio=test["mse"] / train["mse"])
        return png, readout
