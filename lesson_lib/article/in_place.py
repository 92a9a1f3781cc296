"""The in-place tools both of the article's patterns use (Lesson 8): fine-tune a Keras model's own
variables by SGD, and copy or put back their values.

Fine-tuning in place is what an ordinary training loop does and is not wrong in itself; the article's
patterns go wrong in what they do around it (no reset, aliasing, differentiating through it).
"""

import tensorflow as tf

from ..functional import mse


def task(episode, i):
    """Task i of an episode as (support_x, support_y, query_x, query_y)."""
    return episode.support_x[i], episode.support_y[i], episode.query_x[i], episode.query_y[i]


def snapshot(model):
    """Copies of the values of the model's trainable weights (tensors, not the variables)."""
    return [tf.identity(v) for v in model.trainable_variables]


def restore(model, values):
    """Put the values back into the model's trainable variables."""
    for v, value in zip(model.trainable_variables, values, strict=True):
        v.assign(value)


def fine_tune_in_place(model, x, y, steps, alpha, loss_fn=mse):
    """`steps` SGD steps on loss_fn(y, model(x)), written into the model's variables:
    v <- v - alpha * grad, what keras.optimizers.SGD(alpha).apply does (without its float32
    learning-rate variable, so float64 results agree with the kit to round-off)."""
    variables = model.trainable_variables
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x))
        for v, g in zip(variables, tape.gradient(loss, variables), strict=True):
            v.assign_sub(alpha * g)
