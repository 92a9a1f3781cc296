"""Meta-World ML1 for one-shot imitation (Lesson 13): the tasks, the recorded demonstrations as a
task family, the imitating policy against a hand-computed inner step, success rates, frames drawn
in a separate process, and the bench command."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from lesson_lib.envs.arm import GOAL, ArmTasks
from lesson_lib.imitation import imitating_policy, success_rates
from lesson_lib.recipes.arm import learner
from lesson_lib.tasks.demonstrations import Demonstrations


@pytest.fixture(scope="module")
def reach():
    tasks = ArmTasks("reach-v3", "test")
    yield tasks
    tasks.close()


@pytest.fixture(scope="module")
def demos(tmp_path_factory):
    """Two expert demonstrations of each of the first 8 reach-v3 test tasks, recorded into a fresh cache."""
    cache = tmp_path_factory.mktemp("cache")
    old = os.environ.get("LESSON_LIB_CACHE")
    os.environ["LESSON_LIB_CACHE"] = str(cache)
    try:
        recorded = Demonstrations.record("reach-v3", "test", per_task=2, num_tasks=8, progress=False)
        again = Demonstrations.record("reach-v3", "test", per_task=2, num_tasks=8, progress=False)  # cached
    finally:
        if old is None:
            del os.environ["LESSON_LIB_CACHE"]
        else:
            os.environ["LESSON_LIB_CACHE"] = old
    assert list(cache.iterdir()), "record(cache=True) wrote no file"
    np.testing.assert_array_equal(recorded.observations, again.observations)
    return recorded


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="env_name"):
        ArmTasks("fly-v3")
    with pytest.raises(ValueError, match="split"):
        ArmTasks("reach-v3", "validation")


def test_goal_is_hidden_and_the_expert_reaches_it(reach, demos):
    assert np.all(demos.observations[..., GOAL] == 0), "ML1 must hide the goal from the observation"
    goals = np.array([reach.goal(i) for i in range(5)])
    assert np.all(np.abs(goals).sum(axis=1) > 0) and len(np.unique(goals.round(4), axis=0)) == 5
    assert demos.success.all(), f"the scripted expert failed {np.sum(~demos.success)} of {demos.success.size}"


def test_starts_differ_and_repeat_exactly(reach):
    a, b, again = reach.demonstrate(3, 0), reach.demonstrate(3, 1), reach.demonstrate(3, 0)
    assert np.abs(a.observations[0] - b.observations[0]).max() > 1e-3, "two starts should differ"
    np.testing.assert_array_equal(a.observations, again.observations)
    np.testing.assert_array_equal(a.actions, again.actions)


def test_lockstep_episodes_equal_single_ones(reach):
    together = reach.episodes([0, 7, 7], [2, 3, None])
    for run, (i, start) in zip(together, [(0, 2), (7, 3), (7, None)], strict=True):
        alone = reach.demonstrate(i, start)
        np.testing.assert_array_equal(run.observations, alone.observations)
        assert (run.task, run.start, run.success, run.first_success) == \
            (i, start, alone.success, alone.first_success)


def test_a_diverged_policy_is_refused(reach):
    with pytest.raises(FloatingPointError, match="diverged"):
        reach.run(lambda obs: np.full((len(obs), 4), np.nan), 0, 0)


def test_sampled_episodes_hold_two_demonstrations_of_one_task(demos):
    episode = Demonstrations(demos.observations, demos.actions, seed=3).sample(6, K=1, Q=1)
    T = demos.observations.shape[2]
    assert episode.support_x.shape == (6, T, 39) and episode.query_y.shape == (6, T, 4)
    for n, task in enumerate(episode.info["task"]):
        pair = [episode.support_x[n], episode.query_x[n]]
        matches = [[np.array_equal(x, demos.observations[task, d]) for d in range(2)] for x in pair]
        assert sorted(map(np.argmax, matches)) == [0, 1] and all(map(any, matches)), \
            "support and query must be two different demonstrations of the episode's task"
    with pytest.raises(ValueError, match="K"):
        demos.sample(2, K=2, Q=1)


def test_imitating_policy_takes_the_hand_computed_inner_step(demos):
    maml = learner("MAML")
    obs, act = demos.observations[:2, 0], demos.actions[:2, 0]
    now = demos.observations[:2, 1, 10]
    theta = maml.params()
    for n in range(2):  # phi = theta - alpha * grad of the mean squared error on the demonstration
        with tf.GradientTape() as tape:
            tape.watch(theta)
            loss = tf.reduce_mean(tf.square(maml.f(theta, obs[n]) - act[n]))
        phi = [w - maml.alpha * g for w, g in zip(theta, tape.gradient(loss, theta), strict=True)]
        expected = maml.f(phi, now[n:n + 1]).numpy()[0]
        np.testing.assert_allclose(imitating_policy(maml, obs, act)(now)[n], expected, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(imitating_policy(maml, obs, act, steps=0)(now)[n],
                                   maml.f(theta, now[n:n + 1]).numpy()[0], rtol=1e-5, atol=1e-7)


def test_the_expert_succeeds_from_the_trial_starts(reach, demos):
    few = Demonstrations(demos.observations[:4], demos.actions[:4])
    found = success_rates(None, reach, few, trials=2, progress=False)
    assert found.shape == (4, 2) and found.all()


def test_without_tensorflow_the_package_does_not_load_it():
    code = "import lesson_lib, sys; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "LESSON_LIB_NO_TENSORFLOW": "1"},
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.slow
def test_frames_are_drawn_in_another_process(reach):
    runs = reach.render([reach.demonstrate(0, 1), reach.demonstrate(9, 2)], every=25)
    for run in runs:
        assert len(run.frames) == 5 and run.frames[0].shape == (240, 240, 3)
        assert run.frames[0].dtype == np.uint8
        assert run.frames[0].std() > 10, "a blank frame"
        assert np.abs(run.frames[0].astype(int) - run.frames[-1]).mean() > 0.5, "the arm did not move"
    with pytest.raises(RuntimeError, match="TensorFlow"):
        reach.episodes([0], [0], frames_every=10)


@pytest.mark.slow
def test_bench_trains_scores_and_reloads(tmp_path):
    from lesson_lib.bench.cli import main

    common = ["metaworld", "--envs", "reach-v3", "--trials", "1", "--test-tasks", "10", "--demos", "3",
              "--iterations", "300", "--data-dir", str(tmp_path)]
    rows = main([*common, "--save-dir", str(tmp_path), "--json", str(tmp_path / "rows.json")])
    again = main([*common, "--from-checkpoints"])
    assert json.loads((tmp_path / "rows.json").read_text()) == rows
    by = {(r["learner"], r["steps"]): r for r in rows}
    assert set(by) == {("expert", 0), ("MAML", 1), ("multi-task", 0), ("multi-task", 1)}
    assert all(r["tasks"] == 10 and r["episodes"] == 10 for r in rows)
    assert by["expert", 0]["success_rate"] == 1.0
    # one demonstration teaches MAML the hidden goal; cloning all tasks cannot know it
    assert by["MAML", 1]["success_rate"] >= 0.7 > 0.5 >= by["multi-task", 0]["success_rate"]
    scored = lambda table: [(r["learner"], r["steps"], r["success_rate"]) for r in table]  # noqa: E731
    assert scored(again) == scored(rows)
