"""TaskPool: a finite set of meta-training tasks, episodes with fresh inputs."""

import numpy as np
import pytest

from lesson_lib.tasks import Sinusoid, TaskPool


def functions(episode):
    return set(zip(episode.info["amplitude"].tolist(), episode.info["phase"].tolist(), strict=True))


def test_only_the_pools_functions_appear():
    pool = TaskPool(Sinusoid(seed=1), n_tasks=5, seed=2)
    seen = set()
    for _ in range(20):
        episode = pool.sample(25, K=5, Q=7)
        seen |= functions(episode)
        # each task's points lie on its own pool function
        amplitude, phase = (pool.parameters[k][episode.info["index"]] for k in ("amplitude", "phase"))
        expected = Sinusoid.function(amplitude[:, None, None], phase[:, None, None], episode.query_x)
        np.testing.assert_allclose(episode.query_y, expected, rtol=1e-5, atol=1e-5)
    assert len(seen) == 5
    assert seen == set(zip(pool.parameters["amplitude"].tolist(), pool.parameters["phase"].tolist(),
                           strict=True))


def test_inputs_are_fresh_each_time():
    pool = TaskPool(Sinusoid(seed=0), n_tasks=1)
    a, b = pool.sample(1, K=5), pool.sample(1, K=5)
    assert functions(a) == functions(b)
    assert not np.allclose(a.support_x, b.support_x)


def test_shapes_match_the_family():
    pool = TaskPool(Sinusoid(seed=0), n_tasks=20, seed=0)
    episode, family = pool.sample(8, K=5, Q=11), Sinusoid(seed=3).sample(8, K=5, Q=11)
    for name in ("support_x", "support_y", "query_x", "query_y"):
        assert getattr(episode, name).shape == getattr(family, name).shape
        assert getattr(episode, name).dtype == getattr(family, name).dtype
    assert episode.shots == 5 and episode.num_tasks == 8
    assert episode.info["index"].shape == (8,)


def test_unlimited_is_the_family():
    pool, family = TaskPool(Sinusoid(seed=4), None), Sinusoid(seed=4)
    a, b = pool.sample(10, K=5), family.sample(10, K=5)
    np.testing.assert_array_equal(a.support_y, b.support_y)
    assert pool.unlimited and len(functions(pool.sample(100, K=1))) == 100
    with pytest.raises(TypeError, match="no length"):
        len(pool)


def test_same_seed_same_episodes():
    a = TaskPool(Sinusoid(seed=0), 7, seed=3).sample(10, K=5)
    b = TaskPool(Sinusoid(seed=0), 7, seed=3).sample(10, K=5)
    np.testing.assert_array_equal(a.query_y, b.query_y)
    np.testing.assert_array_equal(a.info["index"], b.info["index"])


def test_episode_by_index():
    pool = TaskPool(Sinusoid(seed=0), 4)
    episode = pool.episode([3, 0], K=2, Q=3)
    assert episode.info["amplitude"].tolist() == pool.parameters["amplitude"][[3, 0]].tolist()
    with pytest.raises(ValueError, match=r"index must lie in \[0, 4\)"):
        pool.episode(4, K=2)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"n_tasks": 0}, ValueError, "n_tasks must be an integer >= 1"),
    ({"n_tasks": 2.5}, TypeError, "n_tasks must be an integer"),
    ({"n_tasks": 5, "seed": -1}, ValueError, "seed must be"),
    ({"n_tasks": 5, "family": "sinusoid"}, TypeError, "family must be a task family"),
])
def test_bad_arguments_are_named(kwargs, error, words):
    kwargs = {"family": Sinusoid(seed=0), **kwargs}
    with pytest.raises(error, match=words):
        TaskPool(**kwargs)


def test_bad_sample_arguments_are_named():
    pool = TaskPool(Sinusoid(seed=0), 5)
    with pytest.raises(ValueError, match="num_tasks"):
        pool.sample(0, K=5)
    with pytest.raises(ValueError, match="K must be"):
        pool.sample(3, K=0)
