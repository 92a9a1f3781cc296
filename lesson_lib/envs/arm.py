"""A robot arm from Meta-World ML1 (Yu et al. 2019) for one-shot imitation (Lesson 13).

ML1 takes one manipulation skill (reach-v3, push-v3) and makes 50 training and 50 test tasks of
it that differ in where the object starts and where the goal is. The observation (39 numbers:
hand position, gripper, object pose, the previous frame's copy of these, the goal) has its
goal zeroed, so a policy cannot read the goal: it has to infer it from a demonstration. That is
the meta-learning problem of the lesson.

`ArmTasks(env_name, split)` holds the tasks of one split:
- `demonstrate(i, start)`: Meta-World's scripted expert (it is told the goal, the learner is not)
  from a start whose hand position is jittered by the seed `start`, so two demonstrations of a
  task differ;
- `run(policy, i, start)`: any policy, same starts; `episodes(indices, starts, policy)` runs
  many episodes in lockstep, asking `policy(observations [N, 39]) -> actions [N, 4]` once a step;
- both record `success`: `info["success"]` at any step of the `HORIZON` steps, Meta-World's
  criterion;
- `render(trajectories)`: frames of recorded trajectories (lesson_lib/envs/arm_frames.py draws
  them in a separate process: Mesa's software OpenGL and TensorFlow crash in one process).
"""

import functools
import os
import sys
import warnings
from dataclasses import dataclass

import numpy as np

if sys.platform.startswith("linux"):  # headless rendering; read when the first frame is drawn
    os.environ.setdefault("MUJOCO_GL", "egl")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # gymnasium's notes on metaworld's registration
    import metaworld
    from metaworld import policies

from .. import checks
from ..i18n import _

ENV_NAMES = ("reach-v3", "push-v3")
EXPERTS = {"reach-v3": policies.SawyerReachV3Policy, "push-v3": policies.SawyerPushV3Policy}
SPLITS = ("train", "test")
HORIZON = 100  # steps per episode (Meta-World's own limit is 500; the experts succeed within ~60)
JITTER = np.array([0.05, 0.05, 0.025])  # the hand's start moves uniformly by up to this (metres)
GOAL = slice(36, 39)  # where the goal sits in an observation (zero in ML1)
HAND = slice(0, 3)
OBJECT = slice(4, 7)
FRAME_SIZE = 240


@dataclass(frozen=True)
class Trajectory:
    """One episode: observations [T, 39] and actions [T, 4] (the action taken at each
    observation), whether and when (step) it succeeded, the task's goal, the task index and the
    start's seed (what replays it), and frames when drawn (see ArmTasks.render)."""

    observations: np.ndarray
    actions: np.ndarray
    success: bool
    first_success: int | None
    goal: np.ndarray
    task: int
    start: int | None
    frames: tuple = ()

    @property
    def hand(self):
        return self.observations[:, HAND]

    @property
    def object(self):
        return self.observations[:, OBJECT]


@functools.lru_cache(maxsize=8)
def _ml1(env_name, seed):
    """Meta-World's ML1 benchmark object (its tasks and environment classes): it takes seconds to
    build, so it is built once per process."""
    return metaworld.ML1(env_name, seed=seed)


