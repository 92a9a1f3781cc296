"""The hypernetwork learner (task -> weights): its meta-gradient is the true derivative (finite
differences, float64), its generated weights are the target network's weights (a hand-built
forward pass), it ignores the order of the support set, and it fits the kit's interface."""

import numpy as np
import pytest
import tensorflow as tf

from lesson_lib import checkpoints
from lesson_lib.gradcheck import finite_differences, flat, relative_error
from lesson_lib.learners.hypernetwork import HyperNetwork
from lesson_lib.models import mlp
from lesson_lib.tasks import Sinusoid
from lesson_lib.training import meta_train


def small(seed=0, **options):
    return HyperNetwork(**{"width": 6, "target_hidden": (4,), "seed": seed, **options})


def relu(z):
    return np.maximum(z, 0.0)


SLOW = pytest.mark.slow  # finite differences over every weight, eagerly


@SLOW  # 10-30 s
def test_meta_gradient_matches_finite_differences_on_a_tiny_hypernetwork():
    """h: 2-3-3, g: 3-3-4, target 1-3-1 with its last layer generated (55 weights)."""
    learner = HyperNetwork(width=3, target_hidden=(3,), dtype="float64", generator_scale=1.0, seed=3)
    ep = Sinusoid(seed=5, dtype="float64").sample(2, K=5, Q=5)
    fd = finite_differences(learner, ep)
    assert relative_error(flat(learner.meta_gradient(ep)[1]), fd) < 1e-6


@SLOW  # about 150 weights: 30-70 s each
@pytest.mark.parametrize("generated_layers", [1, 2])
def test_meta_gradient_matches_finite_differences(generated_layers):
    learner = small(generated_layers=generated_layers, dtype="float64", generator_scale=1.0, seed=3)
    ep = Sinusoid(seed=5, dtype="float64").sample(3, K=5, Q=7)
    _, grads = learner.meta_gradient(ep)
    fd = finite_differences(learner, ep)
    assert relative_error(flat(grads), fd) < 1e-6
    # every group of meta-parameters (h, g and the shared layers, if any) gets a gradient
    sizes = np.cumsum([0] + [int(np.prod(v.shape)) for v in learner.meta_parameters])
    groups = [learner.encoder.variables, learner.generator.variables, learner.shared]
    start = 0
    for group in groups:
        stop = start + len(group)
        if group:
            assert np.abs(fd[sizes[start]:sizes[stop]]).max() > 1e-6
        start = stop


@pytest.mark.parametrize("generated_layers", [1, 2, 3])
def test_generated_weights_run_the_target_network_by_hand(generated_layers):
    """w_T = g(mean_k h([x_k, y_k])), then y* = f(x*; theta, w_T), all recomputed in numpy."""
    learner = HyperNetwork(width=8, target_hidden=(5, 3), generated_layers=generated_layers, seed=2,
                           dtype="float64")
    ep = Sinusoid(seed=1, dtype="float64").sample(1, K=4, Q=6)
    sx, sy, qx = ep.support_x[0], ep.support_y[0], ep.query_x[0]
    params = learner.params()
    w = [t.numpy() for t in learner.generate(params, sx, sy)]
    assert [a.shape for a in w] == [tuple(v.shape) for v in learner.model.trainable_variables[-len(w):]]
    assert sum(a.size for a in w) == learner.generated_count
    A1, a1, A2, a2 = (v.numpy() for v in learner.encoder.variables)
    B1, b1, B2, b2 = (v.numpy() for v in learner.generator.variables)
    r = (relu(np.concatenate([sx, sy], axis=1) @ A1 + a1) @ A2 + a2).mean(axis=0)
    np.testing.assert_allclose(np.concatenate([a.ravel() for a in w]), relu(r @ B1 + b1) @ B2 + b2,
                               rtol=1e-12, atol=1e-12)
    layers = [v.numpy() for v in learner.shared] + w
    h = qx
    for i in range(0, len(layers), 2):
        h = h @ layers[i] + layers[i + 1]
        if i + 2 < len(layers):
            h = relu(h)
    np.testing.assert_allclose(learner.predict(ep, ep.query_x, steps=0)[0], h, rtol=1e-10, atol=1e-12)


def test_untrained_generator_writes_the_usual_initial_weights():
    """The generator's bias starts at the target's Glorot weights; its kernel is scaled down."""
    learner = HyperNetwork(width=16, generated_layers=2, generator_scale=1e-6, seed=4)
    ep = Sinusoid(seed=0).sample(1, 5)
    w = learner.generate(learner.params(), ep.support_x[0], ep.support_y[0])
    for generated, initial in zip(w, learner.generated, strict=True):
        np.testing.assert_allclose(generated, initial.numpy(), atol=1e-4)


