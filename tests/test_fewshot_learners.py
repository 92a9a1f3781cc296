"""The few-shot classification learners of Lesson 7 against hand-computed values: conv4
second-order MAML against finite differences, ProtoNet's prototypes and logits, the
transfer baseline's head fine-tuning, and vectorised == per-task loop."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from lesson_lib.evaluation import accuracy, accuracy_curve
from lesson_lib.functional import cross_entropy
from lesson_lib.gradcheck import relative_error
from lesson_lib.learners import MAML, ProtoNet, TransferBaseline
from lesson_lib.models import conv4
from lesson_lib.tasks import Episode, Omniglot


def small_episode(tasks=2, ways=3, K=2, Q=2, size=8, dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    eye = np.eye(ways, dtype=dtype)
    y = np.broadcast_to(np.repeat(eye, K + Q, axis=0).reshape(ways, K + Q, ways), (tasks, ways, K + Q, ways))
    x = rng.normal(size=(tasks, ways, K + Q, size, size, 1)).astype(dtype)
    flat = lambda a, s: a[:, :, s].reshape(tasks, -1, *a.shape[3:])  # noqa: E731
    support, query = slice(0, K), slice(K, None)
    return Episode(flat(x, support), flat(y, support), flat(x, query), flat(y, query))


@pytest.mark.slow
def test_conv4_second_order_maml_gradient_matches_finite_differences():
    keras.utils.set_random_seed(0)
    model = conv4(ways=3, filters=3, image_size=8, dtype="float64")
    learner = MAML(model, alpha=0.3, inner_steps=1, loss=cross_entropy)
    episode = small_episode()
    _, grads = learner.meta_gradient(episode)
    theta = [v.numpy() for v in learner.meta_parameters]
    rng = np.random.default_rng(1)
    direction = [rng.normal(size=t.shape) for t in theta]
    eps = 1e-5

    def loss_at(scale):
        for v, t, d in zip(learner.meta_parameters, theta, direction, strict=True):
            v.assign(t + scale * d)
        return learner.meta_gradient(episode)[0]

    fd = (loss_at(eps) - loss_at(-eps)) / (2 * eps)
    loss_at(0.0)
    analytic = sum(float(np.sum(g * d)) for g, d in zip(grads, direction, strict=True))
    assert relative_error(analytic, fd) < 1e-5
    first = MAML(model, alpha=0.3, inner_steps=1, second_order=False, loss=cross_entropy)
    first_grads = first.meta_gradient(episode)[1]
    first_order = sum(float(np.sum(g * d)) for g, d in zip(first_grads, direction, strict=True))
    assert relative_error(first_order, fd) > 1e-3  # the check can tell the two apart


def test_protonet_prototypes_and_logits_by_hand():
    embedding = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                                  keras.layers.Dense(4, dtype="float64")])
    learner = ProtoNet(embedding)
    episode = small_episode(tasks=1, ways=3, K=2, Q=2)
    z = lambda x: embedding(x).numpy()  # noqa: E731 (no batch norm: a plain call is the same function)
    support = z(episode.support_x[0]).reshape(3, 2, 4)
    prototypes = support.mean(axis=1)
    query = z(episode.query_x[0])
    expected = -((query[:, None, :] - prototypes[None]) ** 2).sum(-1)
    np.testing.assert_allclose(learner.predict(episode, episode.query_x, 0)[0], expected, rtol=1e-10)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(episode.query_y[0], expected)).numpy()
    assert learner.meta_gradient(episode)[0] == pytest.approx(loss, rel=1e-10)


def test_protonet_ignores_the_order_of_the_support_set():
    learner = ProtoNet(conv4(head=False, filters=4, image_size=8, dtype="float64"))
    episode = small_episode(tasks=1, ways=3, K=3, Q=2)
    order = np.random.default_rng(0).permutation(9)
    shuffled = Episode(episode.support_x[:, order], episode.support_y[:, order], episode.query_x,
                       episode.query_y)
    np.testing.assert_allclose(learner.predict(shuffled, shuffled.query_x, 0),
                               learner.predict(episode, episode.query_x, 0), rtol=1e-9, atol=1e-12)


def test_transfer_baseline_head_step_by_hand():
    embedding = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                                  keras.layers.Dense(4, dtype="float64")])
    learner = TransferBaseline(embedding, num_classes=10, alpha=0.5, inner_steps=2)
    episode = small_episode(tasks=1, ways=3, K=2, Q=2)
    z, y = embedding(episode.support_x[0]).numpy(), episode.support_y[0]
    w, b = np.zeros((4, 3)), np.zeros(3)
    for _ in range(2):  # softmax regression on the frozen features, by hand
        logits = z @ w + b
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        w, b = w - 0.5 * z.T @ (p - y) / len(y), b - 0.5 * (p - y).mean(0)
    expected = embedding(episode.query_x[0]).numpy() @ w + b
    np.testing.assert_allclose(learner.predict(episode, episode.query_x, 2)[0], expected, rtol=1e-9)
    np.testing.assert_allclose(learner.predict(episode, episode.query_x, 0)[0], 0)  # zero head: chance


@pytest.mark.parametrize("make", [
    pytest.param(lambda: MAML(conv4(3, filters=4, image_size=8, dtype="float64"), alpha=0.3,
                              loss=cross_entropy), marks=pytest.mark.slow),
    lambda: ProtoNet(conv4(head=False, filters=4, image_size=8, dtype="float64")),
], ids=["MAML", "ProtoNet"])
def test_vectorized_equals_loop(make):
    learner = make()
    episode = small_episode(tasks=3)
    loss_v, grads_v = learner.meta_gradient(episode)
    loss_l, grads_l = learner.meta_gradient(episode, mode="loop")
    assert loss_v == pytest.approx(loss_l, rel=1e-10)
    for a, b in zip(grads_v, grads_l, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-12)


def test_accuracy_counts_correct_queries():
    class Fixed(ProtoNet):  # logits = the one-hot labels on 2 of 3 queries, wrong on the third
        def predict(self, episode, x, steps, alpha=None):
            logits = episode.query_y.copy()
            logits[:, 2] = np.roll(logits[:, 2], 1, axis=-1)
            return logits

        def prediction_path(self, episode, x, steps, alpha=None):
            return np.repeat(self.predict(episode, x, steps)[:, None], steps + 1, axis=1)

    learner = Fixed(conv4(head=False, filters=2, image_size=8))
    episode = small_episode(tasks=4, ways=3, K=1, Q=1, dtype="float32")
    assert accuracy(learner, episode, 0) == (pytest.approx(2 / 3), pytest.approx(0))
    curve = accuracy_curve(learner, episode, 2)
    np.testing.assert_allclose(curve.mean, 2 / 3)


@pytest.mark.slow
def test_maml_learns_fake_omniglot_quickly(fake_images):
    """A smoke test of the whole path on synthetic characters: the query loss after
    adaptation falls, and adapted accuracy stays above chance."""
    keras.utils.set_random_seed(0)
    tasks = Omniglot("train", ways=3, images=fake_images(40), seed=0)
    learner = MAML(conv4(3, filters=8), alpha=0.4, beta=0.005, loss=cross_entropy)
    test = tasks.sample(20, K=1, Q=5)
    before = learner.adaptation_curve(test, 3)[:, -1].mean()
    for _ in range(40):
        learner.meta_step(tasks.sample(8, K=1, Q=1))
    after = learner.adaptation_curve(test, 3)[:, -1].mean()
    assert after < 0.8 * before, (before, after)
    assert accuracy(learner, test, 3)[0] > 0.5
