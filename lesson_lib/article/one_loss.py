"""The article's MAML objective as a learner (Lesson 8):

    theta* = argmin_theta sum_i L_i(theta - alpha grad L_i(theta))

with ONE loss L_i per task for the inner step and the outer loss, against the paper's split
(Lesson 2): adapt on the support set, score on held-out query data of the same task.
"""

import numpy as np
import tensorflow as tf

from ..functional import adapt
from ..i18n import _
from ..learners import MAML


class OneLossMAML(MAML):
    """MAML trained on the one-loss objective. `data="support"`: L_i is the loss on the task's K
    support points (the query points are never used); `data="all"`: L_i is the loss on all the
    task's points, support and query together (the same data the split uses, but the inner step
    sees K + Q points in training and only K at test time)."""

    def __init__(self, model, *, data="support", **options):
        if data not in ("support", "all"):
            raise ValueError(_("data must be 'support' or 'all', got {data!r}", data=data))
        super().__init__(model, **options)
        self.data = data
        self.name = "MAML, one loss" + (" (all points)" if data == "all" else "")

    @property
    def hyperparameters(self):
        return {**super().hyperparameters, "objective": f"one loss ({self.data})"}

    def task_loss(self, theta, sx, sy, qx, qy):
        """L_i(phi) with phi adapted on the same data L_i is measured on."""
        if self.data == "all":
            sx, sy = tf.concat([sx, qx], axis=0), tf.concat([sy, qy], axis=0)
        phi = adapt(self.f, theta, sx, sy, self.inner_steps, self.alpha, self.loss_fn, self.second_order)
        return self.loss_fn(sy, self.f(phi, sx))


def paired_difference(curve_a, curve_b, step):
    """Mean and 95% half-width over tasks of loss_a - loss_b after `step` steps, the two curves
    measured on the same test tasks (pairing removes the tasks' own spread); tasks where either
    is not finite are left out."""
    a, b = curve_a.per_task[:, step], curve_b.per_task[:, step]
    ok = np.isfinite(a) & np.isfinite(b)
    d = a[ok] - b[ok]
    return float(d.mean()), float(1.96 * d.std(ddof=1) / np.sqrt(d.size))
