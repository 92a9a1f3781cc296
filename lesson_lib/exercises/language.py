"""Exercises: a text's character n-grams, counted as the kit's n-gram features count them, and the
logits after MAML's first step from a zero head, which turn out to be a prototype classifier
(Lesson 11, few-shot language identification)."""

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np

from ..i18n import N_, _, translate
from .compare import close, largest_difference, one_array
from .feedback import call, checker, wrong

# (text, n): the first has a repeated n-gram ("a " twice); accented letters, several words, a capital
# letter and a one-letter text follow.
NGRAM_CASES = [("la casa", 2), ("niño", 3), ("garçon", 1), ("Zürich és Győr", 3), ("főváros", 2),
               ("a", 1), ("a", 2), ("a", 3), ("ananas", 3)]


def _grams(padded, n):
    return Counter(padded[i:i + n] for i in range(len(padded) - n + 1))


def _counts(out):
    """The student's n-gram counts as a dict {n-gram: count} without zero counts, or a sentence
    saying why they are not counts."""
    if out is None:
        wrong(_("your function returned nothing (None): return a collections.Counter of the n-grams"))
    if isinstance(out, (set, frozenset)):
        wrong(_("you returned a set, which keeps each n-gram once: return how often each occurs, e.g. "
                "collections.Counter(the n-grams)"))
    if isinstance(out, str):
        wrong(_("you returned a string: return the counts of the n-grams, a collections.Counter"))
    if not isinstance(out, Mapping):
        if isinstance(out, Iterable):
            wrong(_("you returned a {type} of the n-grams: count them, collections.Counter(...) "
                    "maps each n-gram to how often it occurs", type=type(out).__name__))
        wrong(_("return a collections.Counter (n-gram -> count); got {type}", type=type(out).__name__))
    counts = {}
    for gram, count in out.items():
        if isinstance(gram, tuple) and all(isinstance(c, str) for c in gram):
            wrong(_("your n-grams are tuples of characters: make each one a string, e.g. padded[i:i + n] "
                    "or ''.join(...)"))
        if not isinstance(gram, str):
            wrong(_("the keys must be the n-grams as strings; got a {type} key, {gram!r}",
                    type=type(gram).__name__, gram=gram))
        try:
            count = float(count)
        except (TypeError, ValueError):
            wrong(_("the values must be counts (numbers); {gram!r} has a {type}",
                    gram=gram, type=type(count).__name__))
        if count != 0:
            counts[gram] = count
    return counts


def _mistakes(text, n):
    """[(the counts a typical mistake gives for text and n, its sentence)], in the order they are said."""
    padded = " " + text + " "
    want = _grams(padded, n)
    repeated = max(want, key=lambda g: (want[g], g))
    return [
        (_grams(text, n),
         _("the padding is missing: count the n-grams of \" \" + text + \" \", one space before and one "
           "after, so that the n-grams starting and ending the text count too")),
        (_grams(text + " ", n),
         _("the first n-gram, {gram!r}, is missing: either the space before the text is missing "
           "(pad both ends, \" \" + text + \" \") or the loop starts at 1 instead of 0", gram=padded[:n])),
        (_grams(" " + text, n),
         _("the last n-gram, {gram!r}, is missing: either the space after the text is missing "
           "(pad both ends, \" \" + text + \" \") or the loop stops one short (an off-by-one: a padded "
           "text of length L has L - n + 1 n-grams)", gram=padded[-n:])),
        (_grams(" " * (n - 1) + text + " " * (n - 1), n),
         _("pad with one space at each end, as the kit's HashedNGrams does, not n - 1 spaces")),
        (sum((_grams(" " + word + " ", n) for word in text.split()), Counter()),
         _("you padded each word on its own: pad the whole text once; the single spaces between its words "
           "are characters of its n-grams as they are")),
        (_grams(" " + text.lower() + " ", n),
         _("keep the text as it is: lowercasing it changes its n-grams (the lesson's examples are "
           "lowercase already)")),
        (Counter(set(want)),
         _("every n-gram is counted once, but {gram!r} occurs {times} times in {padded!r}: count "
           "the repeats (a set keeps each n-gram once; collections.Counter counts them)",
           gram=repeated, times=want[repeated], padded=padded)),
    ]


