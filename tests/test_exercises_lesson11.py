"""Lesson 11's exercise checkers: the reference passes, the stub is "not yet implemented", each
planted wrong answer is caught with its sentence, and a crash is explained without a traceback. The
checkers' own references are checked too: the n-grams against the kit's HashedNGrams, the logits
after one step from a zero head against a real gradient step (tf.GradientTape, float64)."""

from collections import Counter

import numpy as np
import pytest
import tensorflow as tf
from exercise_cases import checker_tests, crash_test

from lesson_lib.exercises.language import NGRAM_CASES, zero_head_step
from lesson_lib.tasks.languages import Vocabulary, clean
from lesson_lib.text_models import HASH_MULTIPLIER, HASH_PRIME, HashedNGrams


def char_ngrams(text, n, left=" ", right=" ", stop=1, count=Counter, start=0):
    padded = left + text + right
    return count(padded[i:i + n] for i in range(start, len(padded) - n + stop))


def char_ngrams_by_dict(text, n):  # a plain dict, counted by hand
    padded, counts = f" {text} ", {}
    for i in range(len(padded) - n + 1):
        counts[padded[i:i + n]] = counts.get(padded[i:i + n], 0) + 1
    return counts


def char_ngrams_by_zip(text, n):  # n shifted copies zipped, each n-gram joined into a string
    padded = " " + text + " "
    return Counter("".join(g) for g in zip(*(padded[j:] for j in range(n)), strict=False))


def per_word(text, n):
    return sum((char_ngrams(word, n) for word in text.split()), Counter())


SHARED = Counter()


def accumulating(text, n):  # one Counter for all calls, never emptied
    SHARED.update(char_ngrams(text, n))
    return SHARED


REUSED = Counter()


def reused(text, n):  # one Counter for all calls, emptied and refilled
    REUSED.clear()
    REUSED.update(char_ngrams(text, n))
    return REUSED


def one_count_off(text, n):
    counts = char_ngrams(text, n)
    counts[" " + text[:n - 1]] += 1
    return counts


def zero_head_logits(z_support, y_support, z_query, alpha):  # the notebook's solution
    S, N = y_support.shape
    error = y_support - 1.0 / N
    W = alpha / S * z_support.T @ error
    b = alpha / S * error.sum(axis=0)
    return z_query @ W + b


def tape_step(z_support, y_support, z_query, alpha):
    """One real gradient step of the mean cross-entropy from W = 0, b = 0 (float64): (logits, W1, b1)."""
    z_support, y_support, z_query = (tf.constant(a, tf.float64) for a in (z_support, y_support, z_query))
    W = tf.Variable(tf.zeros((z_support.shape[1], y_support.shape[1]), tf.float64))
    b = tf.Variable(tf.zeros((y_support.shape[1],), tf.float64))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y_support, z_support @ W + b))
    dW, db = tape.gradient(loss, [W, b])
    W1, b1 = W - alpha * dW, b - alpha * db
    return (z_query @ W1 + b1).numpy(), W1.numpy(), b1.numpy()


def by_tape(z_support, y_support, z_query, alpha):
    return tape_step(z_support, y_support, z_query, alpha)[0]


def step(zs, ys, zq, alpha, sign=1.0, centre=True, mean=True, use_alpha=True, bias=True):
    S, N = ys.shape
    error = ys - 1.0 / N if centre else ys
    scale = sign * (alpha if use_alpha else 1.0) / (S if mean else 1.0)
    return zq @ (scale * zs.T @ error) + (scale * error.sum(axis=0) if bias else 0.0)


def in_place(zs, ys, zq, alpha):
    ys -= 1.0 / ys.shape[1]
    return alpha / len(ys) * zq @ zs.T @ ys + alpha / len(ys) * ys.sum(axis=0)


def softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


RIGHT = [("check_char_ngrams", char_ngrams), ("check_char_ngrams", char_ngrams_by_dict),
         ("check_char_ngrams", char_ngrams_by_zip),
         ("check_zero_head_logits", zero_head_logits), ("check_zero_head_logits", by_tape),
         ("check_zero_head_logits", zero_head_step)]

