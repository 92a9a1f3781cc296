"""Every learner on the same footing: bad input, divergence, checkpoints, loop = vectorized."""

import re

import numpy as np
import pytest

from lesson_lib import checkpoints
from lesson_lib.models import mlp
from lesson_lib.recipes import sinusoid as recipes
from lesson_lib.tasks import Sinusoid
from lesson_lib.training import DivergenceError, meta_train


def make(name, output_dim=1, seed=0, **options):
    """A small instance of each sinusoid recipe's learner."""
    if name == "CNP":  # encoder reads (x, y) pairs of the task; the decoder's output may not fit
        return recipes.learner("CNP", seed=seed, width=16,
                               encoder=mlp(input_dim=2, hidden=(16,), output_dim=16, seed=seed),
                               decoder=mlp(input_dim=17, hidden=(16,), output_dim=output_dim, seed=seed + 1),
                               **options)
    if name == "HyperNetwork":  # its encoder reads (x, y) pairs; the generated layer's output may not fit
        return recipes.learner("HyperNetwork", seed=seed, width=16, target_hidden=(16,), y_dim=output_dim,
                               encoder=mlp(input_dim=2, hidden=(16,), output_dim=16, seed=seed), **options)
    fewer_steps = {"inner_steps": 2} if name in ("Reptile", "Meta-LSTM", "Meta-SGD", "MAML++") else {}
    return recipes.learner(name, seed=seed, model=mlp(hidden=(16,), output_dim=output_dim, seed=seed),
                           **{**fewer_steps, **options})


LEARNERS = recipes.LEARNERS
# the setting that makes each one blow up
EXPLOSIVE = {"MAML": {"alpha": 1e6}, "FOMAML": {"alpha": 1e6}, "Reptile": {"alpha": 1e6},
             "Meta-LSTM": {"beta": 1e30}, "CNP": {"beta": 1e30}, "HyperNetwork": {"beta": 1e30},
             "Meta-SGD": {"alpha": 1e6}, "MAML++": {"alpha": 1e6}, "pretrained": {"beta": 1e30}}


@pytest.mark.parametrize("name", LEARNERS)
def test_divergence_is_caught_and_explained(name):
    learner = make(name, **EXPLOSIVE[name])
    expected = rf"{re.escape(name)} diverged at meta-iteration \d+: .*too large"
    with pytest.raises(DivergenceError, match=expected) as info:
        meta_train(learner, Sinusoid(0), 200, K=5, progress=False)
    assert info.value.history.stopped == "diverged"
    assert all(np.isfinite(v).all() for v in learner.get_state().values())


@pytest.mark.parametrize("name", LEARNERS)
def test_bad_input(name):
    learner = make(name)
    ep = Sinusoid(0).sample(2, 5)
    with pytest.raises(ValueError, match=r"steps must be an integer >= 0"):
        learner.adaptation_curve(ep, -1)
    with pytest.raises(ValueError, match=r"model output shape \(5, 3\) does not fit the task"):
        make(name, output_dim=3).meta_step(ep)
    rate = "epsilon" if name == "Reptile" else "beta"  # Reptile's outer step is epsilon
    with pytest.raises(ValueError, match=rf"{rate} must be a finite number > 0"):
        make(name, **{rate: float("nan")})


@pytest.mark.slow  # 3-8 s per learner
@pytest.mark.parametrize("name", LEARNERS)
def test_checkpoint_round_trip_and_loop_equals_vectorized(name, tmp_path):
    learner = make(name)
    meta_train(learner, Sinusoid(1), 3, K=5, progress=False, checkpoint=tmp_path / "a.npz")
    fresh = make(name, seed=5)
    checkpoints.load(tmp_path / "a.npz", fresh)
    ep = Sinusoid(2).sample(3, 5)
    np.testing.assert_array_equal(learner.adaptation_curve(ep, 2), fresh.adaptation_curve(ep, 2))
    a, b = learner.meta_gradient(ep), learner.meta_gradient(ep, mode="loop")
    assert a[0] == pytest.approx(b[0], rel=1e-5)
    for x, y in zip(a[1], b[1], strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-3, atol=1e-6)
