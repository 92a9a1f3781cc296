"""The memorization problem: coded tasks, the support-reliance diagnostic, the remedy."""

import numpy as np
import pytest

from lesson_lib.memorization import CodedTasks, Reliance, support_reliance, swap_supports
from lesson_lib.tasks import Episode, Sinusoid, TaskPool


class ConstantLearner:
    """Hand-built: predicts 0 at every query, whatever the support set (ignores it)."""

    def adaptation_curve(self, episode, steps):
        mse = np.mean(episode.query_y[..., 0] ** 2, axis=1)
        return np.repeat(mse[:, None], steps + 1, axis=1)


class MeanLearner:
    """Hand-built: predicts the mean of the support outputs at every query (uses the support set)."""

    def adaptation_curve(self, episode, steps):
        guess = episode.support_y[..., 0].mean(axis=1, keepdims=True)
        mse = np.mean((episode.query_y[..., 0] - guess) ** 2, axis=1)
        return np.repeat(mse[:, None], steps + 1, axis=1)


def tiny_episode():
    """Three tasks, constant outputs 0, 1 and 3 (support and query alike), inputs 10 * task."""
    level = np.array([0.0, 1.0, 3.0])
    x = np.arange(3.0)[:, None, None] * 10 + np.zeros((3, 2, 1))
    y = level[:, None, None] + np.zeros((3, 2, 1))
    return Episode(x, y, x.copy(), y.copy())


def test_swap_supports_rolls_the_support_sets():
    episode = tiny_episode()
    swapped = swap_supports(episode)
    np.testing.assert_array_equal(swapped.support_y[:, 0, 0], [1.0, 3.0, 0.0])
    np.testing.assert_array_equal(swapped.support_x[:, 0, 0], [10.0, 20.0, 0.0])
    np.testing.assert_array_equal(swapped.query_y, episode.query_y)
    outputs = swap_supports(episode, shift=2, outputs_only=True)
    np.testing.assert_array_equal(outputs.support_y[:, 0, 0], [3.0, 0.0, 1.0])
    np.testing.assert_array_equal(outputs.support_x, episode.support_x)  # the task's own inputs


def test_diagnostic_arithmetic_on_hand_built_learners():
    episode = tiny_episode()
    ignores = support_reliance(ConstantLearner(), episode, steps=1)
    np.testing.assert_allclose(ignores.true, [0.0, 1.0, 9.0])
    np.testing.assert_array_equal(ignores.swapped, ignores.true)
    np.testing.assert_array_equal(ignores.wrong_outputs, ignores.true)
    assert ignores.ratio == 1.0
    uses = support_reliance(MeanLearner(), episode, steps=0)
    np.testing.assert_allclose(uses.true, [0.0, 0.0, 0.0])
    # task 0 (level 0) gets level 1's support: error 1; task 1 gets level 3: 4; task 2 gets level 0: 9
    np.testing.assert_allclose(uses.swapped, [1.0, 4.0, 9.0])
    np.testing.assert_allclose(uses.wrong_outputs, [1.0, 4.0, 9.0])


def test_reliance_rows_summarise_each_support():
    reliance = Reliance(np.array([1.0, 2.0, 3.0]), np.array([4.0, 4.0, 4.0]), np.array([0.0, 0.0, 9.0]))
    rows = {r["support"]: r for r in reliance.rows()}
    assert set(rows) == {"true", "swapped", "wrong outputs"}
    assert rows["true"]["mse"] == 2.0 and rows["true"]["median"] == 2.0
    assert rows["true"]["ci95"] == pytest.approx(1.96 * 1.0 / np.sqrt(3))
    assert rows["swapped"]["ci95"] == 0.0 and rows["wrong outputs"]["median"] == 0.0
    assert reliance.ratio == 2.0


def test_coded_pool_tasks_keep_their_code():
    pool = TaskPool(Sinusoid(seed=0), 4, seed=0)
    tasks = CodedTasks(pool, code_dim=3, seed=1)
    episode = tasks.sample(30, K=5, Q=7)
    assert episode.support_x.shape == (30, 5, 4) and episode.query_x.shape == (30, 7, 4)
    assert episode.support_y.shape == (30, 5, 1) and episode.support_x.dtype == np.float32
    assert tasks.x_dim == 4
    for i in range(30):  # every input of a task carries its pool task's code
        code = tasks.codes[episode.info["index"][i]].astype(np.float32)
        np.testing.assert_array_equal(episode.support_x[i, :, 1:], np.broadcast_to(code, (5, 3)))
        np.testing.assert_array_equal(episode.query_x[i, :, 1:], np.broadcast_to(code, (7, 3)))
    # the first input column and the outputs are the pool's sinusoids, untouched
    amplitude, phase = episode.info["amplitude"], episode.info["phase"]
    expected = Sinusoid.function(amplitude[:, None, None], phase[:, None, None], episode.query_x[..., :1])
    np.testing.assert_allclose(episode.query_y, expected, rtol=1e-5, atol=1e-5)


