"""The hashed character n-gram features and the n-gram encoder (Lesson 11): buckets and counts
checked by hand, the same n-grams as the n-gram baseline's profiles, shapes, one ProtoNet step."""

import math

import numpy as np
import pytest

from lesson_lib.learners import ProtoNet
from lesson_lib.learners.ngram import NGramCentroid
from lesson_lib.tasks.languages import Languages, Vocabulary
from lesson_lib.text_models import HASH_MULTIPLIER, HASH_PRIME, HashedNGrams, ngram_encoder

AB = Vocabulary("ab")  # ids: 0 padding, 1 unknown, 2 space, a = 3, b = 4; V = 5


def test_buckets_and_counts_by_hand():
    """"ab" is the text " ab ": unigrams 2, 3, 4, 2 and bigrams " a" = 2*5+3 = 13, "ab" = 19,
    "b " = 22. h(c) = ((c * 2654435761) mod (2^31 - 1)) mod 8: h(2) = 1013904228 mod 8 = 4,
    h(3) = 1520856342 mod 8 = 6, h(4) = 2027808456 mod 8 = 0, h(13) = 147926541 mod 8 = 5,
    h(19) = 1042155578 mod 8 = 2, h(22) = 415528273 mod 8 = 1. With 4 buckets (mod 4) they
    collide: 2, 4 -> 0; 13, 22 -> 1; 3, 19 -> 2."""
    assert (HASH_MULTIPLIER, HASH_PRIME) == (2654435761, 2**31 - 1)
    ids = AB.encode(["ab"], 8).astype(np.float32)
    layer = HashedNGrams(len(AB), buckets=8, n=(1, 2))
    buckets, valid = (np.asarray(a) for a in layer.bucket_ids(ids))
    assert sorted(buckets[valid].tolist()) == sorted([4, 6, 0, 4, 5, 2, 1])
    np.testing.assert_array_equal(layer.counts(ids), [[1, 1, 1, 0, 2, 1, 1, 0]])
    np.testing.assert_array_equal(HashedNGrams(len(AB), buckets=4, n=(1, 2)).counts(ids), [[3, 2, 2, 0]])
    root = np.sqrt([1, 1, 1, 0, 2, 1, 1, 0])
    np.testing.assert_allclose(layer(ids), [root / math.sqrt(7)], atol=1e-6)  # sqrt counts, |f| = 1


def test_empty_and_full_texts_get_their_spaces():
    ids = AB.encode(["", "abab"], 4)  # "  " and " abab " (no padding: the end space is added)
    layer = HashedNGrams(len(AB), buckets=64, n=(1, 2, 3))
    counts = np.asarray(layer.counts(ids))
    assert counts.sum(axis=1).tolist() == [2 + 1 + 0, 6 + 5 + 4]


def test_the_ngrams_of_the_baseline_profiles():
    """Every bucket count is the sum of the baseline's profile counts hashed the same way."""
    tasks = Languages("test", ways=5, words=3, seed=0)
    ids = tasks.sample(2, K=2, Q=1).support_x.reshape(-1, tasks.length)
    V = tasks.vocab_size
    counts = np.asarray(HashedNGrams(V, buckets=512).counts(ids))
    for row, text in zip(counts, ids, strict=True):
        expected = np.zeros(512)
        for gram, count in NGramCentroid().profile(text).items():
            code = sum(int(a) * V ** (len(gram) - 1 - j) for j, a in enumerate(gram))
            expected[code * HASH_MULTIPLIER % HASH_PRIME % 512] += count
        np.testing.assert_array_equal(row, expected)


def test_shapes_and_float_ids():
    tasks = Languages("test", seed=0)
    ids = tasks.encode(["hello world", "hej verden", "olá mundo"])
    encoder = ngram_encoder(tasks.vocab_size, buckets=256, hidden=16, width=8, seed=0)
    assert encoder.output_shape == (None, 8 + 256)
    z = np.asarray(encoder(ids.astype(np.float32)))
    assert z.shape == (3, 264) and np.all(np.isfinite(z))
    np.testing.assert_allclose(z, encoder(ids), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(z[:, 8:], axis=1), 3.0, rtol=1e-5)  # skip * f, |f| = 1
    assert ngram_encoder(tasks.vocab_size, buckets=256, hidden=16, width=8, skip=0).output_shape == (None, 8)
    assert HashedNGrams(tasks.vocab_size, 32).compute_output_shape((None, 40)) == (None, 32)


def test_seeded():
    a, b, c = (ngram_encoder(len(AB), buckets=32, hidden=4, width=4, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.get_weights()[0], b.get_weights()[0])
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


def test_one_protonet_meta_step():
    tasks = Languages("train", ways=5, seed=1)
    protonet = ProtoNet(ngram_encoder(tasks.vocab_size, buckets=256, hidden=16, width=8, seed=0))
    before = protonet.get_state()
    loss = protonet.meta_step(tasks.sample(2, K=1, Q=2))
    assert math.isfinite(loss) and 0.5 < loss < 5  # near log 5 = 1.61 at the start
    after = protonet.get_state()
    assert all(not np.array_equal(before[k], v) for k, v in after.items())  # every weight learns


@pytest.mark.parametrize("kwargs, error, message", [
    ({"vocab_size": 2}, ValueError, "vocab_size must be an integer >= 3"),
    ({"buckets": 0}, ValueError, "buckets must be an integer >= 1"),
    ({"n": (1, 0)}, ValueError, r"n\[1\] must be an integer >= 1"),
    ({"n": ()}, ValueError, "n must name at least one"),
    ({"n": (2, 2)}, ValueError, "n must not repeat"),
    ({"vocab_size": 100, "n": (1, 5)}, ValueError, r"vocab_size \*\* max\(n\) must be <= 2\^30"),
])
def test_bad_layer_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        HashedNGrams(**{"vocab_size": len(AB), **kwargs})


@pytest.mark.parametrize("kwargs, error, message", [
    ({"hidden": 0}, ValueError, "hidden must be an integer >= 1"),
    ({"width": 2.5}, TypeError, "width must be an integer"),
    ({"skip": -1}, ValueError, "skip must be a number >= 0"),
    ({"seed": -1}, ValueError, "seed must be an integer >= 0"),
])
def test_bad_encoder_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        ngram_encoder(len(AB), buckets=8, **kwargs)
