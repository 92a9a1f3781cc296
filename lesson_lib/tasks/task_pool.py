"""A finite pool of meta-training tasks ("how many tasks does meta-learning need?").

The MAML paper meta-trains on an unlimited supply of sinusoids: every episode brings new
amplitudes and phases. `TaskPool(family, n_tasks)` draws n tasks from the family once and
from then on builds every episode from those n functions only, each time with fresh x
points; a meta-learner trained on it can meta-overfit: fit its n tasks and fail on new ones.
`n_tasks=None` is the unlimited family itself.

Works with any family that has `sample(num_tasks, K, Q) -> Episode` whose `info` holds the
per-task parameters, and `episode(**parameters, K=K, Q=Q)` that builds an episode for given
parameters with fresh inputs (e.g. `Sinusoid`: amplitude and phase).
"""

import numpy as np

from .. import checks
from ..i18n import _


class TaskPool:
    """`TaskPool(Sinusoid(seed=0), n_tasks=20, seed=0).sample(25, K=5)`: episodes of tasks
    drawn (with replacement) from 20 fixed sinusoids, with new x points each time.

    family: supplies the n tasks' parameters (drawn once, here) and every episode's inputs.
    n_tasks: the pool's size, or None for unlimited (every episode samples the family).
    seed: which of the pool's tasks each episode holds.
    The episode's `info` also holds `index`, the pool position of each task.
    """

    def __init__(self, family, n_tasks, seed=0):
        if not (callable(getattr(family, "sample", None)) and callable(getattr(family, "episode", None))):
            raise TypeError(_("family must be a task family with sample() and episode() (e.g. Sinusoid), got "
                              "{type}", type=type(family).__name__))
        if n_tasks is not None:
            checks.integer("n_tasks", n_tasks, 1)
        checks.integer("seed", seed, 0)
        self.family, self.n_tasks = family, n_tasks
        self.rng = np.random.default_rng(seed)
        self.parameters = None  # {name: array [n_tasks]}: the pool's tasks
        if n_tasks is not None:
            drawn = family.sample(n_tasks, 1, 1).info
            if not drawn:
                raise TypeError(_("family {type} records no task parameters in Episode.info; a pool needs "
                                  "them to rebuild its tasks", type=type(family).__name__))
            self.parameters = {name: np.asarray(values) for name, values in drawn.items()}

    @property
    def unlimited(self):
        return self.n_tasks is None

    def __len__(self):
        if self.unlimited:
            raise TypeError(_("an unlimited TaskPool (n_tasks=None) has no length"))
        return self.n_tasks

    def episode(self, index, K, Q=None):
        """An Episode of the pool's tasks at positions `index` (ints in [0, n_tasks)), fresh x points."""
        if self.unlimited:
            raise TypeError(_("an unlimited TaskPool (n_tasks=None) has no task positions; use sample()"))
        index = np.atleast_1d(np.asarray(index))
        if index.ndim != 1 or not np.issubdtype(index.dtype, np.integer) or not len(index):
            raise ValueError(_("index must be one int or a 1-D array of ints, got {index!r}", index=index))
        if index.min() < 0 or index.max() >= self.n_tasks:
            raise ValueError(_("index must lie in [0, {n_tasks}) (the pool's tasks), got {index!r}",
                               n_tasks=self.n_tasks, index=index))
        episode = self.family.episode(**{name: v[index] for name, v in self.parameters.items()}, K=K, Q=Q)
        episode.info["index"] = index
        return episode

    def sample(self, num_tasks, K, Q=None):
        """An Episode of `num_tasks` tasks drawn uniformly (with replacement) from the pool, with
        K support and Q query points each; unlimited: the family's own `sample`."""
        checks.integer("num_tasks", num_tasks, 1)
        if self.unlimited:
            return self.family.sample(num_tasks, K, Q)
        return self.episode(self.rng.integers(self.n_tasks, size=num_tasks), K, Q)

    def __repr__(self):
        return f"TaskPool({type(self.family).__name__}, n_tasks={self.n_tasks})"