class ArmTasks:
    """The 50 tasks of one ML1 split (`split` "train" or "test"; ML1's own fixed tasks for `seed`).

    Episodes run in lockstep, one environment per episode, so a policy is asked once per step for
    the actions of every episode: `policy(observations [N, 39]) -> actions [N, 4]`."""

    def __init__(self, env_name="reach-v3", split="train", seed=0, horizon=HORIZON):
        if env_name not in ENV_NAMES:
            raise ValueError(_("env_name must be one of {names}, got {env_name!r}", names=ENV_NAMES,
                               env_name=env_name))
        if split not in SPLITS:
            raise ValueError(_("split must be one of {splits}, got {split!r}", splits=SPLITS, split=split))
        self.env_name, self.split = env_name, split
        self.horizon = checks.integer("horizon", horizon, 1)
        self.seed = checks.integer("seed", seed, 0)
        benchmark = _ml1(env_name, self.seed)
        self.tasks = benchmark.train_tasks if split == "train" else benchmark.test_tasks
        self._cls = (benchmark.train_classes if split == "train" else benchmark.test_classes)[env_name]
        self._pools = {False: [], True: []}  # environments without and with a renderer
        self._home = self._environments(1)[0].hand_init_pos.copy()
        self.expert = EXPERTS[env_name]()

    def __len__(self):
        return len(self.tasks)

    def _environments(self, count, frames=False):
        if frames and "tensorflow" in sys.modules:
            raise RuntimeError(_("frames cannot be drawn in a process that has loaded TensorFlow (Mesa's "
                                 "OpenGL and TensorFlow crash together); use ArmTasks.render(trajectories)"))
        pool = self._pools[frames]
        while len(pool) < count:
            render = dict(render_mode="rgb_array", camera_name="corner", width=FRAME_SIZE,
                          height=FRAME_SIZE) if frames else {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                env = self._cls(**render)
            env.max_path_length = self.horizon + 1
            if frames:
                env.model.light_castshadow[:] = 0  # shadows cost most of a software-rendered frame
            pool.append(env)
        return pool[:count]

    def goal(self, i):
        """Task i's goal position (what the expert is told and the learner must infer)."""
        env = self._environments(1)[0]
        self._start(env, i, None)
        return env._target_pos.copy()

    def _start(self, env, i, start):
        checks.integer("task index", i, 0, len(self.tasks) - 1)
        env.set_task(self.tasks[i])
        jitter = 0.0 if start is None else np.random.default_rng(
            checks.integer("start", start, 0)).uniform(-1, 1, 3) * JITTER
        env.hand_init_pos = self._home + jitter
        observation = env.reset()[0]
        return observation

    def _expert_action(self, env, observation):
        told = observation.copy()
        told[GOAL] = env._target_pos  # the scripted policies read the goal from the observation
        with warnings.catch_warnings():  # "Constant(s) may be too high": the step clips, as ours does
            warnings.simplefilter("ignore", UserWarning)
            return self.expert.get_action(told)

    def demonstrate(self, i, start=None):
        """The expert's trajectory on task i from a start jittered by the seed `start` (None: the
        hand starts where Meta-World puts it)."""
        return self.episodes([i], [start])[0]

    def run(self, policy, i, start=None):
        """`policy(observations [1, 39]) -> actions [1, 4]` on task i, from the same start as
        `demonstrate(i, start)`."""
        return self.episodes([i], [start], policy)[0]

    def render(self, trajectories, every=10):
        """Each trajectory with its `frames` (every `every` steps and the last), replayed and drawn
        by a separate process (arm_frames.draw)."""
        from .arm_frames import draw

        return draw(self, trajectories, every)

    def episodes(self, indices, starts, policy=None, frames_every=None):
        """Episodes of `policy` (None: the expert) on tasks `indices` from starts `starts`, in
        lockstep; actions are clipped to [-1, 1]. `frames_every` draws frames, which only a process
        without TensorFlow may do (arm_frames). Returns a list of Trajectory."""
        if len(indices) != len(starts):
            raise ValueError(_("indices and starts must have one entry per episode, got {indices} and "
                               "{starts}", indices=len(indices), starts=len(starts)))
        envs = self._environments(len(indices), frames=frames_every is not None)
        observations = np.array([self._start(env, i, s)
                                 for env, i, s in zip(envs, indices, starts, strict=True)])
        seen, taken, frames = [], [], [[] for _env in envs]
        first = [None] * len(envs)
        for t in range(self.horizon):
            if frames_every is not None and t % frames_every == 0:
                for env, kept in zip(envs, frames, strict=True):
                    kept.append(self._frame(env))
            if policy is None:
                actions = np.array([self._expert_action(env, o)
                                    for env, o in zip(envs, observations, strict=True)])
            else:
                actions = np.asarray(policy(observations), dtype=np.float64).reshape(len(envs), 4)
                if not np.all(np.isfinite(actions)):
                    raise FloatingPointError(_("the policy returned a non-finite action at step {t}; its "
                                               "weights have diverged", t=t))
            actions = np.clip(actions, -1.0, 1.0)
            seen.append(observations)
            taken.append(actions)
            stepped = [env.step(a) for env, a in zip(envs, actions, strict=True)]
            observations = np.array([result[0] for result in stepped])
            for n, result in enumerate(stepped):
                if first[n] is None and result[4]["success"]:
                    first[n] = t + 1
        if frames_every is not None:
            for env, kept in zip(envs, frames, strict=True):
                kept.append(self._frame(env))
        seen, taken = np.asarray(seen, np.float32), np.asarray(taken)  # [T, N, ...]; actions exact (replays)
        return [Trajectory(seen[:, n], taken[:, n], first[n] is not None, first[n], env._target_pos.copy(),
                           int(i), None if s is None else int(s), tuple(frames[n]))
                for n, (env, i, s) in enumerate(zip(envs, indices, starts, strict=True))]

    @staticmethod
    def _frame(env):
        try:
            return env.render()[::-1, ::-1].copy()  # MuJoCo's offscreen image is upside down
        except Exception as error:  # no GL library: say what to install
            raise RuntimeError(_(
                "MuJoCo could not render ({type}: {error}). Rendering needs EGL or OSMesa: on Debian/Ubuntu "
                "`apt-get install libegl1 libopengl0 libgl1-mesa-dri` (or libosmesa6 with MUJOCO_GL=osmesa); "
                "`make lab` installs them when it can.", type=type(error).__name__, error=error)
            ) from error

    def close(self):
        for pool in self._pools.values():
            for env in pool:
                env.close()
            pool.clear()
