"""2D navigation, the MAML paper's first reinforcement-learning problem (Finn et al. 2017,
section 5.3 and appendix A.2; authors' code: cbfinn/maml_rl, point_env_randgoal).

A point starts at s_0 = (0, 0) and looks for a goal it cannot see. A task is a goal drawn
uniformly from [-0.5, 0.5]^2. The observation s_t is the position, the action a_t a velocity
clipped to [-0.1, 0.1] per coordinate: s_{t+1} = s_t + clip(a_t), and the reward is
r_t = -||s_{t+1} - goal||. An episode terminates when the point is within 0.01 of the goal
and is truncated after H = 100 steps.

Variant: the authors' code. The paper's text says minus the *squared* distance; the code
(and later re-implementations) use the plain distance, as we do. "Within 0.01" is the
code's test |x - goal_x| < 0.01 and |y - goal_y| < 0.01 (a small square around the goal).

`Navigation2D` is the Gymnasium environment (one point); `rollout` steps tasks x
trajectories points at once with numpy. Both step with `move`, so they cannot drift apart.
"""

from typing import NamedTuple

import gymnasium
import numpy as np

from .. import checks
from ..i18n import _

MAX_SPEED = 0.1  # |a_t| per coordinate
GOAL_RANGE = 0.5  # goals in [-0.5, 0.5]^2
GOAL_RADIUS = 0.01  # terminate within this distance of the goal, per coordinate
HORIZON = 100  # H, steps per episode


def move(position, goal, action):
    """One step for any number of points (last axis: x, y): s_{t+1} = s_t + clip(a_t, -0.1, 0.1),
    r_t = -||s_{t+1} - goal||, terminated when within 0.01 of the goal.
    Returns (s_{t+1}, r_t, terminated)."""
    position = position + np.clip(action, -MAX_SPEED, MAX_SPEED)
    dx, dy = position[..., 0] - goal[..., 0], position[..., 1] - goal[..., 1]
    reward = -np.sqrt(dx**2 + dy**2)
    terminated = (np.abs(dx) < GOAL_RADIUS) & (np.abs(dy) < GOAL_RADIUS)
    return position, reward, terminated


def sample_tasks(n, seed=None):
    """n goals drawn uniformly from [-0.5, 0.5]^2, float32 [n, 2]; seed: int, None or a
    np.random.Generator."""
    checks.integer("n", n, 1)
    rng = np.random.default_rng(seed)
    return rng.uniform(-GOAL_RANGE, GOAL_RANGE, size=(n, 2)).astype(np.float32)


def as_goals(name, value, batched=False):
    """`value` as float64 goals inside [-0.5, 0.5]^2, shape [2] (or [tasks, 2] when batched),
    else ValueError."""
    shape = "(tasks, 2)" if batched else "(2,)"
    try:
        goals = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(_("{name} must be numbers of shape {shape}, got {value!r}", name=name, shape=shape,
                           value=value)) from None
    if goals.ndim != (2 if batched else 1) or goals.shape[-1] != 2 or goals.size == 0:
        raise ValueError(_("{name} must have shape {shape}, got {got}; sample_tasks(n) gives n goals of "
                           "shape (n, 2)", name=name, shape=shape, got=goals.shape))
    if not np.all(np.abs(goals) <= GOAL_RANGE):  # also catches NaN
        raise ValueError(_("{name} must lie in [-{limit}, {limit}]^2, got {value!r}; draw goals with "
                           "sample_tasks(n)", name=name, limit=GOAL_RANGE, value=value))
    return goals


