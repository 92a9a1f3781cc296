"""The transfer-learning baseline of the MAML paper (section 5.1, "pretrained"): one model
trained on all tasks' data at once, then fine-tuned on a new task's K points with SGD
(Lesson 1). On sinusoids it learns the average task, about -1.62 cos x (Lesson 1 measures
it), and K points cannot move it far: that is the failure meta-learning fixes. `Scratch` is
the same SGD from random weights with no training at all (Lesson 0).
"""

import keras
import numpy as np
import tensorflow as tf

from .. import checks
from ..functional import cross_entropy, mse, sgd_path
from ..i18n import _
from .base import Learner, MetaGradientLearner, SGDAdaptation


class Pretrained(SGDAdaptation, MetaGradientLearner):
    """Trained by plain regression on every point of every task; adapts by SGD like MAML."""

    name = "pretrained"

    def __init__(self, model, *, alpha=0.01, optimizer=None, beta=1e-3, loss=mse):
        super().__init__(model, alpha=alpha, inner_steps=0, optimizer=optimizer, beta=beta, loss=loss)
        self.build_optimizer()

    def task_loss(self, theta, sx, sy, qx, qy):
        """Loss of theta itself on all of the task's points: no adaptation during training."""
        x, y = tf.concat([sx, qx], axis=0), tf.concat([sy, qy], axis=0)
        return self.loss_fn(y, self.f(theta, x))


class TransferBaseline(SGDAdaptation, MetaGradientLearner):
    """The fine-tuning baseline for few-shot classification (Lesson 7; "Baseline" of Chen
    et al. 2019): train an embedding with one softmax head over every training class, then,
    for a new task, put a fresh zero head on the embedding and fine-tune that head by
    `steps` SGD steps of size alpha on the support set.

    Its training episodes carry global one-hot labels (`Omniglot.sample_global`); a test
    task's head has as many outputs as its labels have columns.
    """

    name = "fine-tuned"
    fixed_ways = None  # a fresh head per task: any number of ways

    def __init__(self, embedding, *, num_classes, alpha=0.1, inner_steps=50, optimizer=None, beta=1e-3,
                 loss=cross_entropy):
        super().__init__(embedding, alpha=alpha, inner_steps=inner_steps, optimizer=optimizer, beta=beta,
                         loss=loss)
        features = embedding.output_shape[-1]
        self.head = [keras.Variable(np.zeros((features, checks.integer("num_classes", num_classes, 2)),
                                             embedding.dtype), name="global_head"),
                     keras.Variable(np.zeros(num_classes, embedding.dtype), name="global_bias")]
        self.build_optimizer()

    @property
    def meta_parameters(self):
        return self.f.variables + self.head

    def state_groups(self):
        return {**super().state_groups(), "head": self.head}

    def _split(self, params):
        return params[:len(self.f.variables)], params[len(self.f.variables):]

    def task_loss(self, params, sx, sy, qx, qy):
        """Plain classification over all training classes, every example of the task."""
        weights, (w, b) = self._split(params)
        x, y = tf.concat([sx, qx], axis=0), tf.concat([sy, qy], axis=0)
        return self.loss_fn(y, self.f(weights, x) @ w + b)

    def task_path(self, params, sx, sy, steps, alpha):
        """A zero head for the task's classes, then `steps` SGD steps on it (features fixed)."""
        weights, _head = self._split(params)
        features = tf.stop_gradient(self.f(weights, sx))
        ways = sy.shape[-1]
        head = [tf.zeros([features.shape[-1], ways], features.dtype), tf.zeros([ways], features.dtype)]
        linear = lambda h, z: z @ h[0] + h[1]  # noqa: E731
        for state in sgd_path(linear, head, features, sy, steps, alpha, self.loss_fn, second_order=False):
            yield (weights, state)

    def task_output(self, params, state, x):
        weights, (w, b) = state
        return self.f(weights, x) @ w + b


class Scratch(SGDAdaptation, Learner):
    """Learning a task from scratch (Lesson 0): the network's random initial weights, then SGD
    steps of size alpha on the task's K support points, as every SGD learner adapts, with no
    meta-training before. It has no outer loop: meta-training it is refused."""

    name = "scratch"

    def __init__(self, model, *, alpha=0.01, loss=mse):
        super().__init__(model, alpha=alpha, inner_steps=0, loss=loss)

    def outer_step(self, sx, sy, qx, qy, vectorized=True):
        raise TypeError(_("the scratch learner is never meta-trained: it shows what SGD does from random "
                          "weights; meta-train a learner from LEARNERS instead (e.g. learner('MAML'))"))
