"""A small character-level text encoder (Lesson 11), shared by every learner of language
identification: character ids -> embeddings -> 1-D convolutions -> max over positions -> a vector.

    e_i = onehot(c_i) E = E[c_i]                  (ids [length] -> [length, embed])
    h = ReLU(Conv1D(...ReLU(Conv1D(e))))          (each position sees `kernel` neighbours per layer)
    z = W max_i h_i + b                           (global max pool: "is this n-gram anywhere?")

Two convolutions of width 3 see character 5-grams, the scale of the n-gram baseline's
profiles; the max pool makes z independent of where in the text a pattern occurs.

The embedding is a one-hot code times a matrix E (a Dense layer without bias), not
keras.layers.Embedding: the same numbers, but its gradient is a dense tensor, where a lookup's
is an IndexedSlices that MAML's inner step phi = theta - alpha * grad cannot subtract. Inputs may
be float (the learners cast episode arrays to float32); OneHot casts them to int.
"""

import numbers

import keras

from . import checks
from .i18n import _
from .tasks.languages import LENGTH, PAD, SPACE, UNKNOWN

HASH_MULTIPLIER = 2_654_435_761  # the n-gram hash h(c) = ((c * HASH_MULTIPLIER) mod HASH_PRIME) mod buckets
HASH_PRIME = 2_147_483_647  # 2^31 - 1; codes below 2^30 keep c * HASH_MULTIPLIER inside int64


class OneHot(keras.layers.Layer):
    """ids [..., length] (int or float) -> one-hot [..., length, depth]; ids >= depth give zeros."""

    def __init__(self, depth, **kwargs):
        super().__init__(**kwargs)
        self.depth = checks.integer("depth", depth, 1)

    def call(self, ids):
        return keras.ops.one_hot(keras.ops.cast(ids, "int32"), self.depth, dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.depth)

    def get_config(self):
        return {**super().get_config(), "depth": self.depth}


def char_encoder(vocab_size, length=LENGTH, width=64, embed=32, kernels=(3, 3), seed=0, dtype="float32"):
    """The encoder: ids [length] -> a vector [width] (a Prototypical Network's embedding)."""
    inputs, features = _trunk(vocab_size, length, width, embed, kernels, seed, dtype)
    init = keras.initializers.GlorotUniform(seed + 1 + len(kernels))
    z = keras.layers.Dense(width, dtype=dtype, kernel_initializer=init)(features)
    return keras.Model(inputs, z, name="char_encoder")


def char_classifier(vocab_size, ways=5, length=LENGTH, width=64, embed=32, kernels=(3, 3), seed=0,
                    dtype="float32"):
    """The encoder's trunk with a linear head to `ways` logits (MAML's model): ids [length] -> [ways]."""
    checks.integer("ways", ways, 1)
    inputs, features = _trunk(vocab_size, length, width, embed, kernels, seed, dtype)
    init = keras.initializers.GlorotUniform(seed + 1 + len(kernels))
    logits = keras.layers.Dense(ways, dtype=dtype, kernel_initializer=init)(features)
    return keras.Model(inputs, logits, name="char_classifier")


def _trunk(vocab_size, length, width, embed, kernels, seed, dtype):
    """Input, Embedding, the ReLU convolutions and the max pool: (inputs, features [width])."""
    checks.integer("vocab_size", vocab_size, 2)
    checks.integer("length", length, 1)
    checks.integer("width", width, 1)
    checks.integer("embed", embed, 1)
    checks.integer("seed", seed, 0)
    if not kernels:
        raise ValueError(_("kernels must name at least one convolution width, got none"))
    inputs = keras.Input((length,), dtype=dtype)
    x = OneHot(vocab_size, dtype=dtype)(inputs)
    x = keras.layers.Dense(embed, use_bias=False, dtype=dtype, name="embedding",  # E, [vocab_size, embed]
                           kernel_initializer=keras.initializers.GlorotUniform(seed))(x)
    for i, kernel in enumerate(kernels):
        checks.integer(f"kernels[{i}]", kernel, 1)
        x = keras.layers.Conv1D(width, kernel, padding="same", activation="relu", dtype=dtype,
                                kernel_initializer=keras.initializers.GlorotUniform(seed + 1 + i))(x)
    return inputs, keras.layers.GlobalMaxPooling1D(dtype=dtype)(x)