class Navigation2D(gymnasium.Env):
    """The 2D navigation task of the MAML paper as a Gymnasium environment (one point).

    `env.reset_task(goal)` or `env.reset(options={"task": goal})` sets the task; the task stays
    for later resets until changed. Without one, the first reset draws it from the env's seeded
    generator. The env truncates itself after `horizon` steps."""

    metadata = {"render_modes": []}

    def __init__(self, goal=None, horizon=HORIZON, render_mode=None):
        if render_mode is not None:
            raise ValueError(_("render_mode must be None (Navigation2D does not render), got {render_mode!r}",
                               render_mode=render_mode))
        self.horizon = checks.integer("horizon", horizon, 1)
        self.goal = None if goal is None else as_goals("goal", goal)
        self.action_space = gymnasium.spaces.Box(-MAX_SPEED, MAX_SPEED, (2,), np.float32)
        reach = MAX_SPEED * self.horizon  # the farthest the point can go in one episode
        self.observation_space = gymnasium.spaces.Box(-reach, reach, (2,), np.float32)
        self.position, self.t = np.zeros(2), 0

    def sample_tasks(self, n, seed=None):
        """n goals, float32 [n, 2]; from the env's generator (seeded by reset) when seed is None."""
        return sample_tasks(n, self.np_random if seed is None else seed)

    def reset_task(self, task):
        """Set the goal (x, y) for the following episodes."""
        self.goal = as_goals("task", task)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        options = options or {}
        if set(options) - {"task"}:
            raise ValueError(_("options accepts only 'task' (a goal (x, y)), got {options}",
                               options=sorted(options)))
        if "task" in options:
            self.reset_task(options["task"])
        elif self.goal is None:
            self.goal = self.sample_tasks(1)[0].astype(np.float64)
        self.position, self.t = np.zeros(2), 0
        return self.position.astype(np.float32), {"task": self.goal.copy()}

    def step(self, action):
        if self.goal is None:
            raise RuntimeError(_("call reset() before step()"))
        action = np.asarray(action, dtype=np.float32)  # as the action space; rollout does the same
        if action.shape != (2,) or not np.all(np.isfinite(action)):
            raise ValueError(_("action must be a finite velocity (vx, vy), got {action!r}", action=action))
        self.position, reward, terminated = move(self.position, self.goal, action)
        self.t += 1
        return (self.position.astype(np.float32), float(reward), bool(terminated),
                self.t >= self.horizon, {"task": self.goal.copy()})


class Rollouts(NamedTuple):
    """Episodes of many tasks at once, time first: observations s_t [H, tasks, trajectories, 2],
    actions a_t as the policy proposed them (before clipping, for log-probabilities) [H, tasks,
    trajectories, 2], rewards r_t and mask [H, tasks, trajectories], all float32. mask is 1 while
    the episode is alive at step t (the step that reaches the goal included), 0 after it; there
    the reward is 0 and the observation stays at the last position."""

    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    mask: np.ndarray

    def returns(self):
        """Undiscounted return sum_t r_t of each trajectory, [tasks, trajectories]."""
        return self.rewards.sum(axis=0)

    def discounted_returns(self, gamma):
        """Reward-to-go R_t = sum_{k >= t} gamma^(k - t) r_k at every step, 0 after the episode
        ended: [H, tasks, trajectories]."""
        if not 0 <= gamma <= 1:
            raise ValueError(_("gamma must be in [0, 1], got {gamma!r}", gamma=gamma))
        to_go, running = np.zeros_like(self.rewards), np.zeros_like(self.rewards[0])
        for t in reversed(range(len(self.rewards))):
            running = self.rewards[t] + gamma * running
            to_go[t] = running
        return to_go * self.mask


def rollout(act, goals, trajectories, horizon=HORIZON):
    """Run `trajectories` episodes for each of the goals [tasks, 2] at once, all points stepped
    together by `move` (the env's own step). `act(s_t)` gets float32 observations [tasks,
    trajectories, 2] and returns actions of the same shape (e.g. Gaussian samples of a policy
    with per-task weights); they are clipped here. Returns Rollouts of `horizon` steps."""
    goals = as_goals("goals", goals, batched=True)
    checks.integer("trajectories", trajectories, 1)
    checks.integer("horizon", horizon, 1)
    shape = (len(goals), trajectories)
    observations = np.zeros((horizon, *shape, 2), np.float32)
    actions = np.zeros((horizon, *shape, 2), np.float32)
    rewards, mask = np.zeros((horizon, *shape), np.float32), np.zeros((horizon, *shape), np.float32)
    position, alive = np.zeros((*shape, 2)), np.ones(shape, bool)
    for t in range(horizon):
        observations[t] = position
        action = np.asarray(act(observations[t].copy()), dtype=np.float32)
        if action.shape != observations[t].shape:
            raise ValueError(_("act must return actions of shape {shape} (tasks, trajectories, 2), got {got}",
                               shape=observations[t].shape, got=action.shape))
        if not np.all(np.isfinite(action)):
            raise ValueError(_("act returned non-finite actions at step {t}: the policy diverged; try "
                               "smaller step sizes alpha and beta", t=t))
        moved, reward, terminated = move(position, goals[:, None, :], action)
        actions[t], mask[t], rewards[t] = action, alive, np.where(alive, reward, 0.0)
        position = np.where(alive[..., None], moved, position)
        alive &= ~terminated
    return Rollouts(observations, actions, rewards, mask)
