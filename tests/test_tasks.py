"""The sinusoid family is the MAML paper's (section 5.1) and is seeded."""

import numpy as np

from lesson_lib.tasks import Sinusoid


def test_ranges_and_shapes():
    ep = Sinusoid(seed=1).sample(2000, K=5, Q=7)
    assert ep.support_x.shape == (2000, 5, 1) and ep.query_y.shape == (2000, 7, 1)
    a, p = ep.info["amplitude"], ep.info["phase"]
    assert 0.1 <= a.min() < 0.2 and 4.9 < a.max() <= 5.0
    assert 0.0 <= p.min() < 0.05 and np.pi - 0.05 < p.max() <= np.pi
    x = np.concatenate([ep.support_x, ep.query_x], axis=1)
    assert -5.0 <= x.min() < -4.99 and 4.99 < x.max() <= 5.0
    expected = a[:, None, None] * np.sin(ep.support_x - p[:, None, None])
    np.testing.assert_allclose(ep.support_y, expected, rtol=1e-5, atol=1e-5)


def test_same_seed_same_tasks_other_seed_other_tasks():
    a, b, c = (Sinusoid(seed=s).sample(4, 5) for s in (3, 3, 4))
    np.testing.assert_array_equal(a.support_x, b.support_x)
    np.testing.assert_array_equal(a.query_y, b.query_y)
    assert not np.allclose(a.support_x, c.support_x)


def test_given_task_and_subset():
    ep = Sinusoid(seed=0).episode(amplitude=2.0, phase=0.5, K=10, Q=3)
    np.testing.assert_allclose(ep.query_y, 2.0 * np.sin(ep.query_x - 0.5), rtol=1e-5, atol=1e-6)
    sub = Sinusoid(seed=0).sample(6, 5).tasks(slice(1, 3))
    assert sub.num_tasks == 2 and sub.info["amplitude"].shape == (2,)
