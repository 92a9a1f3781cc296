"""The in-context learner (a transformer reading labelled support examples): its mask and
attention by hand, invariance to the support set's order, queries answered independently, the
meta-gradient against finite differences, learning a task family in context, and bad input."""

import numpy as np
import pytest
import tensorflow as tf

from lesson_lib import checkpoints
from lesson_lib.gradcheck import finite_differences, flat, relative_error
from lesson_lib.learners.in_context import InContext, attention, visibility
from lesson_lib.models import mlp
from lesson_lib.tasks import Episode
from lesson_lib.training import meta_train


def clusters(tasks, ways=3, K=3, Q=4, dim=4, seed=0, dtype="float32"):
    """N-way tasks of Gaussian clusters: each task draws N random centres in `dim` dimensions and
    K + Q points around each; labels one-hot, classes in a random order per task."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 2, (tasks, ways, dim))

    def points(n):
        labels = np.tile(np.arange(ways), n)
        x = centres[:, labels] + rng.normal(0, 0.5, (tasks, ways * n, dim))
        return x.astype(dtype), np.eye(ways, dtype=dtype)[np.broadcast_to(labels, (tasks, ways * n))]

    (sx, sy), (qx, qy) = points(K), points(Q)
    return Episode(sx, sy, qx, qy)


def learner(dtype="float32", width=8, heads=2, blocks=1, max_ways=4, seed=0, **options):
    encoder = mlp(input_dim=4, hidden=(width,), output_dim=width, activation="tanh", seed=seed, dtype=dtype)
    return InContext(encoder, max_ways=max_ways, blocks=blocks, heads=heads, seed=seed, **options)


def test_visibility_by_hand():
    expected = np.array([[1, 1, 0, 0],    # support token 0: the support set
                         [1, 1, 0, 0],
                         [1, 1, 0, 0],    # query 0: the support set only
                         [1, 1, 0, 0]], bool)
    np.testing.assert_array_equal(visibility(2, 2).numpy(), expected)


def test_attention_by_hand():
    rng = np.random.default_rng(1)
    h = rng.normal(size=(3, 4))
    W_q, W_k, W_v, W_o = (rng.normal(size=(4, 4)) for _ in range(4))
    mask = visibility(2, 1)
    got = attention(tf.constant(h), mask, *(tf.constant(W) for W in (W_q, W_k, W_v, W_o)), heads=2).numpy()
    heads = []
    for k in range(2):  # head k uses columns 2k, 2k+1 of the projections
        cols = slice(2 * k, 2 * k + 2)
        q, kk, v = h @ W_q[:, cols], h @ W_k[:, cols], h @ W_v[:, cols]
        scores = q @ kk.T / np.sqrt(2)
        scores[~mask.numpy()] = -np.inf
        a = np.exp(scores - scores.max(axis=1, keepdims=True))
        heads.append((a / a.sum(axis=1, keepdims=True)) @ v)
    np.testing.assert_allclose(got, np.concatenate(heads, axis=1) @ W_o, rtol=1e-10)


def test_compared_features_add_s_times_their_dot_products_to_each_heads_scores():
    rng = np.random.default_rng(4)
    h, c = rng.normal(size=(3, 4)), rng.normal(size=(3, 5))  # tokens, compared features
    W_q, W_k, W_v, W_o = (rng.normal(size=(4, 4)) for _ in range(4))
    s = np.array([2.0, -0.5])
    mask = tf.constant([[True, True, False], [True, True, False], [True, True, True]])
    got = attention(tf.constant(h), mask, *(tf.constant(W) for W in (W_q, W_k, W_v, W_o)), heads=2,
                    similarity=tf.constant(c @ c.T), s=tf.constant(s)).numpy()
    heads = []
    for k in range(2):
        cols = slice(2 * k, 2 * k + 2)
        q, kk, v = h @ W_q[:, cols], h @ W_k[:, cols], h @ W_v[:, cols]
        scores = q @ kk.T / np.sqrt(2) + s[k] * (c @ c.T)
        scores[~mask.numpy()] = -np.inf
        a = np.exp(scores - scores.max(axis=1, keepdims=True))
        heads.append((a / a.sum(axis=1, keepdims=True)) @ v)
    np.testing.assert_allclose(got, np.concatenate(heads, axis=1) @ W_o, rtol=1e-10)


def test_support_order_does_not_matter_and_queries_are_independent():
    model, ep = learner(), clusters(1, seed=2)
    logits = model.predict(ep, ep.query_x, 0)[0]
    order = np.random.default_rng(3).permutation(ep.shots)
    shuffled = Episode(ep.support_x[:, order], ep.support_y[:, order], ep.query_x, ep.query_y)
    np.testing.assert_allclose(model.predict(shuffled, ep.query_x, 0)[0], logits, atol=1e-5)
    alone = model.predict(ep, ep.query_x[:, :1], 0)[0]  # the first query without the others
    np.testing.assert_allclose(alone, logits[:1], atol=1e-5)
    assert np.abs(logits).max() > 1e-3  # not trivially zero


@pytest.mark.slow  # finite differences over 262 numbers on one task, eagerly: about 15 s
def test_meta_gradient_matches_finite_differences():
    """With compared features (compare=2), so every path is checked: tokens, labels, the scales s."""
    model = learner(dtype="float64", width=6, heads=2, max_ways=3, label_width=2, compare=2, s=1.5)
    ep = clusters(1, K=2, Q=2, dtype="float64", seed=5)
    fd = finite_differences(model, ep)
    _, grads = model.meta_gradient(ep)
    assert np.linalg.norm(fd) > 1e-3 and relative_error(flat(grads), fd) < 1e-5


@pytest.mark.slow  # 600 meta-steps: about 15 s
def test_learns_a_task_family_in_context():
    """Chance is 1/3; after meta-training, new tasks' queries are answered from the support set
    alone, with no gradient step."""
    model = learner(width=16, heads=2, blocks=2, beta=3e-3)
    test = clusters(200, seed=99)
    before = (model.predict(test, test.query_x, 0).argmax(-1) == test.query_y.argmax(-1)).mean()

    class Family:
        def __init__(self):
            self.seed = 0

        def sample(self, tasks, K, Q):
            self.seed += 1
            return clusters(tasks, K=K, Q=Q or 4, seed=self.seed)

    meta_train(model, Family(), 600, meta_batch=16, K=3, Q=4, progress=False)
    after = (model.predict(test, test.query_x, 0).argmax(-1) == test.query_y.argmax(-1)).mean()
    assert before < 0.6 and after > 0.85, (before, after)


def test_the_reader_start_reads_labels_before_any_training():
    """Started as a reader (attention by similarity, values carrying labels), an untrained learner
    already answers new tasks above chance (1/3); from random weights it is at chance."""
    test = clusters(200, seed=99)

    def hits(model):
        return (model.predict(test, test.query_x, 0).argmax(-1) == test.query_y.argmax(-1)).mean()

    reader, random = hits(learner(blocks=2, heads=1)), hits(learner(blocks=2, heads=1, reader_start=False))
    assert reader > 0.6 and abs(random - 1 / 3) < 0.05, (reader, random)


def test_checkpoint_round_trip(tmp_path):
    model, ep = learner(), clusters(2, seed=6)
    model.meta_step(ep)
    checkpoints.save(tmp_path / "a.npz", model)
    fresh = learner(seed=1)
    checkpoints.load(tmp_path / "a.npz", fresh)
    np.testing.assert_array_equal(model.predict(ep, ep.query_x, 0), fresh.predict(ep, ep.query_x, 0))


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="heads must divide the token width 24"):
        learner(heads=5)
    with pytest.raises(ValueError, match="compare must be below the encoder's output width 8"):
        learner(compare=8)
    with pytest.raises(ValueError, match="s must be a finite number > 0"):
        learner(compare=2, s=0.0)
    with pytest.raises(ValueError, match="max_ways must be"):
        learner(max_ways=1)
    with pytest.raises(ValueError, match="the task has 3 ways, more than max_ways = 2"):
        learner(max_ways=2).predict(clusters(1), clusters(1).query_x, 0)
