"""One goal's adaptation, step by step, kept whole for drawing (the 2D-navigation playground):
the trajectories sampled before and after each inner step and the adapted weights phi_k.

It follows `MAMLRL.adapt_and_evaluate`'s test protocol exactly (same random stream, same
alphas: `test_alphas`) and adapts with the learner's own compiled `inner_step`, so the
playground shows the very numbers the bench reports, not a private re-implementation:
step k samples `trajectories` trajectories with phi_k (phi_0 = theta), records them, fits the
baseline and takes phi_{k+1} = phi_k - alpha_k grad L(phi_k) on them.
"""

from typing import NamedTuple

import numpy as np
import tensorflow as tf

from .. import checks
from ..envs.navigation import MAX_SPEED, as_goals, rollout
from ..i18n import _
from .maml_rl import advantages, task_batch


class AdaptationPath(NamedTuple):
    """goal [2]; phi: S + 1 weight lists (phi_0 = theta, then after each step); positions
    [S + 1, H + 1, trajectories, 2] (s_0 .. s_H, frozen once the goal is reached); returns
    [S + 1, trajectories] (undiscounted); alphas [S]."""

    goal: np.ndarray
    phi: list
    positions: np.ndarray
    returns: np.ndarray
    alphas: list

    @property
    def steps(self):
        return len(self.phi) - 1


def positions_of(rollouts):
    """s_0 .. s_H [H + 1, tasks, trajectories, 2]: the observations and the final position."""
    moved = np.clip(rollouts.actions[-1], -MAX_SPEED, MAX_SPEED) * rollouts.mask[-1][..., None]
    last = rollouts.observations[-1] + moved
    return np.concatenate([rollouts.observations, last[None]], axis=0)


def adaptation_path(learner, goal, steps=3, trajectories=20, alphas=None, rng=0):
    """The AdaptationPath of `learner` (a MAMLRL) on one goal (x, y) in [-0.5, 0.5]^2 over
    `steps` inner steps (alphas: default the test protocol's). With the same rng, its mean
    returns are `learner.adapt_and_evaluate`'s on that goal."""
    own = None if alphas is None else [alphas]
    return adaptation_paths([learner], goal, steps, trajectories, own, rng)[0]


class _PerTask:
    """A random generator whose standard_normal((tasks, ...)) draws task i's part from rngs[i]:
    each learner stepped in a shared rollout keeps its own random stream."""

    def __init__(self, rngs):
        self.rngs = rngs

    def standard_normal(self, shape):
        return np.concatenate([r.standard_normal((1, *shape[1:])) for r in self.rngs])


def _same_setting(learners):
    first = learners[0]
    fields = lambda a: (a.policy.shapes, a.policy.config, a.horizon, a.gamma, a.normalize, a.dtype)  # noqa: E731
    return all(fields(a) == fields(first) for a in learners)


def adaptation_paths(learners, goal, steps=3, trajectories=20, alphas=None, rng=0):
    """`adaptation_path` of several learners on the same goal, each with its own random stream
    seeded by `rng` (so each path is the one it would get alone). Learners with the same policy
    and rollout settings are stepped in one rollout, one task per learner (half the time for
    two). alphas: one list per learner, or None (each learner's test protocol)."""
    learners = list(learners)
    if not learners:
        raise ValueError(_("learners must hold at least one learner"))
    if not _same_setting(learners):
        return [adaptation_path(a, goal, steps, trajectories, None if alphas is None else alphas[i], rng)
                for i, a in enumerate(learners)]
    goal = as_goals("goal", goal)
    checks.integer("steps", steps, 0)
    checks.integer("trajectories", trajectories, 1)
    if alphas is None:
        alphas = [a.test_alphas(steps) for a in learners]
    alphas = [[checks.positive_number("alphas", a) for a in own] for own in alphas]
    if len(alphas) != len(learners) or any(len(own) < steps for own in alphas):
        raise ValueError(_("alphas must give each of the {count} learners at least steps = {steps} step "
                           "sizes, got {alphas}", count=len(learners), steps=steps, alphas=alphas))
    first, tasks = learners[0], len(learners)
    noise = _PerTask([np.random.default_rng(rng) for _learner in learners])
    goals = np.broadcast_to(goal, (tasks, 2))
    phi = [[p.astype(np.float32) for p in a.params()] for a in learners]  # phi_k of each learner
    kept, positions, returns = [], [], []
    for k in range(steps + 1):
        stacked = [np.stack(weights) for weights in zip(*phi, strict=True)]  # per-task weights [tasks, ...]
        sampled = rollout(first.policy.sampler(stacked, noise), goals, trajectories, first.horizon)
        kept.append(phi)
        positions.append(positions_of(sampled))
        returns.append(sampled.returns())
        if k < steps:
            batch = task_batch(sampled, advantages(sampled, first.gamma, first.normalize), first.dtype)
            stepped = []
            for i, a in enumerate(learners):  # the learner's own compiled inner step, on its task alone
                own = tuple(t[i:i + 1] for t in batch)
                new, finite = a.inner_step([tf.constant(p[None]) for p in phi[i]], own,
                                           tf.constant(alphas[i][k], a.dtype))
                if not bool(finite):
                    raise FloatingPointError(_("inner step {step} of {name} is not finite (alpha = "
                                               "{alpha:g}); try a smaller alpha", step=k + 1, name=a.name,
                                               alpha=alphas[i][k]))
                stepped.append([p.numpy()[0] for p in new])
            phi = stepped
    # positions [S + 1, H + 1, tasks, T, 2], returns [S + 1, tasks, T]
    positions, returns = np.stack(positions), np.stack(returns)
    return [AdaptationPath(goal, [step[i] for step in kept], positions[:, :, i], returns[:, i],
                           alphas[i][:steps]) for i in range(tasks)]


def mean_action_field(learner, phi, points):
    """The policy's mean velocity clip(c * mu_phi(s), -0.1, 0.1) at points [..., 2], as the
    environment would move a point without exploration noise: [..., 2]."""
    policy = learner.policy
    mean = policy.action_scale * policy.mean_numpy([np.asarray(p, np.float32) for p in phi],
                                                   np.asarray(points, np.float32))
    return np.clip(mean, -MAX_SPEED, MAX_SPEED)
