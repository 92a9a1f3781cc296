"""The 2D-navigation playground (MAML paper, section 5.3): place a goal with two sliders and step
through the policy's adaptation to it. The figure (`navigation_plots.NavigationFigure`) shows
the trajectories sampled before and after each inner step, the mean action field of the
highlighted step as arrows and the return against inner steps, beside the pretrained policy
adapted the same way on the same goal.

A (learner, goal, draw) is adapted once for every step (`rl.adaptation.adaptation_path`: the
bench's test protocol through the learner's own `adapt`) and cached, so the step slider only
redraws. "new trajectories" samples again with the next seed.
"""

import html

import ipywidgets as W
import numpy as np

from . import checks
from .envs.navigation import GOAL_RANGE, as_goals
from .i18n import _
from .navigation_plots import NavigationFigure, NavigationView, arrow_points
from .playground import Playground, button, slider
from .rl.adaptation import adaptation_paths, mean_action_field

GOAL_STEP = 0.05  # the goal sliders' resolution


def check_learners(learners):
    if not isinstance(learners, dict) or not learners:
        raise TypeError(_("learners must be a non-empty dict {{name: MAMLRL learner}}, e.g. "
                          "recipes.navigation.load_all(), got {learners!r}", learners=learners))
    for name, learner in learners.items():
        missing = [a for a in ("adapt", "params", "policy", "alpha") if not hasattr(learner, a)]
        if not isinstance(name, str) or missing:
            raise TypeError(_("learners[{name!r}] must be a MAMLRL learner under a str name; got "
                              "{type}, which lacks {missing}", name=name, type=type(learner).__name__,
                              missing=missing))
    return dict(learners)


class NavigationPlayground(Playground):
    """`NavigationPlayground(learners, goal=(0.3, -0.2), steps=3, trajectories=20, seed=0,
    learner=None, step=1, reference="pretrained")`.

    learners: {name: MAMLRL}, e.g. `recipes.navigation.load_all()`; goal: the first goal (x, y)
    in [-0.5, 0.5]^2; steps: inner steps S computed per goal (the step slider's maximum);
    trajectories: sampled per step; learner: the first one shown (default: the first in
    `learners`); step: the first highlighted step; reference: the learner whose return curve is
    drawn dashed beside the chosen one (None: none)."""

    max_steps = 10
    cache_size = 128

    def __init__(self, learners, goal=(0.3, -0.2), steps=3, trajectories=20, seed=0, *, learner=None, step=1,
                 reference="pretrained"):
        self.learners = check_learners(learners)
        goal = as_goals("goal", goal)
        self.S = checks.integer("steps", steps, 1, self.max_steps)
        self.trajectories = checks.integer("trajectories", trajectories, 1, 200)
        self.seed = checks.integer("seed", seed, 0)
        step = checks.integer("step", step, 0, self.S)
        if learner is not None and learner not in self.learners:
            raise ValueError(_("learner must be one of {names}, got {learner!r}", names=list(self.learners),
                               learner=learner))
        self.reference = reference if reference in self.learners else None
        super().__init__("navigation")
        self.draws = 0  # "new trajectories" presses: part of the random seed
        self.adaptations = 0  # adaptation paths computed (the step slider never adds one)
        self.points = arrow_points()
        self.picture = NavigationFigure(self.S)
        self.chooser = W.Dropdown(options=list(self.learners), value=learner or next(iter(self.learners)),
                                  description=_("learner"))
        self.chooser.add_class("pg-learner")
        self.goal_x, self.goal_y = (
            slider(W.FloatSlider, f"pg-goal-{axis}", value=float(value),
                   description=_("goal {axis}", axis=axis), min=-GOAL_RANGE, max=GOAL_RANGE, step=GOAL_STEP,
                   readout_format="+.2f")
            for axis, value in zip("xy", goal, strict=True))
        self.step = slider(W.IntSlider, "pg-step", value=step, min=0, max=self.S,
                           description=_("inner step k"))
        self.new = button(_("new trajectories"), "refresh", "pg-new")
        self.watch(self.chooser, self.goal_x, self.goal_y, self.step)
        self.new.on_click(lambda _button: self.resample())
        self.arrange(W.HBox([W.VBox([self.chooser, self.step, self.new]),
                             W.VBox([self.goal_x, self.goal_y])]))

    # --- state --------------------------------------------------------------------------
    def goal(self):
        return np.array([self.goal_x.value, self.goal_y.value])

    def set_goal(self, x, y):
        """Move the goal to (x, y) in [-0.5, 0.5]^2 and redraw once."""
        goal = as_goals("goal", (x, y))
        with self.muted():
            self.goal_x.value, self.goal_y.value = float(goal[0]), float(goal[1])
        self.redraw.request()

    def resample(self):
        """Sample new trajectories (the next seed) for the same learner and goal."""
        self.draws += 1
        self.redraw.request()

    def paths(self, names):
        """{name: (AdaptationPath, mean action fields [S + 1, 81, 2])} of the learners `names` on the
        current goal and draw, each computed once for every step (those not yet cached together,
        in one shared rollout)."""
        goal = self.goal()
        keys = {name: (name, *np.round(goal, 6), self.draws) for name in names}
        missing = [name for name in names if keys[name] not in self._cache]
        computed = self._adapt(missing, goal) if missing else {}

        def compute(name):  # computed above, unless the cache was emptied meanwhile
            return computed[name] if name in computed else self._adapt([name], goal)[name]

        return {name: self.cached(keys[name], lambda name=name: compute(name)) for name in names}

    def _adapt(self, names, goal):
        self.adaptations += 1
        chosen = [self.learners[name] for name in names]
        found = adaptation_paths(chosen, goal, self.S, self.trajectories, rng=[self.seed, self.draws])
        return {name: (path, np.stack([mean_action_field(learner, phi, self.points) for phi in path.phi]))
                for name, learner, path in zip(names, chosen, found, strict=True)}

    # --- drawing ------------------------------------------------------------------------
    def render(self):
        name, k = self.chooser.value, self.step.value
        others = [self.reference] if self.reference not in (None, name) else []
        found = self.paths([name, *others])
        path, fields = found[name]
        references = {other: found[other][0].returns.mean(axis=1) for other in others}
        view = NavigationView(name, path.goal, k, path.positions, path.returns, fields[k], references)
        png = self.picture.draw(view)
        returns = path.returns.mean(axis=1)
        shown = ", ".join(f"<b>{r:.1f}</b>" if j == k else f"{r:.1f}" for j, r in enumerate(returns))
        readout = _("{name}, goal ({x:+.2f}, {y:+.2f}), step k = {k} highlighted: mean return after 0..{S} "
                    "steps {returns} ({trajectories} trajectories per step; alpha {alphas})",
                    name=html.escape(name), x=path.goal[0], y=path.goal[1], k=k, S=self.S, returns=shown,
                    trajectories=self.trajectories, alphas=", ".join(f"{a:g}" for a in path.alphas))
        for label, values in references.items():
            readout += _("; {name}: {returns}", name=html.escape(label),
                         returns=", ".join(f"{r:.1f}" for r in values))
        return png, readout
