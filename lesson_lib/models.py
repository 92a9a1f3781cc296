"""Small Keras models for the lessons. Any Keras model works with the learners; these are
the ones the papers use."""

import keras

from . import checks
from .i18n import _
from .layers import BatchNormalization


def mlp(input_dim=1, hidden=(40, 40), output_dim=1, activation="relu", batch_norm=False,
        seed=0, dtype="float32", api="sequential"):
    """The MAML sinusoid regressor (paper section 5.1): 1-40-40-1 with ReLU.

    `batch_norm=True` puts a BatchNormalization after each hidden layer (non-trainable
    state; lesson_lib.layers' version, exact to second order); `api` is "sequential" or
    "functional" (both must work with every learner).
    """
    checks.integer("input_dim", input_dim, 1)
    checks.integer("output_dim", output_dim, 1)
    checks.integer("seed", seed, 0)
    if api not in ("sequential", "functional"):
        raise ValueError(_("api must be 'sequential' or 'functional', got {api!r}", api=api))
    layers = []
    for i, width in enumerate(hidden):
        checks.integer(f"hidden[{i}]", width, 1)
        layers.append(keras.layers.Dense(width, kernel_initializer=keras.initializers.GlorotUniform(seed + i),
                                         dtype=dtype))
        if batch_norm:
            layers.append(BatchNormalization(dtype=dtype))
        layers.append(keras.layers.Activation(activation, dtype=dtype))
    layers.append(keras.layers.Dense(output_dim, dtype=dtype,
                                     kernel_initializer=keras.initializers.GlorotUniform(seed + len(hidden))))
    inputs = keras.Input((input_dim,), dtype=dtype)
    if api == "sequential":
        return keras.Sequential([inputs, *layers], name="mlp")
    x = inputs
    for layer in layers:
        x = layer(x)
    return keras.Model(inputs, x, name="mlp")


def conv4(ways=5, filters=64, image_size=28, channels=1, head=True, seed=0, dtype="float32"):
    """The few-shot image model of the papers (MAML appendix A.1, Omniglot): 4 x [3x3 conv
    with `filters` filters and stride 2, batch norm, ReLU], the average over the remaining
    2x2 positions (as the MAML code does), then a linear layer to `ways` logits.

    `head=False` stops at the 64 features (a Prototypical Network's embedding).
    """
    checks.integer("ways", ways, 1)
    checks.integer("filters", filters, 1)
    checks.integer("image_size", image_size, 4)
    inputs = keras.Input((image_size, image_size, channels), dtype=dtype)
    x = inputs
    for i in range(4):
        x = keras.layers.Conv2D(filters, 3, strides=2, padding="same", dtype=dtype,
                                kernel_initializer=keras.initializers.GlorotUniform(seed + i))(x)
        x = BatchNormalization(dtype=dtype)(x)
        x = keras.layers.Activation("relu", dtype=dtype)(x)
    x = keras.layers.GlobalAveragePooling2D(dtype=dtype)(x)
    if head:
        x = keras.layers.Dense(ways, dtype=dtype,
                               kernel_initializer=keras.initializers.GlorotUniform(seed + 4))(x)
    return keras.Model(inputs, x, name="conv4")
