"""The transfer-learning baseline of the MAML paper (section 5.1, "pretrained"): one model
trained on all tasks' data at once, then fine-tuned on a new task's K points with SGD
(Lesson 1). On sinusoids it learns the average task, about -1.62 cos x (Lesson 1 measures
it), and K points cannot move it far: that is the failure meta-learning fixes.
"""

import tensorflow as tf

from ..functional import mse
from .base import GradientLearner


class Pretrained(GradientLearner):
    """Trained by plain regression on every point of every task; adapts by SGD like MAML."""

    name = "pretrained"

    def __init__(self, model, alpha=0.01, optimizer=None, beta=1e-3, loss=mse):
        super().__init__(model, alpha, 0, optimizer, beta, loss)

    def task_loss(self, theta, sx, sy, qx, qy):
        """Loss of theta itself on all of the task's points: no adaptation during training."""
        x, y = tf.concat([sx, qx], axis=0), tf.concat([sy, qy], axis=0)
        return self.loss_fn(y, self.f(theta, x))