def test_new_tasks_get_fresh_codes():
    tasks = CodedTasks(Sinusoid(seed=0), code_dim=2, seed=0)
    codes = tasks.sample(50, K=1).info["code"]
    assert len(np.unique(codes[:, 0])) == 50


def test_remedy_redraws_codes():
    tasks = CodedTasks(TaskPool(Sinusoid(seed=0), 1), code_dim=2, seed=0, shuffle=True)
    first, second = tasks.sample(5, K=2), tasks.sample(5, K=2)
    assert len({tuple(c) for c in np.concatenate([first.info["code"], second.info["code"]])}) == 10


def test_offset_augmentation_shifts_support_and_query_alike():
    pool = TaskPool(Sinusoid(seed=0), 3, seed=0)
    tasks = CodedTasks(pool, code_dim=2, seed=0, offset=2.0)
    episode = tasks.sample(40, K=5, Q=5)
    epsilon = episode.info["offset"]
    assert np.all(np.abs(epsilon) <= 2.0) and np.std(epsilon) > 0.5
    amplitude, phase = episode.info["amplitude"], episode.info["phase"]
    clean = lambda x: Sinusoid.function(amplitude[:, None, None], phase[:, None, None], x[..., :1])  # noqa: E731
    np.testing.assert_allclose(episode.support_y - clean(episode.support_x), np.broadcast_to(
        epsilon[:, None, None], (40, 5, 1)), atol=1e-5)
    np.testing.assert_allclose(episode.query_y - clean(episode.query_x), np.broadcast_to(
        epsilon[:, None, None], (40, 5, 1)), atol=1e-5)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"code_dim": 0}, ValueError, "code_dim must be an integer >= 1"),
    ({"offset": -1.0}, ValueError, "offset must be a finite number > 0"),
    ({"shuffle": "yes"}, TypeError, "shuffle must be True or False"),
    ({"tasks": [1, 2]}, TypeError, "tasks must be a TaskPool"),
])
def test_bad_arguments_are_named(kwargs, error, words):
    with pytest.raises(error, match=words):
        CodedTasks(**{"tasks": Sinusoid(seed=0), **kwargs})


def test_swap_needs_two_tasks():
    episode = tiny_episode()
    with pytest.raises(ValueError, match="at least 2 tasks"):
        swap_supports(episode.tasks(0))
    with pytest.raises(ValueError, match="shift must not be a multiple"):
        swap_supports(episode, shift=3)


@pytest.mark.slow
def test_demo_shows_memorization_and_the_remedy():
    """A CNP on 10 coded tasks learns them by heart (its error ignores the support outputs) and
    fails new tasks; with codes redrawn it reads the support set and does better on new tasks.
    800 meta-iterations each (measured, against the bounds below: pool error 0.025 < 0.3, with
    another task's outputs 0.038 < 0.2, new tasks 6.4 > 2; remedy: 5.6 > 2.5 and 0.84 < 3.2;
    1,500 iterations gave 0.008, 0.014, 5.9, 5.6 > 2.1, 0.70 < 3.0, at twice the training time)."""
    from lesson_lib.recipes.sinusoid import learner
    from lesson_lib.training import meta_train

    pool = TaskPool(Sinusoid(seed=0), 10, seed=0)
    pool_tasks = CodedTasks(pool, code_dim=8, seed=0)
    results = {}
    for remedy in (False, True):
        cnp = learner("CNP", x_dim=pool_tasks.x_dim)
        meta_train(cnp, CodedTasks(pool, code_dim=8, seed=0, shuffle=remedy), 800, K=5, progress=False)
        results[remedy] = [support_reliance(cnp, tasks.sample(200, 5, 50), 0) for tasks in
                           (pool_tasks, CodedTasks(Sinusoid(seed=10_000), code_dim=8, seed=1))]
    (train, test), (fixed_train, fixed_test) = results[False], results[True]
    assert np.mean(train.true) < 0.3  # the pool is learned...
    # ...without reading the support outputs: another task's outputs leave the error near zero, where a
    # learner that reads them errs by about the difference of two random sinusoids (several units)
    assert np.mean(train.wrong_outputs) < 0.2
    assert np.mean(test.true) > 2.0  # and new tasks fail
    assert np.mean(fixed_train.wrong_outputs) > max(1.0, 3 * np.mean(fixed_train.true))  # the remedy reads
    assert np.mean(fixed_test.true) < 0.5 * np.mean(test.true)  # and generalises better
