"""Frames of recorded arm trajectories, drawn by a separate Python process (Lesson 13).

MuJoCo draws offscreen through Mesa's software OpenGL (EGL or OSMesa), and Mesa and TensorFlow
crash when both are loaded in one process (measured here: a segmentation fault when TensorFlow's
library loads after a GL context exists, and when a context is made after TensorFlow). So the
process that holds the policies never renders: `draw` writes the trajectories' actions to a
file, starts `python -m lesson_lib.envs.arm_frames` with LESSON_LIB_NO_TENSORFLOW=1, and that
process replays each trajectory's actions from the same start and renders it. The replay must
reproduce the recorded observations (within DRIFT); `draw` checks that it did.
"""

import dataclasses
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from ..i18n import _

TIMEOUT = 600  # seconds for one call (about 0.1 s per frame on one core)
# Replays agree with the recording to the last digit at first; in another process contacts can
# differ in the last bits and the paths drift apart by about a millimetre over an episode
# (measured: up to 0.0019 after 100 steps of reach-v3). Frames cannot show that; 5 mm is the limit.
DRIFT = 0.005


def draw(tasks, trajectories, every=10):
    """`trajectories` (from `tasks`, an ArmTasks) with their `frames`: every `every` steps and
    after the last. Raises RuntimeError with the child's message if it fails."""
    from .. import checks

    checks.integer("every", every, 1)
    trajectories = list(trajectories)
    if not trajectories:
        return []
    with tempfile.TemporaryDirectory(prefix="lesson_lib_frames_") as folder:
        request, reply = Path(folder) / "request.npz", Path(folder) / "reply.npz"
        np.savez(request, env_name=tasks.env_name, split=tasks.split, horizon=tasks.horizon, every=every,
                 seed=tasks.seed, task=[t.task for t in trajectories],
                 start=[-1 if t.start is None else t.start for t in trajectories],
                 actions=np.stack([t.actions for t in trajectories]))
        child = subprocess.run([sys.executable, "-m", "lesson_lib.envs.arm_frames", str(request), str(reply)],
                               env={**os.environ, "LESSON_LIB_NO_TENSORFLOW": "1"}, capture_output=True,
                               text=True, timeout=TIMEOUT)
        if child.returncode != 0 or not reply.exists():
            raise RuntimeError(_("drawing the arm's frames failed (exit code {code}):\n{stderr}",
                                 code=child.returncode, stderr=child.stderr.strip()[-2000:]))
        with np.load(reply) as answer:
            frames, observations = answer["frames"], answer["observations"]
    for t, replayed in zip(trajectories, observations, strict=True):
        drift = float(np.abs(replayed - t.observations).max())
        if drift > DRIFT:
            raise RuntimeError(_("the replay of task {task} (start {start}) drifted {drift:.4f} m from the "
                                 "recorded trajectory (more than {limit} m): its frames would show another "
                                 "episode", task=t.task, start=t.start, drift=drift, limit=DRIFT))
    return [dataclasses.replace(t, frames=tuple(f)) for t, f in zip(trajectories, frames, strict=True)]


def replay(actions):
    """A policy that plays back recorded `actions` [N, T, 4] in order, step t for every episode."""
    steps = iter(np.swapaxes(actions, 0, 1))
    return lambda observations: next(steps)


def main(request, reply):
    from .arm import ArmTasks

    with np.load(request) as asked:
        tasks = ArmTasks(str(asked["env_name"]), str(asked["split"]), seed=int(asked["seed"]),
                         horizon=int(asked["horizon"]))
        starts = [None if s < 0 else int(s) for s in asked["start"]]
        runs = tasks.episodes([int(i) for i in asked["task"]], starts, replay(asked["actions"]),
                              frames_every=int(asked["every"]))
    tasks.close()
    np.savez(reply, frames=np.stack([np.stack(r.frames) for r in runs]),
             observations=np.stack([r.observations for r in runs]))


if __name__ == "__main__":
    main(*sys.argv[1:3])
