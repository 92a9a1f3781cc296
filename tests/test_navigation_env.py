"""2D navigation (lesson_lib.envs): the Gymnasium env, the batched numpy rollout that must
match it step for step, and the throughput bench command."""

import importlib
import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import lesson_lib.envs
from lesson_lib.bench import main as bench_main
from lesson_lib.envs import NAVIGATION_ID, Navigation2D, rollout, sample_tasks


def checked(env):
    """Run check_env; return the warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    return [str(w.message) for w in caught]


def test_check_env_passes_without_warnings():
    assert checked(gymnasium.make(NAVIGATION_ID).unwrapped) == []
    # the wrapped env only draws the advice to check the unwrapped one
    assert all("different from the unwrapped" in w for w in checked(gymnasium.make(NAVIGATION_ID)))


def test_reimport_does_not_register_again():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        importlib.reload(lesson_lib.envs)
    assert gymnasium.spec(NAVIGATION_ID).entry_point == "lesson_lib.envs.navigation:Navigation2D"


def test_one_step_by_hand():
    """Goal (0.3, -0.2), action (0.5, -0.05) clipped to (0.1, -0.05): position (0.1, -0.05),
    reward -sqrt(0.2^2 + 0.15^2) = -0.25."""
    env = gymnasium.make(NAVIGATION_ID)
    observation, info = env.reset(seed=0, options={"task": (0.3, -0.2)})
    assert observation.dtype == np.float32 and np.array_equal(observation, [0, 0])
    observation, reward, terminated, truncated, info = env.step(np.array([0.5, -0.05]))
    assert np.allclose(observation, [0.1, -0.05]) and np.isclose(reward, -0.25)
    assert not terminated and not truncated and np.allclose(info["task"], [0.3, -0.2])
    batch = rollout(lambda s: np.full(s.shape, [0.5, -0.05]), [(0.3, -0.2)], trajectories=1, horizon=1)
    assert np.isclose(batch.rewards[0, 0, 0], -0.25) and np.allclose(batch.actions[0, 0, 0], [0.5, -0.05])


def test_reset_task_and_truncation():
    env = Navigation2D(horizon=3)
    env.reset_task((0.5, 0.5))
    env.reset(seed=1)
    assert np.array_equal(env.goal, [0.5, 0.5])  # a reset without a task keeps it
    done = [env.step(np.zeros(2))[2:4] for _ in range(3)]
    assert done == [(False, False), (False, False), (False, True)]
    fresh = Navigation2D()
    fresh.reset(seed=3)  # no task given: drawn from the seeded generator
    assert np.array_equal(fresh.goal, sample_tasks(1, np.random.default_rng(3))[0])


def test_sample_tasks_shape_range_and_seed():
    goals = sample_tasks(1000, seed=0)
    assert goals.shape == (1000, 2) and goals.dtype == np.float32
    assert goals.min() >= -0.5 and goals.max() <= 0.5 and goals.min() < -0.45 and goals.max() > 0.45
    assert np.array_equal(goals, sample_tasks(1000, seed=0))
    assert not np.array_equal(goals, sample_tasks(1000, seed=1))
    assert np.array_equal(sample_tasks(5, np.random.default_rng(2)), sample_tasks(5, 2))
    env = Navigation2D(goal=(0.0, 0.0))  # with a task, reset draws nothing itself
    env.reset(seed=4)
    first = env.sample_tasks(3)
    env.reset(seed=4)
    assert np.array_equal(first, env.sample_tasks(3)) and first.shape == (3, 2)


def env_episodes(goals, actions, horizon):
    """Feed `actions` [H, tasks, trajectories, 2] to gymnasium.make envs episode by episode;
    return what the envs saw as Rollouts-like arrays (0 after the episode ended)."""
    H, tasks, trajectories = actions.shape[:3]
    observations = np.zeros(actions.shape, np.float32)
    rewards, mask = np.zeros(actions.shape[:3], np.float32), np.zeros(actions.shape[:3], np.float32)
    env = gymnasium.make(NAVIGATION_ID, horizon=horizon)
    for i, j in np.ndindex(tasks, trajectories):
        observation, _ = env.reset(options={"task": goals[i]})
        for t in range(H):
            observations[t, i, j], mask[t, i, j] = observation, 1
            observation, rewards[t, i, j], terminated, truncated, _ = env.step(actions[t, i, j])
            assert truncated == (t == horizon - 1)
            if terminated:
                observations[t + 1:, i, j] = observation  # the batched path keeps the last position
                break
    return observations, rewards, mask


def oracle(goals):
    """Deterministic: propose the whole way to the goal (clipped until within reach, then exact)."""
    return lambda s: goals[:, None, :].astype(np.float32) - s


def noisy(seed):
    """Random actions, many outside [-0.1, 0.1] (clipped)."""
    rng = np.random.default_rng(seed)
    return lambda s: rng.normal(0.05, 0.2, s.shape)


@pytest.mark.parametrize("make_act", [oracle, lambda goals: noisy(0), lambda goals: noisy(1)])
def test_batched_rollout_equals_gymnasium_env(make_act):
    # (0.3, 0) is reached at step 3 by (0.1, 0) steps; (0.05, 0) is within reach of one step
    goals = np.concatenate([[(0.3, 0.0), (0.05, 0.0), (-0.5, 0.5)], sample_tasks(3, seed=7)])
    goals = goals.astype(np.float32)
    batch = rollout(make_act(goals), goals, trajectories=3, horizon=20)
    observations, rewards, mask = env_episodes(goals, batch.actions, horizon=20)
    assert np.array_equal(batch.observations, observations)
    assert np.array_equal(batch.rewards, rewards)
    assert np.array_equal(batch.mask, mask)
    assert np.any(np.abs(batch.actions) > 0.1)  # clipping was exercised
    if make_act is oracle:
        assert not batch.mask[-1].any()  # every episode ended early


def test_early_termination_masks_later_steps():
    goals = np.array([(0.3, 0.0), (0.05, 0.0)], np.float32)
    batch = rollout(lambda s: np.tile([0.5, 0.0], s.shape[:-1] + (1,)), goals, trajectories=2, horizon=10)
    # (0.3, 0): three clipped steps of 0.1 reach it; (0.05, 0): the first step overshoots to 0.1, then away
    assert np.array_equal(batch.mask[:, 0, 0], [1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
    assert np.all(batch.mask[:, 1] == 1)
    assert np.all(batch.rewards[3:, 0] == 0) and np.all(batch.rewards[:3, 0] < 0)
    assert np.allclose(batch.observations[3:, 0, 0], [0.3, 0.0])
    assert np.allclose(batch.returns()[0, 0], -(0.2 + 0.1 + 0.0), atol=1e-6)
    oracle_batch = rollout(oracle(goals), goals, trajectories=1)
    assert oracle_batch.mask[:, 1, 0].sum() == 1  # (0.05, 0) is one exact step away


def test_returns_and_discounted_returns():
    batch = rollout(lambda s: np.tile([0.5, 0.0], s.shape[:-1] + (1,)), [(0.3, 0.0), (0.0, 0.5)],
                    trajectories=1, horizon=5)
    r, gamma = batch.rewards[:, :, 0], 0.9
    expected = np.stack([sum(gamma ** (k - t) * r[k] for k in range(t, 5)) for t in range(5)])
    to_go = batch.discounted_returns(gamma)
    assert to_go.shape == batch.rewards.shape
    assert np.allclose(to_go[:, :, 0], expected * batch.mask[:, :, 0])
    assert np.all(to_go[3:, 0] == 0)  # the first task ended at step 3
    assert np.allclose(batch.discounted_returns(1.0)[0], batch.returns())


@pytest.mark.parametrize("call, name", [
    (lambda: sample_tasks(0), "n"),
    (lambda: Navigation2D(goal=(0.6, 0.0)), "goal"),
    (lambda: Navigation2D().reset_task((0.1, 0.1, 0.1)), "task"),
    (lambda: Navigation2D().reset_task("north"), "task"),
    (lambda: Navigation2D().reset(options={"task": (np.nan, 0.0)}), "task"),
    (lambda: Navigation2D().reset(options={"goal": (0.1, 0.0)}), "options"),
    (lambda: Navigation2D(horizon=0), "horizon"),
    (lambda: Navigation2D(render_mode="human"), "render_mode"),
    (lambda: rollout(np.zeros_like, (0.1, 0.2), 2), "goals"),
    (lambda: rollout(np.zeros_like, np.zeros((0, 2)), 2), "goals"),
    (lambda: rollout(np.zeros_like, [(0.1, 0.2)], 0), "trajectories"),
    (lambda: rollout(np.zeros_like, [(0.1, 0.2)], 2, horizon=0), "horizon"),
    (lambda: rollout(lambda s: s[..., 0], [(0.1, 0.2)], 2), "act"),
    (lambda: rollout(lambda s: s * np.nan, [(0.1, 0.2)], 2), "act"),
    (lambda: rollout(np.zeros_like, [(0.1, 0.2)], 2).discounted_returns(1.5), "gamma"),
])
def test_bad_inputs_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_step_rejects_bad_actions():
    env = Navigation2D(goal=(0.1, 0.1))
    env.reset()
    with pytest.raises(ValueError, match="action"):
        env.step(np.zeros(3))


def test_rollouts_bench_rows():
    rows = bench_main(["rollouts", "--tasks", "2", "--trajectories", "3", "--horizon", "5", "--seconds", "0"])
    assert [r["path"] for r in rows] == ["gymnasium loop", "gymnasium SyncVectorEnv", "batched numpy rollout"]
    for row in rows:
        assert set(row) == {"path", "tasks", "trajectories", "episodes", "steps", "seconds", "steps_per_s",
                            "speedup"}
        assert row["episodes"] == 2 * 3  # seconds=0: exactly one meta-batch
        assert 0 < row["steps"] <= 2 * 3 * 5
    assert (rows[0]["tasks"], rows[0]["trajectories"]) == (1, 1) and rows[0]["speedup"] == 1.0
    assert all((r["tasks"], r["trajectories"]) == (2, 3) for r in rows[1:])
