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

import keras

from . import checks
from .tasks.languages import LENGTH


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
        raise ValueError("kernels must name at least one convolution width, got none")
    inputs = keras.Input((length,), dtype=dtype)
    x = OneHot(vocab_size, dtype=dtype)(inputs)
    x = keras.layers.Dense(embed, use_bias=False, dtype=dtype, name="embedding",  # E, [vocab_size, embed]
                           kernel_initializer=keras.initializers.GlorotUniform(seed))(x)
    for i, kernel in enumerate(kernels):
        checks.integer(f"kernels[{i}]", kernel, 1)
        x = keras.layers.Conv1D(width, kernel, padding="same", activation="relu", dtype=dtype,
                                kernel_initializer=keras.initializers.GlorotUniform(seed + 1 + i))(x)
    return inputs, keras.layers.GlobalMaxPooling1D(dtype=dtype)(x)
