"""Gymnasium environments and batched rollouts. 2D navigation (MAML paper, section 5.3):
`gymnasium.make("lesson_lib/Navigation2D-v0")` once this package is imported, or
`rollout(act, goals, trajectories)` for many tasks at once."""

import gymnasium

from .navigation import HORIZON, Navigation2D, Rollouts, move, rollout, sample_tasks

NAVIGATION_ID = "lesson_lib/Navigation2D-v0"

if NAVIGATION_ID not in gymnasium.registry:  # importing twice must not register twice
    gymnasium.register(NAVIGATION_ID, entry_point="lesson_lib.envs.navigation:Navigation2D")

__all__ = ["HORIZON", "NAVIGATION_ID", "Navigation2D", "Rollouts", "move", "rollout", "sample_tasks"]