WRONG = [  # (checker, a planted wrong answer, what the sentence must say)
    ("check_char_ngrams", lambda t, n: char_ngrams(t, n, "", ""), "padding is missing"),
    ("check_char_ngrams", lambda t, n: char_ngrams(t, n, right=""), "last n-gram, 'a ', is missing"),
    ("check_char_ngrams", lambda t, n: char_ngrams(t, n, left=""), "first n-gram, ' l', is missing"),
    ("check_char_ngrams", lambda t, n: char_ngrams(t, n, start=1), "first n-gram.*starts at 1"),
    ("check_char_ngrams", lambda t, n: char_ngrams(t, n, count=list), "list of the n-grams: count them"),
    ("check_char_ngrams", lambda t, n: char_ngrams(t, n, count=tuple), "tuple of the n-grams: count them"),
    ("check_char_ngrams", lambda t, n: char_ngrams(t, n, stop=0), "last n-gram.*stops one short.*off-by-one"),
    ("check_char_ngrams", lambda t, n: char_ngrams(t, n, count=lambda g: Counter(set(g))), "counted once"),
    ("check_char_ngrams", lambda t, n: char_ngrams(t, n, count=set), "set, which keeps each n-gram once"),
    ("check_char_ngrams", lambda t, n: char_ngrams(t, 2), "for n = 3 your n-grams have 2 characters"),
    ("check_char_ngrams", lambda t, n: char_ngrams(t, 3), "for n = 2 your n-grams have 3 characters"),
    ("check_char_ngrams", lambda t, n: char_ngrams(t, n, stop=n), "shorter than n"),
    ("check_char_ngrams", lambda t, n: char_ngrams(t, n, " " * (n - 1), " " * (n - 1)), "not n - 1 spaces"),
    ("check_char_ngrams", per_word, "each word on its own"),
    ("check_char_ngrams", lambda t, n: char_ngrams(t.lower(), n), "lowercasing"),
    ("check_char_ngrams", lambda t, n: Counter(zip(*(f" {t} "[j:] for j in range(n)), strict=False)),
     "tuples of characters"),
    ("check_char_ngrams", lambda t, n: {g: k / (len(t) + 3 - n) for g, k in char_ngrams(t, n).items()},
     "frequencies"),
    ("check_char_ngrams", accumulating, "keeps counts from earlier calls"),
    ("check_char_ngrams", reused, "changed when your function was called again"),
    ("check_char_ngrams", lambda t, n: char_ngrams("la casa", n), "its argument text"),
    ("check_char_ngrams", lambda t, n: None, "returned nothing"),
    ("check_char_ngrams", lambda t, n: " " + t + " ", "returned a string"),
    ("check_char_ngrams", one_count_off, "the counts differ"),
    ("check_zero_head_logits", lambda *a: step(*a, sign=-1.0), "wrong sign"),
    ("check_zero_head_logits", lambda *a: step(*a, centre=False), "1/N is missing"),
    ("check_zero_head_logits", lambda *a: step(*a, mean=False), "S times too large"),
    ("check_zero_head_logits", lambda *a: step(*a, use_alpha=False), "step size is missing"),
    ("check_zero_head_logits", lambda *a: step(*a, bias=False), "bias is missing"),
    ("check_zero_head_logits", lambda *a: step(*a, sign=-1.0, use_alpha=False), "wrong sign"),
    ("check_zero_head_logits", lambda *a: step(*a, centre=False, bias=False), "1/N is missing"),
    ("check_zero_head_logits", lambda *a: step(*a).T, r"your logits are \[N, Q\]"),
    ("check_zero_head_logits", lambda zs, ys, zq, a: a / len(ys) * zs.T @ (ys - 1 / ys.shape[1]),
     r"shape \[Q, N\]"),
    ("check_zero_head_logits", lambda zs, ys, zq, a: np.zeros((len(zq), ys.shape[1])), "all zero"),
    ("check_zero_head_logits", lambda *a: softmax(step(*a)), "probabilities"),
    ("check_zero_head_logits", in_place, "changed the arrays"),
    ("check_zero_head_logits", lambda *a: (step(*a), step(*a)), "not a tuple"),
    ("check_zero_head_logits", lambda *a: 1.5 * step(*a), "differ from those after one gradient step"),
]

(test_the_reference_answer_passes, test_the_stub_is_not_yet_implemented,
 test_a_planted_wrong_answer_is_caught) = checker_tests(RIGHT, WRONG)


test_crash_is_one_sentence = crash_test(RIGHT)


def test_the_example_of_the_lesson():
    expected = {" l": 1, "la": 1, "a ": 2, " c": 1, "ca": 1, "as": 1, "sa": 1}
    assert char_ngrams("la casa", 2) == char_ngrams_by_dict("la casa", 2) == Counter(expected)


@pytest.mark.parametrize("text, n", [(t, n) for t, n in NGRAM_CASES if clean(t) == t])
def test_the_ngrams_are_those_of_the_kit(text, n):
    """The checker's n-grams, hashed as HashedNGrams hashes them, give HashedNGrams' bucket counts."""
    vocabulary = Vocabulary("".join(sorted(set(text) - {" "})))
    V, buckets = len(vocabulary), 1024
    expected = np.zeros(buckets)
    for gram, count in char_ngrams(text, n).items():
        code = sum(vocabulary.ids[c] * V ** (n - 1 - j) for j, c in enumerate(gram))
        expected[code * HASH_MULTIPLIER % HASH_PRIME % buckets] += count
    counts = HashedNGrams(V, buckets=buckets, n=(n,)).counts(vocabulary.encode([text], len(text)))
    np.testing.assert_array_equal(np.asarray(counts)[0], expected)


@pytest.mark.parametrize("counts", [[2, 2, 2], [3, 1, 2, 1], [4, 1], [1, 1, 5]])
def test_the_reference_is_one_gradient_step(counts):
    """zero_head_step is one real step of the mean cross-entropy from a zero head; b1 is zero exactly
    when the classes are balanced, and then the logits are a nearest centroid by dot product."""
    rng = np.random.default_rng(len(counts))
    y = np.eye(len(counts))[rng.permutation(np.repeat(np.arange(len(counts)), counts))]
    zs, zq, alpha = rng.normal(size=(len(y), 6)), rng.normal(size=(5, 6)), 1.7
    logits, W1, b1 = tape_step(zs, y, zq, alpha)
    np.testing.assert_allclose(zero_head_step(zs, y, zq, alpha), logits, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(zero_head_logits(zs, y, zq, alpha), logits, rtol=1e-12, atol=1e-12)
    balanced = len(set(counts)) == 1
    assert np.allclose(b1, 0) == balanced
    if not balanced:
        assert not np.allclose(zq @ W1, logits)  # forgetting the bias is caught on these sets
    else:
        sums = y.T @ zs  # each class's summed features [N, D]
        np.testing.assert_allclose(logits, alpha / len(y) * zq @ (sums - sums.mean(axis=0)).T, atol=1e-12)
