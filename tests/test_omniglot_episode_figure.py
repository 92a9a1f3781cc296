"""Lesson 7's episode figure asks "which class is each?", so it must not lay the queries out by
class; its answer is revealed separately. Also: one query at a time (the non-transductive
protocol) gives the same answers as the batched prediction for a learner without batch norm
across the query batch, and refuses bad indices."""

import numpy as np
import pytest

from lesson_lib.evaluation import one_query_at_a_time
from lesson_lib.plots import episode_figure, shuffled_queries
from lesson_lib.tasks import Omniglot


@pytest.fixture(scope="module")
def tasks():
    images = np.zeros((40, 20, 28, 28), np.uint8)
    rng = np.random.default_rng(0)
    images[:, :, 4:24, 4:24] = rng.integers(0, 2, (40, 1, 20, 20)) * 255  # one random glyph per character
    images[:, :, 2, :] = np.arange(20)[None, :, None] * 12  # and a mark that tells the drawings apart
    return Omniglot("test", images=images, ways=5, seed=0)


def test_queries_are_shuffled_by_a_seeded_permutation(tasks):
    episode = tasks.sample(1, K=1, Q=5)
    truth = episode.query_y[0].argmax(-1)
    assert (np.diff(truth) >= 0).all()  # the sampler stores queries class-major
    order, images, classes = shuffled_queries(episode, seed=0)
    assert sorted(order) == list(range(25)) and (np.diff(classes) < 0).any()  # not laid out by class
    np.testing.assert_array_equal(images, episode.query_x[0, order, :, :, 0])
    np.testing.assert_array_equal(classes, truth[order])
    np.testing.assert_array_equal(shuffled_queries(episode, seed=0)[0], order)  # same seed, same order
    assert (shuffled_queries(episode, seed=1)[0] != order).any()


def test_figure_asks_then_reveals_in_the_same_order(tasks):
    episode = tasks.sample(1, K=2, Q=3)
    _, images, classes = shuffled_queries(episode, seed=3)
    ask, answer = episode_figure(episode, seed=3), episode_figure(episode, seed=3, reveal=True)
    support, *queries = ask.axes
    assert len(queries) == 15
    assert support.get_images()[0].get_array().shape == (5 * 28, 2 * 28)  # N rows of K support drawings
    for i, (a, b) in enumerate(zip(queries, answer.axes[1:], strict=True)):
        np.testing.assert_allclose(a.get_images()[0].get_array(), 1 - images[i])
        assert a.get_title() == f"#{i + 1}" and b.get_title() == f"#{i + 1}: {classes[i]}"
    assert "which class" in ask._suptitle.get_text()


def test_one_query_at_a_time_matches_the_batched_answer_without_batch_statistics(tasks):
    import keras

    from lesson_lib.evaluation import accuracy
    from lesson_lib.learners import ProtoNet

    keras.utils.set_random_seed(0)
    embedding = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(8)])
    learner = ProtoNet(embedding)  # no batch norm: a query's embedding does not depend on the others
    episode = tasks.sample(3, K=1, Q=4)
    alone = one_query_at_a_time(learner, episode, 0)
    assert alone.shape == (3,)
    np.testing.assert_allclose(alone.mean(), accuracy(learner, episode, 0)[0])
    some = one_query_at_a_time(learner, episode, 0, queries=[0, 5])
    logits = learner.predict(episode, episode.query_x, 0)[:, [0, 5]]
    np.testing.assert_allclose(some, (logits.argmax(-1) == episode.query_y[:, [0, 5]].argmax(-1)).mean(1))
    with pytest.raises(ValueError, match=r"queries must be indices in \[0, 20\)"):
        one_query_at_a_time(learner, episode, 0, queries=[20])
