"""The memorization problem (Yin et al. 2020, "Meta-Learning without Memorization", ICLR) in
the sinusoid world, its diagnostic and a remedy.

Yin et al. call meta-training tasks *non-mutually-exclusive* when one function can solve all of
them without looking at the support set: in their pose regression each object's canonical pose
is fixed and the object is visible in the query image, so a network can learn every training
object's pose by heart and ignore the support set; it then fails on new objects. Here the task's
identity is made readable the same way: every input x of a pool task carries the task's code c
(a random vector drawn once per task), so y = f(x, c) can be memorized for the pool's tasks;
new tasks bring new codes that say nothing.

The diagnostic asks "does the learner use its support set?": the query error with the task's
own support set against the error with another task's support set (`support_reliance`). A
learner that memorized gets the same error with both; one that adapts gets a much larger error
with the wrong support set.

The remedy is meta-augmentation (Rajendran et al. 2020, "Meta-Learning Requires
Meta-Augmentation", NeurIPS; their regression version): each time a task is drawn, a random
offset epsilon ~ U[-offset, offset] is added to all its outputs, support and query alike
(y' = y + epsilon). The code cannot predict epsilon; only the support set reveals it, so the
tasks become mutually exclusive and the learner must read its support set. Yin et al.'s own
remedy, a meta-regularizer (MR-MAML, MR-CNP), limits the information flowing from the query
input instead; the offset needs no change to the learner.
"""

from dataclasses import dataclass

import numpy as np

from . import checks
from .evaluation import mean_ci95_median
from .i18n import _
from .tasks import Episode, TaskPool


class CodedTasks:
    """Episodes whose inputs are [x, c]: the task's code c (code_dim numbers ~ N(0, 1)) after each x.

    tasks: a finite `TaskPool` (each pool task keeps one code, drawn here: the identity is
    readable) or an unlimited pool / family (every task drawn gets a fresh code: new tasks).
    offset: None, or the half-width of the meta-augmentation offset added to each drawn task's
    outputs (Rajendran et al. 2020), drawn anew each time the task is drawn.
    shuffle: the remedy that makes the tasks mutually exclusive: a task's code is drawn anew
    each time the task is drawn, so the code says nothing about the function (as shuffling the
    labels of each classification task does; Yin et al. 2020, sec. 3).
    """

    def __init__(self, tasks, code_dim=8, seed=0, offset=None, shuffle=False):
        if not callable(getattr(tasks, "sample", None)):
            raise TypeError(_("tasks must be a TaskPool or a task family with sample(), got {type}",
                              type=type(tasks).__name__))
        self.tasks = tasks
        self.code_dim = checks.integer("code_dim", code_dim, 1)
        self.offset = None if offset is None else checks.positive_number("offset", offset)
        if not isinstance(shuffle, bool):
            raise TypeError(_("shuffle must be True or False, got {shuffle!r}", shuffle=shuffle))
        self.shuffle = shuffle
        self.rng = np.random.default_rng(checks.integer("seed", seed, 0))
        finite = isinstance(tasks, TaskPool) and not tasks.unlimited and not shuffle
        self.codes = self.rng.normal(size=(len(tasks), code_dim)) if finite else None  # [n_tasks, code_dim]

    @property
    def x_dim(self):
        """Width of the coded input [x, c] (the learner's x_dim / input_dim)."""
        return 1 + self.code_dim

    def sample(self, num_tasks, K, Q=None):
        return self.coded(self.tasks.sample(num_tasks, K, Q))

    def coded(self, episode):
        """`episode` with each task's code appended to its inputs (and its outputs offset when
        augmenting); `info` gains `code` [T, code_dim] and `offset` [T]."""
        T = episode.num_tasks
        if self.codes is not None:
            code = self.codes[episode.info["index"]]
        else:
            code = self.rng.normal(size=(T, self.code_dim))
        epsilon = np.zeros(T) if self.offset is None else self.rng.uniform(-self.offset, self.offset, size=T)
        dtype = episode.support_x.dtype

        def with_code(x):
            c = np.broadcast_to(code[:, None, :], (*x.shape[:2], self.code_dim))
            return np.concatenate([x, c.astype(dtype)], axis=-1)

        shift = epsilon[:, None, None].astype(dtype)
        return Episode(with_code(episode.support_x), episode.support_y + shift, with_code(episode.query_x),
                       episode.query_y + shift, {**episode.info, "code": code, "offset": epsilon})


def swap_supports(episode, shift=1, outputs_only=False):
    """The episode with each task's support set replaced by that of the task `shift` places on
    (cyclically); the query sets stay. `outputs_only`: replace only the support outputs y (the
    task's own inputs, with its code, get another function's values). Needs at least 2 tasks."""
    checks.integer("shift", shift, 1)
    if episode.num_tasks < 2:
        raise ValueError(_("episode must hold at least 2 tasks to swap support sets, got {tasks}",
                           tasks=episode.num_tasks))
    if shift % episode.num_tasks == 0:
        raise ValueError(_("shift must not be a multiple of the episode's {tasks} tasks (every task would "
                           "keep its own support set), got {shift}", tasks=episode.num_tasks, shift=shift))
    support_x = episode.support_x if outputs_only else np.roll(episode.support_x, -shift, axis=0)
    return Episode(support_x, np.roll(episode.support_y, -shift, axis=0), episode.query_x, episode.query_y,
                   episode.info)


SUPPORTS = ("true", "swapped", "wrong outputs")  # the support sets `support_reliance` tries


@dataclass(frozen=True)
class Reliance:
    """Per-task query errors [T] with the task's own support set (`true`), another task's
    (`swapped`) and the task's own inputs with another task's outputs (`wrong_outputs`)."""

    true: np.ndarray
    swapped: np.ndarray
    wrong_outputs: np.ndarray

    @property
    def ratio(self):
        """Mean error with another task's support set over mean error with the true one: about 1
        when the support set is ignored, much larger when it is used."""
        return float(np.mean(self.swapped) / np.mean(self.true))

    def rows(self):
        """One summary per support set: {support, mse, ci95, median}."""
        return [{"support": name, **mean_ci95_median(values)}
                for name, values in zip(SUPPORTS, (self.true, self.swapped, self.wrong_outputs), strict=True)]


def support_reliance(learner, episode, steps, shift=1):
    """Does `learner` use its support set? Its per-task query MSE after `steps` adaptation steps
    (a black-box learner: its forward pass, steps=0) with each task's own support set, with the
    support set of another task of the episode, and with its own support inputs but another
    task's outputs (`swap_supports`). The last one matters when the inputs carry the task's
    identity: a learner may read the identity from the support inputs and still ignore what the
    outputs say."""
    checks.integer("steps", steps, 0)
    errors = [learner.adaptation_curve(e, steps)[:, steps] for e in
              (episode, swap_supports(episode, shift), swap_supports(episode, shift, outputs_only=True))]
    return Reliance(*errors)
