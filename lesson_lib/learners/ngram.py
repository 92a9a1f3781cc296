"""The non-learned baseline of language identification (Lesson 11): character n-gram profiles
and the nearest class centroid (Cavnar and Trenkle 1994 rank n-grams; here, cosine similarity
of count vectors). Nothing is meta-trained: each task's support set is all it knows.

A text's profile p(x) counts its character n-grams for every n in `n`, over the text with a
space added at both ends, so " th" (a word starting with "th") and "th " differ from "th".
Class c's centroid is the mean normalised profile of its support texts,
    m_c = (1 / K) sum_{k: y_k = c} p(x_k) / |p(x_k)|,
and a query's logit for class c is the cosine similarity cos(p(x), m_c) in [0, 1].

Texts come as character ids (`tasks.languages`: 0 padding at the end, `space` the space).
"""

import collections

import numpy as np

from .. import checks
from ..i18n import _
from ..tasks.languages import PAD, SPACE


class NGramCentroid:
    """Nearest centroid of character n-gram profiles; the learner interface's `predict`,
    `prediction_path`, state and capabilities, so `evaluation.accuracy` takes it. It has no
    meta-parameters: `meta_step` raises."""

    name = "n-gram"
    uses_alpha = False
    adapts_by_steps = False
    inner_steps = 0
    fixed_ways = None  # centroids per task: any number of ways
    learning_rates = {}

    def __init__(self, n=(1, 2, 3), space=SPACE, padding=PAD):
        n = (n,) if isinstance(n, int) else tuple(n)
        if not n:
            raise ValueError(_("n must name at least one n-gram length, got an empty tuple"))
        for i, order in enumerate(n):
            checks.integer(f"n[{i}]", order, 1)
        if len(set(n)) != len(n):
            raise ValueError(_("n must not repeat a length, got {n}", n=n))
        self.n = n
        self.space = checks.integer("space", space, 0)
        self.padding = checks.integer("padding", padding, 0)

    @property
    def hyperparameters(self):
        return {"n": list(self.n)}

    def meta_step(self, episode):
        raise TypeError(_("{name} is not meta-trained: its centroids come from each task's support set "
                          "alone. Evaluate it directly, e.g. evaluation.accuracy(learner, episode, 0)",
                          name=self.name))

    def get_state(self):
        return {}

    def set_state(self, state):
        if state:
            raise ValueError(_("state must be empty: {name} has no weights, got keys {keys}", name=self.name,
                               keys=sorted(state)))

    # --- profiles -----------------------------------------------------------------------
    def _ids(self, x):
        x = np.asarray(x)
        if not np.all(x == np.round(x)) or (x.size and x.min() < 0):
            raise ValueError(_("x must hold character ids (integers >= 0), got non-integer or negative "
                               "values"))
        return x.astype(np.int64)

    def codes(self, ids):
        """The n-grams of texts ids [E, length] as integer codes [E, positions] (-1: none).

        The text of a row is [space] + its ids up to the first padding + [space]. An n-gram
        (a_1..a_n) is sum_j a_j B^(n-j) with B above every id, so ids >= 1 keep lengths apart."""
        ids = self._ids(ids)
        E, L = ids.shape
        lengths = np.where((ids == self.padding).any(axis=1), (ids == self.padding).argmax(axis=1), L)
        text = np.full((E, L + 2), -1, np.int64)
        text[:, 0] = self.space
        inside = np.arange(L)[None, :] < lengths[:, None]
        text[:, 1:L + 1][inside] = ids[inside]
        text[np.arange(E), lengths + 1] = self.space
        base = max(int(ids.max(initial=0)), self.space) + 1
        parts = []
        for n in self.n:
            span = L + 3 - n
            code = np.zeros((E, span), np.int64)
            for j in range(n):
                code = code * base + text[:, j:j + span]
            valid = np.arange(span)[None, :] + n <= lengths[:, None] + 2
            parts.append(np.where(valid, code, -1))
        return np.concatenate(parts, axis=1)

    def profile(self, ids):
        """The n-gram counts of one text's ids [length], keyed by tuples of ids (for showing)."""
        ids = [int(i) for i in self._ids(ids)]
        end = ids.index(self.padding) if self.padding in ids else len(ids)
        text = [self.space, *ids[:end], self.space]
        return collections.Counter(tuple(text[i:i + n]) for n in self.n for i in range(len(text) - n + 1))

    def _normalised(self, codes):
        """Normalised count vectors [E, U] of the codes [E, P] over their U distinct n-grams."""
        keys, column = np.unique(codes, return_inverse=True)
        cell = np.arange(codes.shape[0])[:, None] * len(keys) + column.reshape(codes.shape)
        counts = np.bincount(cell[codes >= 0], minlength=codes.shape[0] * len(keys)).reshape(len(codes), -1)
        return counts / np.linalg.norm(counts, axis=1, keepdims=True)

    def task_scores(self, sx, sy, x):
        """Cosine similarity [M, N] of texts x [M, length] to the centroids m_c of the support
        texts sx [S, length] with one-hot labels sy [S, N]."""
        sy = np.asarray(sy, np.float64)
        profiles = self._normalised(self.codes(np.concatenate([sx, x], axis=0)))  # one code base for both
        support, queries = profiles[:len(sy)], profiles[len(sy):]
        # einsum, not @: these products are small, and a multi-threaded BLAS competing for busy
        # cores made them 4x slower than the whole rest
        centroids = np.einsum("sc,su->cu", sy, support) / sy.sum(axis=0)[:, None]
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
        return np.einsum("mu,cu->mc", queries, centroids)

    # --- the learner interface ----------------------------------------------------------
    def predict(self, episode, x, steps, alpha=None, eager=False):
        """Cosine similarities [T, M, N] of x [T, M, length] to each task's class centroids;
        `steps` is accepted for the interface and changes nothing."""
        checks.integer("steps", steps, 0)
        if alpha is not None:
            raise TypeError(_("alpha does not apply to {name}: it does not adapt by SGD", name=self.name))
        x = np.asarray(x)
        if x.ndim != 3 or x.shape[0] != episode.num_tasks:
            raise ValueError(_("x must have shape [tasks={tasks}, examples, length], got {shape}",
                               tasks=episode.num_tasks, shape=x.shape))
        if episode.support_x.ndim != 3 or episode.support_x.shape[2] != x.shape[2]:
            raise ValueError(_("support_x must have shape [tasks, examples, length={length}], got {shape}",
                               length=x.shape[2], shape=episode.support_x.shape))
        return np.stack([self.task_scores(sx, sy, tx).astype(np.float32) for sx, sy, tx in
                         zip(episode.support_x, episode.support_y, x, strict=True)])

    def prediction_path(self, episode, x, steps, alpha=None, eager=False):
        """The same scores after 0..steps 'steps': [T, steps + 1, M, N]."""
        scores = self.predict(episode, x, steps, alpha)
        return np.repeat(scores[:, None], steps + 1, axis=1)