def _diagnose(answers):
    """Raise Wrong with what differs between the student's counts and the n-grams, given answers
    [(text, n, the student's counts)] with at least one wrong: first a mistake that explains every
    answer, then one that explains the first wrong answer."""
    wrong_answers = [(t, n, got) for t, n, got in answers if got != _grams(" " + t + " ", n)]
    text, n, got = wrong_answers[0]
    lengths = sorted({len(g) for g in got})
    if lengths and lengths != [n]:
        if lengths == [1]:
            wrong(_("for n = {n} your n-grams have {length} character: use the argument n, not a fixed "
                    "length or a variable from elsewhere in the notebook", n=n, length=lengths[0]))
        if len(lengths) == 1:
            wrong(_("for n = {n} your n-grams have {length} characters: use the argument n, not a fixed "
                    "length or a variable from elsewhere in the notebook", n=n, length=lengths[0]))
        if lengths[-1] == n:
            wrong(_("some of your n-grams are shorter than n = {n} (they run past the end of the text): the "
                    "last one ends at the padded text's last character, range(len(padded) - n + 1)", n=n))
        wrong(_("all n-grams have n = {n} characters; yours have {lengths}", n=n, lengths=lengths))
    mistakes = _mistakes(text, n)
    for i, (_counts_of_mistake, message) in enumerate(mistakes):
        if all(g == _mistakes(t, k)[i][0] for t, k, g in answers):
            wrong(message)
    for counts, message in mistakes:
        if got == counts:
            wrong(message)
    padded = " " + text + " "
    want = _grams(padded, n)
    total = sum(got.values())
    if got.keys() == want.keys() and total and all(np.isclose(got[g] / total, k / sum(want.values()))
                                                   for g, k in want.items()):
        wrong(_("these are frequencies, not counts: return how many times each n-gram occurs"))
    gram = next(g for g in sorted(set(want) | set(got)) if got.get(g, 0) != want.get(g, 0))
    times = want.get(gram, 0)
    if times == 1:
        wrong(_("the counts differ for text = {text!r}, n = {n}: {gram!r} occurs {times} time "
                "in the padded text {padded!r}, you counted {counted:g}",
                text=text, n=n, gram=gram, times=times, padded=padded, counted=got.get(gram, 0)))
    wrong(_("the counts differ for text = {text!r}, n = {n}: {gram!r} occurs {times} times "
            "in the padded text {padded!r}, you counted {counted:g}",
            text=text, n=n, gram=gram, times=times, padded=padded, counted=got.get(gram, 0)))


@checker(N_("a text's character n-grams"))
def check_char_ngrams(char_ngrams):
    """char_ngrams(text, n) -> a collections.Counter (any mapping) of the character n-grams of
    " " + text + " ": one space added at each end (as the kit's HashedNGrams does), the single spaces
    between words kept."""
    first = call(char_ngrams, "la casa", 2)
    seen = _counts(first)
    other = _counts(call(char_ngrams, "el gato", 2))
    if seen == other:
        wrong(_("your function gives the same counts for \"la casa\" and \"el gato\": count the n-grams of "
                "its argument text, not of a variable from elsewhere in the notebook"))
    first_changed = _counts(first) != seen
    if _counts(call(char_ngrams, "la casa", 2)) != seen:
        wrong(_("a second call with the same text gave different counts: your function keeps counts from "
                "earlier calls (a Counter made outside it); make a new one inside the function"))
    if first_changed:
        wrong(_("the Counter returned for one text changed when your function was called again: make a "
                "new Counter inside the function on each call"))
    answers = [(text, n, _counts(call(char_ngrams, text, n))) for text, n in NGRAM_CASES]
    if any(got != _grams(" " + text + " ", n) for text, n, got in answers):
        _diagnose(answers)
    return _("correct: the n-grams of \" \" + text + \" \", with their counts, as the kit's n-gram "
             "features count them")


def zero_head_step(z_support, y_support, z_query, alpha):
    """The reference: the query logits [Q, N] after one gradient step (step size alpha) of the mean
    cross-entropy over the support set, from a linear head W [D, N], b [N] at zero. There every class
    has p = 1/N, so W1 = (alpha/S) sum_i z_i (y_i - 1/N)^T and b1 = (alpha/S) sum_i (y_i - 1/N)."""
    return _zero_head_step(np.asarray(z_support, np.float64), np.asarray(y_support, np.float64),
                           np.asarray(z_query, np.float64), float(alpha))


def _zero_head_step(zs, ys, zq, alpha, sign=1.0, centre=True, mean=True, use_alpha=True, bias=True):
    """The reference, or (with a flag changed) a typical mistake."""
    S, N = ys.shape
    error = ys - 1.0 / N if centre else ys
    scale = sign * (alpha if use_alpha else 1.0) / (S if mean else 1.0)
    logits = zq @ (scale * zs.T @ error)
    return logits + scale * error.sum(axis=0) if bias else logits