@pytest.mark.parametrize("generated_layers", [1, 3])
def test_loop_equals_vectorized(generated_layers):
    learner = HyperNetwork(width=16, target_hidden=(8, 8), generated_layers=generated_layers, seed=0)
    ep = Sinusoid(seed=2).sample(3, 5)
    a, b = learner.meta_gradient(ep), learner.meta_gradient(ep, mode="loop")
    assert a[0] == pytest.approx(b[0], rel=1e-5)
    assert len(a[1]) == len(learner.meta_parameters)
    for x, y in zip(a[1], b[1], strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-6)
    twin = HyperNetwork(width=16, target_hidden=(8, 8), generated_layers=generated_layers, seed=0)
    assert learner.meta_step(ep) == pytest.approx(twin.meta_step_loop(ep), rel=1e-5)
    for name, value in learner.get_state().items():  # one Adam step, the same both ways
        np.testing.assert_allclose(value, twin.get_state()[name], rtol=1e-4, atol=1e-6)


def test_state_round_trip_and_checkpoint(tmp_path):
    learner = small(seed=0)
    meta_train(learner, Sinusoid(1), 3, K=5, progress=False, checkpoint=tmp_path / "h.npz")
    state = learner.get_state()
    assert {name.split("/")[0] for name in state} == {"encoder", "generator", "target"}
    fresh = small(seed=7)
    ep = Sinusoid(2).sample(3, 5)
    assert not np.allclose(fresh.adaptation_curve(ep, 0), learner.adaptation_curve(ep, 0))
    fresh.set_state(state)
    np.testing.assert_array_equal(fresh.adaptation_curve(ep, 0), learner.adaptation_curve(ep, 0))
    other = small(seed=9)
    manifest = checkpoints.load(tmp_path / "h.npz", other)
    assert manifest["hyperparameters"]["generated_weights"] == 5
    np.testing.assert_array_equal(other.predict(ep, ep.query_x, 0), learner.predict(ep, ep.query_x, 0))
    with pytest.raises(ValueError, match=r"state\['generator/002'\] has shape"):
        small().set_state({**state, "generator/002": np.zeros((6, 9), "float32")})
    with pytest.raises(ValueError, match=r"state does not fit this learner: missing \['target/000'"):
        small().set_state({k: v for k, v in state.items() if k != "target/000"})


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"width must be an integer >= 1"):
        HyperNetwork(width=0)
    with pytest.raises(ValueError, match=r"generated_layers must be an integer >= 1 and <= 3, got 4"):
        HyperNetwork(generated_layers=4)
    with pytest.raises(TypeError, match=r"target_hidden must be a tuple of layer widths"):
        HyperNetwork(target_hidden=40)
    with pytest.raises(ValueError, match=r"hidden\[0\] must be an integer >= 1"):
        HyperNetwork(target_hidden=(0,))
    with pytest.raises(ValueError, match=r"generator_scale must be a finite number > 0"):
        HyperNetwork(generator_scale=-1.0)
    with pytest.raises(ValueError, match=r"beta must be a finite number > 0"):
        HyperNetwork(beta=float("nan"))
    ep = Sinusoid(0).sample(2, 5)
    with pytest.raises(TypeError, match=r"alpha does not apply to HyperNetwork"):
        small().adaptation_curve(ep, 1, alpha=0.1)
    with pytest.raises(ValueError, match=r"model does not accept inputs"):
        small(x_dim=2).meta_step(ep)
    with pytest.raises(ValueError, match=r"model output shape \(5, 3\) does not fit the task"):
        small(y_dim=3, encoder=mlp(input_dim=2, hidden=(6,), output_dim=6)).meta_step(ep)


def test_interface_on_sinusoid_episodes():
    learner = small()
    history = meta_train(learner, Sinusoid(0), 5, meta_batch=4, K=5, progress=False)
    assert len(history.losses) == 5 and np.all(np.isfinite(history.losses))
    ep = Sinusoid(3).sample(4, K=5, Q=9)
    curve = learner.adaptation_curve(ep, 3)
    assert curve.shape == (4, 4) and np.all(curve == curve[:, :1])  # one forward pass: a flat curve
    x = np.linspace(-5, 5, 11, dtype="float32")[None, :, None].repeat(4, axis=0)
    assert learner.predict(ep, x, steps=0).shape == (4, 11, 1)
    path = learner.prediction_path(ep, x, steps=2)
    assert path.shape == (4, 3, 11, 1)
    np.testing.assert_allclose(path[:, 2], learner.predict(ep, x, steps=2), rtol=1e-6)
    np.testing.assert_allclose(learner.predict(ep, x, 0, eager=True), learner.predict(ep, x, 0), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.slow  # about 10 s
def test_meta_training_lowers_the_query_loss():
    learner = HyperNetwork(width=32, seed=0)
    ep = Sinusoid(seed=5).sample(100, K=5, Q=50)
    before = learner.adaptation_curve(ep, 0).mean()
    meta_train(learner, Sinusoid(6), 300, meta_batch=16, K=5, progress=False)
    assert learner.adaptation_curve(ep, 0).mean() < 0.8 * before  # measured: 0.71
    assert tf.reduce_all(tf.math.is_finite(flat(learner.get_state().values())))
