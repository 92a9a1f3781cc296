"""Environment steps per second of 2D navigation (MAML paper, section 5.3) three ways, one
meta-batch at a time (20 tasks x 20 trajectories x 100 steps, as in the paper): a plain loop
over one `gymnasium.make` env, episode by episode; gymnasium's SyncVectorEnv with one env per
trajectory; and `lesson_lib.envs.rollout`, all points stepped together with numpy. Actions
are random Gaussian (standard deviation 0.1); a step counts while its episode is alive.
"""

import time

import gymnasium
import numpy as np

from .. import checks
from ..envs import NAVIGATION_ID, rollout, sample_tasks
from .table import Table

HELP = "2D navigation rollout throughput (env steps/s): loop, vector env, batched numpy"
SCALE = 0.1  # standard deviation of the random Gaussian actions


def add_arguments(parser):
    parser.add_argument("--tasks", type=int, default=20, help="tasks per meta-batch (paper: 20)")
    parser.add_argument("--trajectories", type=int, default=20, help="trajectories per task (paper: 20)")
    parser.add_argument("--horizon", type=int, default=100, help="steps per episode H (paper: 100)")
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="seconds per path: whole meta-batches run until it is spent (at least one)")


def loop_batch(env, goals, trajectories, rng):
    """One meta-batch with one env, episode by episode; returns the steps taken."""
    steps = 0
    for goal in goals:
        for _ in range(trajectories):
            env.reset(options={"task": goal})
            done = False
            while not done:
                _, _, terminated, truncated, _ = env.step(rng.normal(0.0, SCALE, 2))
                done, steps = terminated or truncated, steps + 1
    return steps


def vector_batch(envs, horizon, rng):
    """One meta-batch with SyncVectorEnv (one env per trajectory); returns the alive steps."""
    envs.reset()  # clears the autoresets left by the previous batch
    alive, steps = np.ones(envs.num_envs, bool), 0
    for _ in range(horizon):
        steps += int(alive.sum())
        _, _, terminated, truncated, _ = envs.step(rng.normal(0.0, SCALE, (envs.num_envs, 2)))
        alive &= ~(terminated | truncated)
    return steps


def timed(batch, seconds):
    """Run `batch()` until `seconds` are spent (at least once): (meta-batches, steps, seconds)."""
    batches, steps, start = 0, 0, time.perf_counter()
    while batches == 0 or time.perf_counter() - start < seconds:
        steps += batch()
        batches += 1
    return batches, steps, time.perf_counter() - start


def run(args):
    tasks = checks.integer("tasks", args.tasks, 1)
    trajectories = checks.integer("trajectories", args.trajectories, 1)
    horizon = checks.integer("horizon", args.horizon, 1)
    if not args.seconds >= 0:
        raise ValueError(f"seconds must be >= 0, got {args.seconds!r}")
    rng = np.random.default_rng(args.seed)
    goals = sample_tasks(tasks, rng)
    env = gymnasium.make(NAVIGATION_ID, horizon=horizon)
    envs = gymnasium.vector.SyncVectorEnv(
        [lambda goal=goal: gymnasium.make(NAVIGATION_ID, goal=goal, horizon=horizon)
         for goal in goals for _ in range(trajectories)])
    act = lambda observations: rng.normal(0.0, SCALE, observations.shape)
    paths = (("gymnasium loop", 1, 1, lambda: loop_batch(env, goals, trajectories, rng)),
             ("gymnasium SyncVectorEnv", tasks, trajectories, lambda: vector_batch(envs, horizon, rng)),
             ("batched numpy rollout", tasks, trajectories,
              lambda: int(rollout(act, goals, trajectories, horizon).mask.sum())))
    table = Table([("path", "path"), ("tasks", "tasks"), ("trajectories", "trajectories"),
                   ("episodes", "episodes"), ("steps", "steps"), ("seconds", lambda r: f"{r['seconds']:.2f}"),
                   ("steps/s", lambda r: f"{r['steps_per_s']:,.0f}"),
                   ("speedup", lambda r: f"{r['speedup']:.1f}x")],
                  title=f"2D navigation: meta-batches of {tasks} tasks x {trajectories} trajectories x "
                        f"{horizon} steps; tasks and trajectories: how many points step at once")
    rows = []
    for path, at_once_tasks, at_once_trajectories, batch in paths:
        batches, steps, seconds = timed(batch, args.seconds)
        rate = steps / seconds
        rows.append({"path": path, "tasks": at_once_tasks, "trajectories": at_once_trajectories,
                     "episodes": batches * tasks * trajectories, "steps": steps,
                     "seconds": round(seconds, 3), "steps_per_s": round(rate, 1),
                     "speedup": round(rate / rows[0]["steps_per_s"], 2) if rows else 1.0})
        table.row(rows[-1])
    env.close()
    envs.close()
    return rows
