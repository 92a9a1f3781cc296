"""Prototypical Networks (Snell, Swersky, Zemel 2017), the metric-based learner (Lesson 7).

An embedding network e maps each image to a vector. A task's class prototype is the mean
embedding of its support examples (eq. 1); a query is classified by a softmax over minus
its squared distance to each prototype (eq. 2):

    p_c = (1/K) sum_{k: y_k = c} e(x_k)        logits(x*) = -|e(x*) - p_c|^2

Like the CNP of Lesson 5, adaptation is one forward pass (no gradient steps); unlike it,
the "mapping" is fixed by geometry, and only the embedding is meta-trained.
"""

import tensorflow as tf

from ..functional import cross_entropy
from .base import MetaGradientLearner


class ProtoNet(MetaGradientLearner):
    """`ProtoNet(embedding)`: any Keras model mapping inputs to vectors; labels one-hot."""

    name = "ProtoNet"
    fixed_ways = None  # prototypes per task: any number of ways

    def __init__(self, embedding, *, optimizer=None, beta=1e-3, loss=cross_entropy):
        super().__init__(embedding, optimizer=optimizer, beta=beta, loss=loss)
        self.build_optimizer()

    def task_path(self, params, sx, sy, steps, alpha):
        """The prototypes [N, features] (eq. 1), the same at every 'step'."""
        counts = tf.reduce_sum(sy, axis=0)[:, None]
        prototypes = tf.matmul(sy, self.f(params, sx), transpose_a=True) / counts
        for _ in range(steps + 1):
            yield prototypes

    def task_output(self, params, prototypes, x):
        """Logits: minus squared Euclidean distance to each prototype (eq. 2)."""
        z = self.f(params, x)
        return -tf.reduce_sum(tf.square(z[:, None, :] - prototypes[None, :, :]), axis=-1)

    def task_loss(self, params, sx, sy, qx, qy):
        *_, prototypes = self.task_path(params, sx, sy, 0, None)
        return self.loss_fn(qy, self.task_output(params, prototypes, qx))