# The typical mistakes, each a change of one flag of _zero_head_step and its sentence (the first of
# a combination that matches is said).
ZERO_HEAD_MISTAKES = [
    ("sign", -1.0, N_("the logits have the wrong sign, a step uphill (gradient ascent): the step subtracts "
                      "alpha times the gradient, W1 = 0 - alpha * dL/dW")),
    ("centre", False, N_("the 1/N is missing: at the zero head every class has probability 1/N, so the "
                         "gradient is -(1/S) sum_i z_i (y_i - 1/N)^T, not -(1/S) sum_i z_i y_i^T")),
    ("mean", False, N_("the step is S times too large: the loss is the mean cross-entropy over the S "
                       "support examples, so divide the summed gradient by S")),
    ("use_alpha", False, N_("the step size is missing: multiply the gradient by alpha, "
                            "W1 = 0 - alpha * dL/dW")),
    ("bias", False, N_("the bias is missing: when the classes have different numbers of support examples, "
                       "b1 = (alpha/S) sum_i (y_i - 1/N) is not zero; add it to every query's logits")),
]


def _zero_head_case(rng, counts, dim, queries, alpha):
    """A support set with `counts` examples of each class (shuffled), its queries and alpha."""
    labels = rng.permutation(np.repeat(np.arange(len(counts)), counts))
    y = np.eye(len(counts))[labels]
    return rng.normal(size=(len(labels), dim)), y, rng.normal(size=(queries, dim)), alpha


@checker(N_("the logits after one step from a zero head"))
def check_zero_head_logits(zero_head_logits):
    """zero_head_logits(z_support [S, D], y_support one-hot [S, N], z_query [Q, D], alpha) -> [Q, N]:
    the query logits after one gradient step of the mean cross-entropy over the support set, from a
    linear head W [D, N], b [N] that starts at zero."""
    rng = np.random.default_rng(11)
    cases = [_zero_head_case(rng, [2, 2, 2], 5, 4, 0.7),  # balanced: b1 = 0
             _zero_head_case(rng, [3, 1, 2, 1], 6, 5, 2.5),  # unbalanced: b1 != 0
             _zero_head_case(rng, [4, 1], 3, 3, 50.0)]
    for zs, ys, zq, alpha in cases:
        kept = zs.copy(), ys.copy(), zq.copy()
        out = one_array(call(zero_head_logits, zs, ys, zq, alpha), _("the query logits [Q, N]"),
                        sequences=False, scalars=False)
        if not all(close(a, k) for a, k in zip((zs, ys, zq), kept, strict=True)):
            wrong(_("your function changed the arrays it was given (e.g. y_support -= 1/N): compute "
                    "y_support - 1/N as a new array"))
        want = _zero_head_step(zs, ys, zq, alpha)
        if out.shape != want.shape:
            if out.shape == want.shape[::-1]:
                wrong(_("your logits are [N, Q] = {got}: return one row per query, [Q, N] = {want}",
                        got=out.shape, want=want.shape))
            wrong(_("return one logit per query and class, shape [Q, N] = {want}; got {got}",
                    want=want.shape, got=out.shape))
        if close(out, want):
            continue
        if np.allclose(out, 0):
            wrong(_("the logits are all zero, those of the head before the step: take the step first, then "
                    "apply W1 and b1 to z_query"))
        probabilities = np.exp(want - want.max(axis=1, keepdims=True))
        if close(out, probabilities / probabilities.sum(axis=1, keepdims=True)):
            wrong(_("these are probabilities (the softmax of the logits): return the logits themselves"))
        for size in range(1, len(ZERO_HEAD_MISTAKES) + 1):
            for mistakes in itertools.combinations(ZERO_HEAD_MISTAKES, size):
                flags = {flag: v for flag, v, _sentence in mistakes}
                if close(out, _zero_head_step(zs, ys, zq, alpha, **flags)):
                    wrong(translate(mistakes[0][2]))
        wrong(_("the logits differ from those after one gradient step from the zero head (largest "
                "difference {diff:.3g} with S = {S}, N = {N}, alpha = {alpha:g})",
                diff=largest_difference(out, want), S=len(ys), N=ys.shape[1], alpha=alpha))
    return _("correct: from a zero head, one step scores a query by its dot product with each class's "
             "summed support features, less their average over the classes: a prototype classifier")
