"""The XLA path (batched.BatchedModel + Learner.batched_loss_and_gradient) against the plain
reading: every supported layer equals Keras's own per task, the meta-gradient of every learner
that takes the path equals the vectorized one (and the eager loop), unsupported models are named
with a reason, and a compile failure falls back to the vectorized path and says so.
(The finite-difference checks in test_gradients.py and test_fewshot_learners.py run MAML's
default path, which is now this one.)"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from test_fewshot_learners import small_episode

from lesson_lib.batched import BatchedModel, unsupported
from lesson_lib.functional import FunctionalModel, cross_entropy
from lesson_lib.layers import BatchNormalization
from lesson_lib.learners import MAML, MAMLPlus, MetaSGD, Reptile
from lesson_lib.models import conv4, mlp
from lesson_lib.tasks import Sinusoid
from lesson_lib.training import LONG_RUN_ITERATIONS, LONG_RUN_SECONDS, meta_train


def pooled_model(dtype="float64"):
    """Conv2D (valid padding, stride 1), ReLU, MaxPooling2D, Flatten, Dense: layers conv4 lacks."""
    layers = keras.layers
    return keras.Sequential([keras.Input((8, 8, 2), dtype=dtype), layers.Conv2D(3, (3, 2), dtype=dtype),
                             layers.ReLU(dtype=dtype), layers.MaxPooling2D(2, dtype=dtype),
                             layers.Flatten(dtype=dtype), layers.Dense(4, activation="tanh", dtype=dtype)])


def partly_frozen(dtype="float64"):
    """An MLP whose first Dense and batch norm are frozen (trainable=False): the same for every task,
    and the frozen batch norm runs on its moving statistics, as Keras runs it."""
    model = mlp(hidden=(8, 8), batch_norm=True, dtype=dtype, seed=6)
    kinds = keras.layers.Dense | BatchNormalization
    frozen = [layer for layer in model.layers if isinstance(layer, kinds)][:2]
    for layer in frozen:
        layer.trainable = False
    frozen[1].moving_mean.assign(np.linspace(-1, 1, 8))
    frozen[1].moving_variance.assign(np.linspace(0.5, 2, 8))
    return model


MODELS = {
    "mlp": (lambda: mlp(hidden=(8, 8), activation="tanh", dtype="float64", seed=1), (5, 1)),
    "mlp with batch norm": (
        lambda: mlp(hidden=(8,), batch_norm=True, dtype="float64", api="functional", seed=2), (5, 1)),
    "conv4": (lambda: conv4(ways=3, filters=4, image_size=9, dtype="float64", seed=3), (4, 9, 9, 1)),
    "pooled": (pooled_model, (4, 8, 8, 2)),
    "partly frozen": (partly_frozen, (5, 1)),
}


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("training", [True, False])
def test_batched_model_equals_keras_per_task(name, training):
    build, shape = MODELS[name]
    model = build()
    assert unsupported(model) is None
    rng = np.random.default_rng(0)
    T = 3
    weights = [tf.constant(v.numpy() + 0.3 * rng.normal(size=(T, *v.shape)))
               for v in model.trainable_variables]
    x = tf.constant(rng.normal(size=(T, *shape)))
    batched = BatchedModel(model, training=training)(weights, x).numpy()
    f = FunctionalModel(model, training=training)
    each = np.stack([f([w[t] for w in weights], x[t]).numpy() for t in range(T)])
    np.testing.assert_allclose(batched, each, rtol=1e-10, atol=1e-12)
    # each task's output depends on its own weights only
    moved = [w if i else w + tf.one_hot(1, T, dtype=w.dtype)[(...,) + (None,) * (w.ndim - 1)]
             for i, w in enumerate(weights)]
    changed = BatchedModel(model, training=training)(moved, x).numpy()
    assert np.array_equal(changed[[0, 2]], batched[[0, 2]]) and not np.allclose(changed[1], batched[1])


def skip_model():
    x = keras.Input((3,))
    h = keras.layers.Dense(4)(x)
    return keras.Model(x, keras.layers.Concatenate()([h, x]))


@pytest.mark.filterwarnings("ignore:second-order MAML through keras.layers.BatchNormalization")
@pytest.mark.parametrize("build,words", [
    (skip_model, "not a chain"),
    (lambda: keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.BatchNormalization()]),
     "BatchNormalization"),
    (lambda: keras.Sequential([keras.Input((4,)), keras.layers.Embedding(5, 2)]), "Embedding"),
    (lambda: keras.Sequential([keras.Input((4, 3)), keras.layers.Dense(2)]), "[batch, features]"),
])
def test_unsupported_models_are_named_with_a_reason(build, words):
    model = build()
    reason = unsupported(model)
    assert reason and words in reason
    with pytest.raises(ValueError, match="cannot be batched over tasks"):
        BatchedModel(model)
    learner = MAML(model)
    assert learner.path == "vectorized" and words in learner.xla_unsupported()
    with pytest.raises(ValueError, match="cannot take the XLA path"):
        learner.path = "xla"


def sinusoid_learners():
    model = lambda: mlp(hidden=(8, 8), activation="tanh", dtype="float64", seed=4)  # noqa: E731
    return {
        "MAML, 2 steps": MAML(model(), alpha=0.1, inner_steps=2),
        "FOMAML": MAML(model(), alpha=0.1, inner_steps=2, second_order=False),
        "Meta-SGD": MetaSGD(model(), alpha_range=(0.01, 0.1), inner_steps=2),
        "MAML++ (LSLR, MSL)": MAMLPlus(model(), alpha=0.1, inner_steps=2, multi_step_loss=True,
                                       learned_step_sizes=True, iterations=10),
        "MAML, batch norm": MAML(mlp(hidden=(8,), batch_norm=True, dtype="float64", seed=5), alpha=0.1),
    }


@pytest.mark.parametrize("groups", [1, 3])  # 3 groups of the 4 tasks: 1, 2 and 1 of them
@pytest.mark.parametrize("name", list(sinusoid_learners()))
def test_xla_meta_gradient_equals_vectorized_and_loop(name, groups):
    learner = sinusoid_learners()[name]
    learner.task_groups = groups
    assert learner.xla_unsupported() is None
    episode = Sinusoid(seed=6, dtype="float64").sample(4, K=5, Q=7)
    results = {mode: learner.meta_gradient(episode, mode) for mode in ("xla", "vectorized", "loop")}
    for mode in ("vectorized", "loop"):
        assert results["xla"][0] == pytest.approx(results[mode][0], rel=1e-12)
        for a, b in zip(results["xla"][1], results[mode][1], strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert any(np.abs(g).max() > 1e-3 for g in results["xla"][1])  # not a vanishing gradient


def test_xla_conv4_meta_gradient_equals_vectorized():
    keras.utils.set_random_seed(0)
    learner = MAML(conv4(ways=3, filters=3, image_size=8, dtype="float64"), alpha=0.3, loss=cross_entropy)
    learner.task_groups = 2
    episode = small_episode()
    (xla_loss, xla), (loss, vectorized) = (learner.meta_gradient(episode, m) for m in ("xla", "vectorized"))
    assert xla_loss == pytest.approx(loss, rel=1e-12)
    scale = max(np.abs(g).max() for g in vectorized)
    for a, b in zip(xla, vectorized, strict=True):  # conv biases before batch norm: ~0 gradients
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10 * scale)


def test_meta_step_on_either_path_takes_the_same_step():
    episode = Sinusoid(seed=7, dtype="float64").sample(4, K=5, Q=5)
    weights = {}
    for path in ("xla", "vectorized"):
        learner = MAML(mlp(hidden=(8,), dtype="float64", seed=8), alpha=0.1)
        learner.path = path
        learner.meta_step(episode)
        learner.meta_step(episode)
        weights[path] = [v.numpy() for v in learner.meta_parameters]
    for a, b in zip(weights["xla"], weights["vectorized"], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


def test_a_compile_failure_falls_back_to_the_vectorized_path_and_says_so():
    episode = Sinusoid(seed=9).sample(3, K=5, Q=5)
    learner = MAML(mlp(hidden=(8,), seed=9), alpha=0.1)
    reference = MAML(mlp(hidden=(8,), seed=9), alpha=0.1)
    reference.path = "vectorized"

    def broken(*tensors):
        raise tf.errors.UnimplementedError(None, None, "planted: no kernel for this op\nmore detail")

    learner.batched_loss_and_gradient = broken
    learner.path = "xla"  # retrace with the broken compiler
    with pytest.warns(UserWarning, match="XLA could not compile the meta-step"):
        loss = learner.meta_step(episode)
    assert learner.path == "vectorized" and "planted: no kernel" in learner.path_note
    assert loss == pytest.approx(reference.meta_step(episode), rel=1e-6)
    for a, b in zip(learner.meta_parameters, reference.meta_parameters, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


def test_learners_without_the_capability_keep_the_vectorized_path():
    learner = Reptile(mlp(hidden=(8,)), alpha=0.1)
    assert learner.path == "vectorized" and "one task at a time" in learner.xla_unsupported()
    with pytest.raises(ValueError, match="path must be one of"):
        learner.path = "fast"


def test_meta_train_takes_the_xla_path_for_long_runs_only():
    tasks = Sinusoid(seed=10)
    short, long = (MAML(mlp(hidden=(8,), seed=10), alpha=0.01) for _ in range(2))
    assert meta_train(short, tasks, 3, meta_batch=2, K=5, progress=False).path == "vectorized"
    history = meta_train(long, tasks, 3, meta_batch=2, K=5, max_seconds=LONG_RUN_SECONDS, progress=False)
    assert history.path == "xla"
    reptile = Reptile(mlp(hidden=(8,), seed=10), alpha=0.01)
    history = meta_train(reptile, tasks, LONG_RUN_ITERATIONS, meta_batch=2, K=5, max_seconds=0.5,
                         progress=False)
    assert history.path == "vectorized" and reptile.path == "vectorized"
    asked = MAML(mlp(hidden=(8,), seed=10), alpha=0.01)
    assert meta_train(asked, tasks, 2, meta_batch=2, K=5, path="xla", progress=False).path == "xla"
    with pytest.raises(ValueError, match="path must be 'auto' or one of"):
        meta_train(asked, tasks, 2, path="fast", progress=False)
    with pytest.raises(ValueError, match="cannot take the XLA path"):
        meta_train(reptile, tasks, 2, path="xla", progress=False)


def test_a_subclass_that_redefines_task_loss_must_declare_batching_again():
    class QueryOnly(MAML):  # concatenates along the task axis if run batched: must not take the path
        def task_loss(self, theta, sx, sy, qx, qy):
            return self.loss_fn(tf.concat([sy, qy], 0), self.f(theta, tf.concat([sx, qx], 0)))

    learner = QueryOnly(mlp(hidden=(8,)))
    assert "QueryOnly redefines task_loss" in learner.xla_unsupported()

    class Declared(QueryOnly):
        batches_tasks = True

    assert Declared(mlp(hidden=(8,))).xla_unsupported() is None
    assert MAMLPlus(mlp(hidden=(8,)), multi_step_loss=True, iterations=5).xla_unsupported() is None


def test_a_loss_that_is_not_a_mean_keeps_the_vectorized_path():
    summed = MAML(mlp(hidden=(8,)), loss=lambda y, p: tf.reduce_sum(tf.square(y - p)))
    assert "is not one of the kit's means" in summed.xla_unsupported()
