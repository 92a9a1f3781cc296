"""A black-box ("model-based") learner: a Conditional Neural Process (Garnelo et al. 2018)
(Lesson 5, "everything is a mapping").

It maps a task's support set straight to predictions in one forward pass, with no
gradient steps at test time:

    r = (1/K) sum_k h([x_k, y_k])          encode each example, average (order does not matter)
    y* = g([r, x*])                         decode at each query input

h and g are ordinary Keras MLPs, meta-trained end to end on the query loss (MSE here, to
compare with the other learners; the paper's CNP also predicts a variance). The mean makes
the learner invariant to the order of the support points (tests check it).
"""

import tensorflow as tf

from .. import checks
from ..functional import FunctionalModel, mse
from ..models import mlp
from .base import MetaGradientLearner


def aggregate(h, x, y):
    """The task summary r = (1/K) sum_k h([x_k, y_k]): encode each support pair, average over the
    K pairs (axis -2). x [..., K, x_dim], y [..., K, y_dim] -> r [..., width]; with leading task
    axes, each task is averaged on its own."""
    return tf.reduce_mean(h(tf.concat([x, y], axis=-1)), axis=-2)


def decode(g, r, x):
    """The prediction y* = g([r, x*]) at each query input: r [width] is repeated for the Q
    queries x [Q, x_dim] and put before each of them."""
    context = tf.tile(r[None, :], [tf.shape(x)[0], 1])
    return g(tf.concat([context, x], axis=-1))


class CNP(MetaGradientLearner):
    """`CNP(x_dim=1, y_dim=1, width=128)`, or give your own Keras `encoder` and `decoder`."""

    name = "CNP"

    def __init__(self, *, x_dim=1, y_dim=1, width=128, depth=3, encoder=None, decoder=None, seed=0,
                 dtype="float32", optimizer=None, beta=1e-3, loss=mse):
        checks.integer("width", width, 1)
        checks.integer("depth", depth, 1)
        if encoder is None:
            encoder = mlp(input_dim=x_dim + y_dim, hidden=(width,) * (depth - 1), output_dim=width,
                          seed=seed, dtype=dtype)
        if decoder is None:
            decoder = mlp(input_dim=width + x_dim, hidden=(width,) * depth, output_dim=y_dim,
                          seed=seed + 100, dtype=dtype)
        super().__init__(decoder, optimizer=optimizer, beta=beta, loss=loss)
        self.encoder = FunctionalModel(encoder)
        self.width = width
        self.build_optimizer()

    @property
    def meta_parameters(self):
        return self.encoder.variables + self.f.variables

    def state_groups(self):
        return {**super().state_groups(), "encoder": self.encoder.model.weights}

    @property
    def hyperparameters(self):
        return {"width": self.width, **super().hyperparameters}

    def task_path(self, params, sx, sy, steps, alpha):
        """The task summary r, the same at every 'step': adaptation is one forward pass."""
        encoder_weights = params[:len(self.encoder.variables)]
        r = aggregate(lambda pairs: self.encoder(encoder_weights, pairs), sx, sy)
        for _ in range(steps + 1):
            yield r

    def task_output(self, params, r, x):
        decoder_weights = params[len(self.encoder.variables):]
        return decode(lambda inputs: self.f(decoder_weights, inputs), r, x)

    def task_loss(self, params, sx, sy, qx, qy):
        *_, r = self.task_path(params, sx, sy, 0, None)
        return self.loss_fn(qy, self.task_output(params, r, qx))
