"""One-shot imitation, measured (Lesson 13): adapt a policy on one demonstration of a task it has
never seen, then let it act from another start. Success is Meta-World's `info["success"]` at any
step of the episode (lesson_lib.envs.arm).

`imitating_policy(learner, observations, actions)` is the policy of many episodes at once, each
adapted on its own demonstration: observations [N, 39] -> actions [N, 4]. It adapts once with the
learner's own per-task functions (`task_path`, then `task_output` at every step), so any learner
of the kit imitates unchanged.
`success_rates(learner, tasks, demonstrations)` runs it on every task: trial j adapts on recorded
demonstration j and acts from the start `demonstrations.per_task + j`, a start no demonstration
used; `learner=None` runs the expert from those starts instead.
"""

import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from . import checks
from .i18n import _
from .tasks import Episode


def imitating_policy(learner, observations, actions, steps=None):
    """observations [N, 39] -> actions [N, 4]: episode n's policy after `steps` (default: the
    learner's) adaptation steps on its demonstration (observations[n] [T, 39], actions[n] [T, 4])."""
    steps = learner.inner_steps if steps is None else checks.integer("steps", steps, 0)
    Episode(observations, actions, observations, actions)  # checks the shapes: [N, T, 39], [N, T, 4]
    sx, sy = (tf.convert_to_tensor(a, learner.dtype) for a in (observations, actions))
    params = learner.params()
    states = _adapt(learner, params, sx, sy, steps, learner._alpha(None))

    def policy(now):
        x = tf.convert_to_tensor(np.asarray(now)[:, None], learner.dtype)
        return _act(learner, params, states, x).numpy()[:, 0]

    return policy


# Compiled once per learner (and number of steps): an episode asks for actions at every step.
@tf.function(reduce_retracing=True)
def _adapt(learner, params, sx, sy, steps, alpha):
    """The adapted state of each task (MAML: its weights phi) after `steps` steps."""
    return tf.vectorized_map(lambda task: list(learner.task_path(params, *task, steps, alpha))[-1], (sx, sy))


@tf.function(reduce_retracing=True)
def _act(learner, params, states, x):
    return tf.vectorized_map(lambda task: learner.task_output(params, *task), (states, x))


def success_rates(learner, tasks, demonstrations, trials=None, steps=None, progress=True):
    """[tasks, trials] booleans: did the policy adapted on demonstration j of task i succeed from
    start `per_task + j`? `demonstrations` are the expert's on the same ArmTasks split (a
    Demonstrations; its first tasks when it holds fewer); trials defaults to its demonstrations
    per task. Each trial runs every task at once."""
    if demonstrations.num_tasks > len(tasks):
        raise ValueError(_("demonstrations hold {held} tasks, the split only {count}",
                           held=demonstrations.num_tasks, count=len(tasks)))
    trials = demonstrations.per_task if trials is None else checks.integer(
        "trials", trials, 1, demonstrations.per_task)
    indices = list(range(demonstrations.num_tasks))
    found = np.zeros((len(indices), trials), bool)
    name = _("expert") if learner is None else learner.name
    desc = _("{name} on {env} {split} tasks (trials)", name=name, env=tasks.env_name, split=tasks.split)
    for j in tqdm(range(trials), desc=desc, disable=not progress, mininterval=0.5):
        policy = None if learner is None else imitating_policy(
            learner, demonstrations.observations[:, j], demonstrations.actions[:, j], steps)
        runs = tasks.episodes(indices, [demonstrations.per_task + j] * len(indices), policy)
        found[:, j] = [run.success for run in runs]
    return found
