"""One-shot imitation as a task family (Lesson 13; Finn et al. 2017, "One-Shot Visual Imitation
Learning via Meta-Learning"): behaviour cloning is regression from observations to actions, so a
task's support set is one demonstration's (observation, action) pairs and its query set another
demonstration of the same task. Any learner of the kit meta-trains on these episodes unchanged.

`Demonstrations.record(env_name, split, per_task)` runs Meta-World's scripted expert
`per_task` times on each task of an ML1 split (lesson_lib.envs.arm), from starts jittered by the
seeds 0 .. per_task - 1, and caches the arrays in the kit's cache folder. `sample(n, K, Q)` draws
n tasks and, for each, K + Q distinct demonstrations: the support set holds K of them (K x T
pairs), the query set the other Q.
"""

import os

import numpy as np
from tqdm.auto import tqdm

from .. import checks
from ..i18n import _
from .episode import Episode
from .omniglot_files import cache_dir


class Demonstrations:
    """`observations` [tasks, demos, T, 39] and `actions` [tasks, demos, T, 4] of recorded
    demonstrations; `success` [tasks, demos] says which succeeded (all of the experts' here)."""

    def __init__(self, observations, actions, success=None, seed=0):
        self.observations = np.asarray(observations, np.float32)
        self.actions = np.asarray(actions, np.float32)
        if self.observations.ndim != 4 or self.observations.shape[:3] != self.actions.shape[:3]:
            raise ValueError(_("observations [tasks, demos, T, features] and actions [tasks, demos, T, 4] "
                               "must agree, got {observations} and {actions}",
                               observations=self.observations.shape, actions=self.actions.shape))
        self.success = (np.ones(self.observations.shape[:2], bool) if success is None
                        else np.asarray(success, bool))
        self.rng = np.random.default_rng(checks.integer("seed", seed, 0))

    @property
    def num_tasks(self):
        return self.observations.shape[0]

    @property
    def per_task(self):
        return self.observations.shape[1]

    @classmethod
    def record(cls, env_name="reach-v3", split="train", per_task=4, num_tasks=None, seed=0, cache=True,
               progress=True):
        """The expert's demonstrations of the ML1 split's tasks (all 50, or the first `num_tasks`),
        `per_task` each (cached)."""
        from ..envs.arm import HORIZON, ArmTasks

        checks.integer("per_task", per_task, 2)
        tasks = ArmTasks(env_name, split)
        count = len(tasks) if num_tasks is None else checks.integer("num_tasks", num_tasks, 1, len(tasks))
        path = cache_dir() / f"demonstrations_{env_name}_{split}_{count}x{per_task}x{HORIZON}_seed{seed}.npz"
        if cache and path.exists():
            tasks.close()
            with np.load(path) as saved:
                return cls(saved["observations"], saved["actions"], saved["success"], seed=seed)
        runs = [tasks.episodes([i] * per_task, list(range(per_task)))
                for i in tqdm(range(count), desc=_("recording {env_name} demonstrations ({split})",
                                                   env_name=env_name, split=split),
                              disable=not progress, mininterval=0.5)]
        tasks.close()
        arrays = {"observations": np.array([[r.observations for r in task] for task in runs]),
                  "actions": np.array([[r.actions for r in task] for task in runs]),
                  "success": np.array([[r.success for r in task] for task in runs])}
        if cache:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")  # kernels may record at once
            np.savez(temporary, **arrays)
            temporary.replace(path)  # never a half-written cache
        return cls(**arrays, seed=seed)

    def sample(self, num_tasks, K=1, Q=1):
        """An episode of `num_tasks` tasks (drawn with replacement), K demonstrations in each
        support set and Q others in its query set; info["task"] holds the task indices."""
        checks.integer("num_tasks", num_tasks, 1)
        checks.integer("K", K, 1, self.per_task - 1)
        Q = 1 if Q is None else checks.integer("Q", Q, 1, self.per_task - K)
        tasks = self.rng.integers(self.num_tasks, size=num_tasks)
        picks = np.array([self.rng.permutation(self.per_task)[:K + Q] for _task in tasks])
        return self.episode(tasks, picks[:, :K], picks[:, K:])

    def episode(self, tasks, support, query):
        """The episode with, for task tasks[n], the demonstrations support[n] (a list of indices)
        in its support set and query[n] in its query set."""
        tasks = np.asarray(tasks)
        rows = tasks[:, None]

        def flat(array, picks):  # [tasks, demos, T, d] -> [tasks, demos * T, d]
            chosen = array[rows, np.asarray(picks)]
            return chosen.reshape(len(tasks), -1, array.shape[-1])

        return Episode(flat(self.observations, support), flat(self.actions, support),
                       flat(self.observations, query), flat(self.actions, query), {"task": tasks})
