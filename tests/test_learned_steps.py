"""Learned inner step sizes: Meta-SGD (Li et al. 2017) and MAML++ (Antoniou et al. 2019).

Checked in float64: the inner step against hand-computed values on a linear model, the
meta-gradient (theta and alpha) against central finite differences, the multi-step loss
against MAML's losses after 1..S steps, vectorized against the eager loop, checkpoints, and
bad input."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from lesson_lib import checkpoints
from lesson_lib.gradcheck import finite_differences, flat, relative_error
from lesson_lib.learners.maml import MAML
from lesson_lib.learners.maml_plus import MAMLPlus, msl_weights
from lesson_lib.learners.meta_sgd import MetaSGD
from lesson_lib.models import mlp
from lesson_lib.tasks import Sinusoid


def small(seed=3, hidden=(4,)):
    return mlp(hidden=hidden, activation="tanh", dtype="float64", seed=seed)


def episode(tasks=3, K=5, Q=7, seed=5):
    return Sinusoid(seed=seed, dtype="float64").sample(tasks, K=K, Q=Q)


def linear_task():
    """y = w x + b with w = 0.5, b = -0.2 and a support set of 4 points."""
    model = mlp(hidden=(), dtype="float64")
    model.set_weights([np.array([[0.5]]), np.array([-0.2])])
    x = np.array([[-1.0], [0.5], [2.0], [3.0]])
    return model, x, np.sin(x)


def linear_gradient(w, b, x, y):
    """d/dw and d/db of mean((w x + b - y)^2), by hand."""
    r = w * x + b - y
    return np.mean(2 * r * x), np.mean(2 * r)


def path(learner, x, y, steps):
    params = learner.params()
    phis = learner.task_path(params, tf.constant(x), tf.constant(y), steps, learner._alpha(None))
    return [[p.numpy() for p in phi] for phi in phis]


def test_meta_sgd_inner_step_is_elementwise_by_hand():
    model, x, y = linear_task()
    learner = MetaSGD(model, alpha=0.1)
    learner.step_sizes.variables[0].assign([[0.3]])  # alpha for w
    learner.step_sizes.variables[1].assign([0.05])  # alpha for b
    phis = path(learner, x, y, 2)
    w, b = 0.5, -0.2
    for phi in phis[1:]:
        gw, gb = linear_gradient(w, b, x, y)
        w, b = w - 0.3 * gw, b - 0.05 * gb  # the same alphas at every step
        np.testing.assert_allclose([phi[0][0, 0], phi[1][0]], [w, b], rtol=1e-12)


def test_relative_alphas_scale_the_learned_multiplier():
    model, x, y = linear_task()
    learner = MetaSGD(model, alpha=0.1, relative_alphas=True)
    assert learner.learned_alphas()["dense0/kernel"] == pytest.approx(0.1)
    learner.step_sizes.variables[0].assign([[3.0]])  # alpha = 0.1 * 3 for w
    learner.step_sizes.variables[1].assign([0.5])  # alpha = 0.1 * 0.5 for b
    assert learner.learned_alphas()["dense0/kernel"] == pytest.approx(0.3)
    gw, gb = linear_gradient(0.5, -0.2, x, y)
    phi = path(learner, x, y, 1)[1]
    np.testing.assert_allclose([phi[0][0, 0], phi[1][0]], [0.5 - 0.3 * gw, -0.2 - 0.05 * gb], rtol=1e-12)


def test_lslr_inner_step_per_layer_per_step_by_hand():
    model, x, y = linear_task()
    learner = MAMLPlus(model, inner_steps=2, learned_step_sizes=True)
    learner.step_sizes.variables[0].assign([0.3, 0.1])  # alpha of w at steps 1 and 2
    learner.step_sizes.variables[1].assign([0.05, 0.2])
    phis = path(learner, x, y, 3)
    w, b = 0.5, -0.2
    for t, phi in enumerate(phis[1:]):
        gw, gb = linear_gradient(w, b, x, y)
        s = min(t, 1)  # the third step reuses the last learned alpha
        w, b = w - [0.3, 0.1][s] * gw, b - [0.05, 0.2][s] * gb
        np.testing.assert_allclose([phi[0][0, 0], phi[1][0]], [w, b], rtol=1e-12)


def test_learned_alphas_are_named_per_layer_weight():
    learner = MetaSGD(mlp(hidden=(40, 40)), alpha=0.02)
    alphas = learner.learned_alphas()
    assert list(alphas) == ["dense0/kernel", "dense0/bias", "dense1/kernel", "dense1/bias", "dense2/kernel",
                            "dense2/bias"]
    assert alphas["dense1/kernel"].shape == (40, 40) and np.all(alphas["dense1/kernel"] == np.float32(0.02))
    ranged = MetaSGD(mlp(hidden=(40, 40)), alpha_range=(0.005, 0.1), seed=1).learned_alphas()["dense1/kernel"]
    assert 0.005 <= ranged.min() < ranged.max() <= 0.1
    lslr = MAMLPlus(mlp(hidden=(40, 40)), inner_steps=3, learned_step_sizes=True).learned_alphas()
    assert {a.shape for a in lslr.values()} == {(3,)}


def check_against_finite_differences(learner, ep):
    fd = finite_differences(learner, ep)
    loss, grads = learner.meta_gradient(ep)
    assert relative_error(flat(grads), fd) < 1e-4
    return flat(grads), fd


SLOW = pytest.mark.slow  # finite differences over every weight and alpha, eagerly: 10-70 s each


@SLOW
def test_meta_sgd_meta_gradient_matches_finite_differences_for_theta_and_alpha():
    learner = MetaSGD(small(hidden=(2,)), alpha_range=(0.05, 0.15), inner_steps=2, seed=1)  # 14 numbers
    ep = episode(tasks=2)
    grads, fd = check_against_finite_differences(learner, ep)
    n_theta = sum(int(np.prod(v.shape)) for v in learner.f.variables)
    d_alpha, fd_alpha = grads[n_theta:], fd[n_theta:]
    assert len(d_alpha) == n_theta and np.linalg.norm(fd_alpha) > 1e-3
    assert relative_error(d_alpha, fd_alpha) < 1e-4
    # the check can fail: the first-order gradient differs measurably from the truth
    first = MetaSGD(small(hidden=(2,)), alpha_range=(0.05, 0.15), inner_steps=2, seed=1, second_order=False)
    assert relative_error(flat(first.meta_gradient(ep)[1]), fd) > 1e-3


@SLOW
@pytest.mark.parametrize("switch", ["multi_step_loss", "learned_step_sizes", "cosine_outer", "all"])
def test_maml_plus_meta_gradient_matches_finite_differences(switch):
    switches = ("multi_step_loss", "learned_step_sizes", "cosine_outer") if switch == "all" else (switch,)
    learner = MAMLPlus(small(), alpha=0.1, inner_steps=2, iterations=8, msl_iterations=4,
                       relative_alphas=switch == "all", **{s: True for s in switches})
    learner.optimizer.iterations.assign(1)  # MSL weights a quarter of the way: unequal, not final
    check_against_finite_differences(learner, episode(tasks=2))


def test_maml_plus_with_every_switch_off_is_maml():
    ep = episode()
    plus = MAMLPlus(small(), alpha=0.1, inner_steps=2)
    maml = MAML(small(), alpha=0.1, inner_steps=2)
    a, b = plus.meta_gradient(ep), maml.meta_gradient(ep)
    assert a[0] == pytest.approx(b[0], rel=1e-12)
    np.testing.assert_allclose(flat(a[1]), flat(b[1]), rtol=1e-10)


def test_msl_weights_by_hand():
    np.testing.assert_allclose(msl_weights(5, 0.0), [0.2] * 5)
    np.testing.assert_allclose(msl_weights(5, 0.5), [0.1] * 4 + [0.6], rtol=1e-6)
    np.testing.assert_allclose(msl_weights(5, 1.0), [0.006] * 4 + [0.976], rtol=1e-6)
    np.testing.assert_allclose(msl_weights(5, 7.0), msl_weights(5, 1.0))
    np.testing.assert_allclose(msl_weights(1, 0.3), [1.0])


def test_multi_step_loss_is_the_weighted_sum_of_maml_losses_after_each_step():
    ep = episode()
    learner = MAMLPlus(small(), alpha=0.1, inner_steps=3, multi_step_loss=True, iterations=100,
                       msl_iterations=10)
    learner.optimizer.iterations.assign(5)
    weights = msl_weights(3, 0.5, "float64").numpy()
    np.testing.assert_allclose(learner.loss_weights(), weights)
    maml_losses = [MAML(small(), alpha=0.1, inner_steps=t).meta_gradient(ep)[0] for t in (1, 2, 3)]
    assert learner.meta_gradient(ep)[0] == pytest.approx(float(np.dot(weights, maml_losses)), rel=1e-10)


def test_cosine_outer_rate_follows_cosine_decay():
    learner = MAMLPlus(mlp(hidden=(8,)), inner_steps=1, cosine_outer=True, iterations=10, beta=2e-3)
    tasks = Sinusoid(0)
    for _ in range(5):
        learner.meta_step(tasks.sample(4, 5))
    expected = 1e-3 * (1 + 0.01) + 1e-3 * (1 - 0.01) * np.cos(np.pi * 5 / 10)  # beta_final = beta / 100
    assert learner.beta == pytest.approx(expected, rel=1e-5)
    assert learner.beta == pytest.approx(float(keras.optimizers.schedules.CosineDecay(2e-3, 10, 0.01)(5)),
                                         rel=1e-5)
    assert learner.hyperparameters["beta"] == 2e-3  # manifests record the starting rate


def test_meta_step_learns_alpha():
    learner = MetaSGD(mlp(hidden=(8,)), alpha=0.01)
    before = learner.learned_alphas()
    learner.meta_step(Sinusoid(0).sample(4, 5))
    after = learner.learned_alphas()
    assert all(np.abs(after[k] - before[k]).max() > 1e-4 for k in before)


@pytest.mark.parametrize("make", [
    lambda: MetaSGD(small(), alpha_range=(0.05, 0.15), inner_steps=2, seed=1),
    lambda: MAMLPlus(small(), alpha=0.1, inner_steps=2, multi_step_loss=True, learned_step_sizes=True,
                     cosine_outer=True, iterations=10, relative_alphas=True)], ids=["Meta-SGD", "MAML++"])
def test_vectorized_equals_eager_loop(make):
    learner = make()
    ep = episode()
    loss_v, grads_v = learner.meta_gradient(ep, mode="vectorized")
    loss_l, grads_l = learner.meta_gradient(ep, mode="loop")
    assert loss_v == pytest.approx(loss_l, rel=1e-12)
    np.testing.assert_allclose(flat(grads_v), flat(grads_l), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda seed: MetaSGD(mlp(hidden=(8,), seed=seed), alpha_range=(0.01, 0.05), seed=seed),
    lambda seed: MAMLPlus(mlp(hidden=(8,), seed=seed), inner_steps=2, learned_step_sizes=True)],
    ids=["Meta-SGD", "MAML++"])
def test_checkpoint_round_trip_keeps_the_alphas(make, tmp_path):
    learner = make(0)
    tasks = Sinusoid(1)
    for _ in range(3):
        learner.meta_step(tasks.sample(4, 5))
    assert any(k.startswith("alpha/") for k in learner.get_state())
    checkpoints.save(tmp_path / "a.npz", learner)
    fresh = make(7)
    checkpoints.load(tmp_path / "a.npz", fresh)
    for name, value in learner.learned_alphas().items():
        np.testing.assert_array_equal(fresh.learned_alphas()[name], value)
    ep = Sinusoid(2).sample(3, 5)
    np.testing.assert_array_equal(learner.adaptation_curve(ep, 3), fresh.adaptation_curve(ep, 3))


def test_bad_input_names_the_argument():
    model = mlp(hidden=(8,))
    with pytest.raises(ValueError, match="alpha must be a finite number > 0"):
        MetaSGD(model, alpha=0.0)
    with pytest.raises(ValueError, match="inner_steps must be an integer >= 1"):
        MetaSGD(model, inner_steps=0)
    with pytest.raises(ValueError, match="alpha_range must lie above 0"):
        MetaSGD(model, alpha_range=(-0.1, 0.1))
    with pytest.raises(TypeError, match="alpha_range must be a pair"):
        MetaSGD(model, alpha_range=0.1)
    with pytest.raises(ValueError, match="beta must be a finite number > 0"):
        MetaSGD(model, beta=float("nan"))
    with pytest.raises(TypeError, match="alpha does not apply to Meta-SGD: its inner step sizes are learned"):
        MetaSGD(model).adaptation_curve(Sinusoid(0).sample(2, 5), 3, alpha=0.1)
    with pytest.raises(ValueError, match="iterations .* is needed with multi_step_loss or cosine_outer"):
        MAMLPlus(model, multi_step_loss=True)
    with pytest.raises(ValueError, match="iterations .* is needed"):
        MAMLPlus(model, cosine_outer=True)
    with pytest.raises(ValueError, match="beta_final must be <= beta"):
        MAMLPlus(model, cosine_outer=True, iterations=10, beta=1e-3, beta_final=1e-2)
    with pytest.raises(ValueError, match="msl_iterations must be an integer >= 1"):
        MAMLPlus(model, multi_step_loss=True, iterations=10, msl_iterations=0)
    with pytest.raises(TypeError, match="alpha does not apply to MAML\\+\\+"):
        MAMLPlus(model, learned_step_sizes=True).predict(Sinusoid(0).sample(2, 5), np.zeros((2, 3, 1)), 1,
                                                         alpha=0.1)
    plain = MAMLPlus(model, inner_steps=1)
    assert plain.uses_alpha  # a fixed alpha can be changed at test time
    with pytest.raises(ValueError, match="learns no step sizes"):
        plain.learned_alphas()
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        MetaSGD(model).adaptation_curve(Sinusoid(0).sample(2, 5), -1)
