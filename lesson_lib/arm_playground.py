"""The robot-arm playground (Lesson 13): pick a held-out ML1 task and one of its demonstrations,
then watch a policy adapted on that demonstration act from a new start. The picture
(`arm_plots.paths_figure`) shows the hand's path from above and from the side: the expert's
demonstration, the policy before adaptation, and after the chosen number of inner steps, with
the hidden goal as a star (the policy never sees it; only the demonstration shows it).

Each (learner, task, demonstration, steps) episode is run once and cached: the episodes start
where the bench's trials start (`demonstrations.per_task + demonstration`), so the readout agrees
with `bench metaworld` episode by episode.
"""

import html

import ipywidgets as W

from . import checks
from .arm_plots import outcome, paths_figure
from .i18n import _
from .imitation import imitating_policy
from .playground import Playground, slider
from .plots import after_steps

STYLES = {"demonstration": {"color": "k", "ls": "--", "lw": 1.2},
          "before": {"color": "0.6", "lw": 1.5}, "after": {"color": "C0", "lw": 2.0}}


class ArmPlayground(Playground):
    """`ArmPlayground(learners, tasks, demonstrations, task=0, demonstration=0, steps=1)`.

    learners: {name: learner} trained on the same ML1 task (e.g. MAML and the multi-task
    baseline from `recipes.arm.load`); tasks: the test split (an ArmTasks); demonstrations: the
    expert's demonstrations of those tasks (a Demonstrations); steps: the first number of inner
    steps shown (the slider goes from 0 to `max_steps`)."""

    max_steps = 3

    def __init__(self, learners, tasks, demonstrations, task=0, demonstration=0, steps=1):
        if not isinstance(learners, dict) or not learners:
            raise TypeError(_("learners must be a non-empty dict {{name: learner}}, got {learners!r}",
                              learners=learners))
        if demonstrations.num_tasks > len(tasks):
            raise ValueError(_("demonstrations hold {held} tasks, tasks only {count}",
                               held=demonstrations.num_tasks, count=len(tasks)))
        self.learners, self.tasks, self.demonstrations = dict(learners), tasks, demonstrations
        super().__init__("arm")
        self.chooser = W.Dropdown(options=list(self.learners), description=_("learner"))
        self.chooser.add_class("pg-learner")
        last_task, last_demo = demonstrations.num_tasks - 1, demonstrations.per_task - 1
        self.task = slider(W.IntSlider, "pg-task", description=_("test task"), min=0, max=last_task,
                           value=checks.integer("task", task, 0, last_task))
        self.demo = slider(W.IntSlider, "pg-demo", description=_("demonstration"), min=0, max=last_demo,
                           value=checks.integer("demonstration", demonstration, 0, last_demo))
        self.steps = slider(W.IntSlider, "pg-steps", description=_("inner steps"), min=0, max=self.max_steps,
                            value=checks.integer("steps", steps, 0, self.max_steps))
        self.watch(self.chooser, self.task, self.demo, self.steps)
        self.arrange(W.HBox([W.VBox([self.chooser, self.steps]), W.VBox([self.task, self.demo])]))

    def episode(self, name, task, demo, steps):
        """The episode of learner `name` adapted by `steps` steps on demonstration `demo` of `task`."""
        def run():
            policy = imitating_policy(self.learners[name], self.demonstrations.observations[task, demo][None],
                                      self.demonstrations.actions[task, demo][None], steps)
            return self.tasks.run(policy, task, self.demonstrations.per_task + demo)

        return self.cached((name, task, demo, steps), run)

    def render(self):
        name, task, demo, k = self.chooser.value, self.task.value, self.demo.value, self.steps.value
        shown = self.cached(("demonstration", task, demo), lambda: self.tasks.demonstrate(task, demo))
        before, after = self.episode(name, task, demo, 0), self.episode(name, task, demo, k)
        after_k = after_steps(k)
        paths = {_("demonstration (expert)"): (shown, STYLES["demonstration"]),
                 _("before adaptation"): (before, STYLES["before"]),
                 after_k: (after, STYLES["after"])}
        obj = shown.object[0] if self.tasks.env_name.startswith("push") else None
        png = paths_figure(paths, shown.goal, obj, title=_("{name} on {env}, test task {task}", name=name,
                                                           env=self.tasks.env_name, task=task))
        readout = _("{name}, test task {task}, adapted on demonstration {demo}: <b>{after_k}: {after}</b>; "
                    "before adaptation: {before}; the expert's demonstration: {expert}",
                    name=html.escape(name), task=task, demo=demo, after_k=after_k, after=outcome(after),
                    before=outcome(before), expert=outcome(shown))
        return png, readout