class HashedNGrams(keras.layers.Layer):
    """Character n-gram counts hashed into `buckets` (fastText's bag of n-grams), as the n-gram
    baseline counts them: ids [..., length] (int or float) -> features [..., buckets]. No weights.

    The text of a row is [space] + its ids up to the first padding + [space] (ids >= vocab_size
    count as unknown). Its n-gram (t_i, ..., t_{i+n-1}), for each n in `n`, has the code
        c = sum_j t_{i+j} V^(n-1-j)            (V = vocab_size; ids >= 1, so n-grams of different n differ)
    and lands in bucket h(c) = ((c * HASH_MULTIPLIER) mod HASH_PRIME) mod buckets. With counts
    n_b = #{n-grams in bucket b}, the features are the square roots, normalised to length 1:
        f_b = sqrt(n_b) / sqrt(sum_b' n_b')
    (square roots damp the space and the commonest letters; an empty text still has "  ").
    """

    def __init__(self, vocab_size, buckets=4096, n=(1, 2, 3), **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = checks.integer("vocab_size", vocab_size, SPACE + 1)
        self.buckets = checks.integer("buckets", buckets, 1)
        self.n = (n,) if isinstance(n, numbers.Integral) and not isinstance(n, bool) else tuple(n)
        if not self.n:
            raise ValueError(_("n must name at least one n-gram length, got none"))
        for i, order in enumerate(self.n):
            checks.integer(f"n[{i}]", order, 1)
        if len(set(self.n)) != len(self.n):
            raise ValueError(_("n must not repeat a length, got {n}", n=self.n))
        if vocab_size ** max(self.n) > 2**30:
            raise ValueError(_("vocab_size ** max(n) must be <= 2^30 (the codes' range), got {vocab_size} ** "
                               "{largest}", vocab_size=vocab_size, largest=max(self.n)))

    def bucket_ids(self, ids):
        """(buckets [..., positions] int64, valid [..., positions] bool) of every n-gram slot."""
        ops = keras.ops
        ids = ops.cast(ids, "int64")
        ids = ops.where(ids >= self.vocab_size, UNKNOWN, ids)
        length = ids.shape[-1]
        edge = ops.full_like(ids[..., :1], SPACE)
        text = ops.concatenate([edge, ids, ops.zeros_like(edge)], axis=-1)  # [..., length + 2]
        before = ops.concatenate([edge, text[..., :-1]], axis=-1)
        text = ops.where((text == PAD) & (before != PAD), SPACE, text)  # the space after the text
        codes, valid = [], []
        for n in self.n:
            span = length + 3 - n
            code, ok = ops.zeros_like(text[..., :span]), text[..., :span] != PAD
            for j in range(n):
                code = code * self.vocab_size + text[..., j:j + span]
                ok = ok & (text[..., j:j + span] != PAD)
            codes.append(code)
            valid.append(ok)
        code = ops.concatenate(codes, axis=-1)
        bucket = ops.mod(ops.mod(code * HASH_MULTIPLIER, HASH_PRIME), self.buckets)
        return bucket, ops.concatenate(valid, axis=-1)

    def counts(self, ids):
        """n_b: the n-gram counts per bucket [batch, buckets] of ids [batch, length]."""
        bucket, valid = self.bucket_ids(ids)
        weights = keras.ops.cast(valid, self.compute_dtype)
        counts = keras.ops.bincount(bucket, weights=weights, minlength=self.buckets)
        return keras.ops.reshape(counts, (-1, self.buckets))  # a static width inside tf.function too

    def call(self, ids):
        root = keras.ops.sqrt(self.counts(ids))
        return root / keras.ops.sqrt(keras.ops.sum(root * root, axis=-1, keepdims=True))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.buckets)

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size, "buckets": self.buckets, "n": self.n}


def ngram_encoder(vocab_size, length=LENGTH, buckets=4096, n=(1, 2, 3), hidden=256, width=64, skip=3.0,
                  seed=0, dtype="float32"):
    """A Prototypical Network's embedding over hashed character n-grams: ids [length] ->
    z [width + buckets], the learned features beside the baseline's own:

        f = HashedNGrams(ids)                         (sqrt n-gram counts, |f| = 1)
        z = [W2 ReLU(W1 f + b1) + b2,  skip * f]

    The MLP learns which n-grams tell languages apart; the skip keeps every n-gram, so languages
    never seen in meta-training keep the n-gram centroid's evidence (ProtoNet's squared distance
    adds skip^2 |f - f'|^2 = skip^2 (2 - 2 cos) to the learned part). skip = 0 drops it.
    """
    checks.integer("length", length, 1)
    checks.integer("hidden", hidden, 1)
    checks.integer("width", width, 1)
    checks.integer("seed", seed, 0)
    if isinstance(skip, bool) or not isinstance(skip, numbers.Real) or not skip >= 0:
        raise ValueError(_("skip must be a number >= 0, got {skip!r}", skip=skip))
    inputs = keras.Input((length,), dtype=dtype)
    f = HashedNGrams(vocab_size, buckets, n, dtype=dtype)(inputs)
    h = keras.layers.Dense(hidden, activation="relu", dtype=dtype,
                           kernel_initializer=keras.initializers.GlorotUniform(seed))(f)
    z = keras.layers.Dense(width, dtype=dtype,
                           kernel_initializer=keras.initializers.GlorotUniform(seed + 1))(h)
    if skip:
        z = keras.layers.Concatenate(dtype=dtype)([z, keras.layers.Rescaling(float(skip), dtype=dtype)(f)])
    return keras.Model(inputs, z, name="ngram_encoder")
