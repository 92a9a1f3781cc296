"""The n-gram nearest-centroid baseline of language identification: profiles with word
boundaries, cosine similarities to class centroids checked by hand, the learner interface."""

import numpy as np
import pytest

from lesson_lib import evaluation
from lesson_lib.learners.ngram import NGramCentroid
from lesson_lib.tasks import Episode
from lesson_lib.tasks.languages import SPACE, Vocabulary

AB = Vocabulary("ab")  # ids: 0 padding, 1 unknown, 2 space, a = 3, b = 4


def episode(support, labels, queries, ways=2):
    """One task: support texts with their classes, query texts (labelled class 0)."""
    eye = np.eye(ways, dtype=np.float32)
    return Episode(AB.encode(support, 8)[None], eye[labels][None], AB.encode(queries, 8)[None],
                   eye[[0] * len(queries)][None])


def test_profile_counts_ngrams_with_a_space_at_both_ends():
    a, b, space = 3, 4, SPACE
    profile = NGramCentroid(n=(1, 2)).profile(AB.encode(["ab"], 8)[0])  # " ab "
    assert profile == {(space,): 2, (a,): 1, (b,): 1, (space, a): 1, (a, b): 1, (b, space): 1}


def test_codes_are_the_profile():
    learner = NGramCentroid(n=(1, 2, 3))
    ids = AB.encode(["ab ba", "b", "aaab"], 8)
    codes = learner.codes(ids)
    for row, text in zip(codes, ids, strict=True):
        assert (row >= 0).sum() == sum(learner.profile(text).values())
        assert len(set(row[row >= 0])) == len(learner.profile(text))


def test_unigram_centroids_by_hand():
    """Features (space, a, b). Class 0: "a" -> (2,1,0)/sqrt5, "aa" -> (2,2,0)/sqrt8, mean
    m0 = (0.800767, 0.577160, 0), |m0| = 0.987088. Class 1: "b" -> (2,0,1)/sqrt5,
    "ab" -> (2,1,1)/sqrt6, m1 = (0.855462, 0.204124, 0.427731), |m1| = 0.977975.
    Query "b a" = (3,1,1): cos to m0 = 2.979461 / (sqrt11 * 0.987088) = 0.910093, to m1 =
    3.198241 / (sqrt11 * 0.977975) = 0.986023. Query "aab" = (2,2,1): 0.930635 and 0.868087."""
    task = episode(["a", "aa", "b", "ab"], [0, 0, 1, 1], ["b a", "aab"])
    scores = NGramCentroid(n=(1,)).predict(task, task.query_x, 0)
    np.testing.assert_allclose(scores[0], [[0.910093, 0.986023], [0.930635, 0.868087]], atol=1e-6)


def test_bigrams_see_word_boundaries():
    """n = 2: "ab" -> {" a", "ab", "b "}, "ba" -> {" b", "ba", "a "}; the query "abb" ->
    {" a", "ab", "bb", "b "} shares 3 with the first, none with the second: 3 / (2 sqrt3), 0."""
    task = episode(["ab", "ba"], [0, 1], ["abb"])
    scores = NGramCentroid(n=2).predict(task, task.query_x, 0)
    np.testing.assert_allclose(scores[0], [[3 / (2 * np.sqrt(3)), 0]], atol=1e-6)


def test_accuracy_and_curves_work_through_the_evaluation():
    task = episode(["aa", "bb"], [0, 1], ["a", "aaa", "b"])  # 2 of 3 queries belong to class 0
    learner = NGramCentroid()
    mean, _ = evaluation.accuracy(learner, task, 0)
    assert mean == pytest.approx(2 / 3)
    assert evaluation.accuracy_curve(learner, task, 2).mean.tolist() == pytest.approx([2 / 3] * 3)
    assert learner.predict(task, task.query_x, 5).shape == (1, 3, 2)


def test_nothing_to_meta_train_and_clear_errors():
    learner = NGramCentroid()
    task = episode(["a", "b"], [0, 1], ["a"])
    with pytest.raises(TypeError, match="not meta-trained"):
        learner.meta_step(task)
    assert learner.get_state() == {} and learner.fixed_ways is None
    with pytest.raises(ValueError, match=r"n\[1\] must be an integer >= 1"):
        NGramCentroid(n=(1, 0))
    with pytest.raises(TypeError, match="alpha does not apply"):
        learner.predict(task, task.query_x, 0, alpha=0.1)
    with pytest.raises(ValueError, match="x must hold character ids"):
        learner.predict(task, task.query_x + 0.5, 0)
    with pytest.raises(ValueError, match="x must have shape"):
        learner.predict(task, task.query_x[0], 0)
