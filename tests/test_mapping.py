"""The black-box learners (Lessons 5 and 9): one forward pass, order of the support set irrelevant."""

import numpy as np
import pytest

from lesson_lib.learners import CNP, HyperNetwork
from lesson_lib.tasks import Episode, Sinusoid


@pytest.mark.parametrize("black_box", [CNP, HyperNetwork], ids=lambda cls: cls.__name__)
def test_invariant_to_the_order_of_support_points(black_box):
    """CNP (task -> predictions) and HyperNetwork (task -> weights) both average over the support set."""
    learner = black_box(width=32, seed=1)
    ep = Sinusoid(seed=0).sample(4, K=7, Q=20)
    order = np.random.default_rng(0).permutation(7)
    shuffled = Episode(ep.support_x[:, order], ep.support_y[:, order], ep.query_x, ep.query_y)
    a = learner.predict(ep, ep.query_x, steps=0)
    b = learner.predict(shuffled, ep.query_x, steps=0)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # ... but not to the support set itself: other points, other predictions
    other = Sinusoid(seed=1).sample(4, K=7, Q=20)
    assert not np.allclose(a, learner.predict(other, ep.query_x, steps=0), atol=1e-3)


@pytest.mark.slow
def test_curve_is_flat_and_training_lowers_the_loss():
    learner = CNP(width=32, seed=0)
    ep = Sinusoid(seed=5).sample(50, K=10, Q=20)
    before = learner.adaptation_curve(ep, 3)
    assert np.all(before == before[:, :1])  # no steps: the same prediction at every step
    tasks = Sinusoid(seed=6)
    for _ in range(300):
        learner.meta_step(tasks.sample(16, 10))
    assert learner.adaptation_curve(ep, 0).mean() < 0.7 * before[:, 0].mean()


def test_bad_input():
    with pytest.raises(ValueError, match=r"width must be an integer >= 1"):
        CNP(width=0)
    with pytest.raises(TypeError, match=r"alpha does not apply to CNP"):
        CNP(width=8).adaptation_curve(Sinusoid(0).sample(2, 5), 1, alpha=0.1)
    with pytest.raises(ValueError, match=r"model does not accept inputs"):
        CNP(x_dim=2, width=8).meta_step(Sinusoid(0).sample(2, 5))
