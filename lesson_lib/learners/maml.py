"""MAML (Finn, Abbeel, Levine 2017), second order and first order (Lesson 2).

Inner loop (eq. 2): phi_i = theta - alpha * grad_theta L_support_i(theta), repeated `steps`
times. Outer loop (eq. 3): theta <- theta - beta * grad_theta sum_i L_query_i(phi_i(theta)).
Second order differentiates through the inner steps (nested tf.GradientTape); first order
(FOMAML) treats the inner gradients as constants, so the meta-gradient is the query-loss
gradient at phi_i.
"""

import warnings

import keras

from ..functional import adapt, mse
from ..i18n import _
from .base import MetaGradientLearner, SGDAdaptation


class MAML(SGDAdaptation, MetaGradientLearner):
    """`MAML(model, alpha=0.01, inner_steps=1, second_order=True)`; any Keras model works."""

    batches_tasks = True  # task_loss is loss_fn of self.f's outputs: the XLA path can run it

    def __init__(self, model, *, alpha=0.01, inner_steps=1, second_order=True, optimizer=None,
                 beta=1e-3, loss=mse):
        super().__init__(model, alpha=alpha, inner_steps=inner_steps, optimizer=optimizer, beta=beta,
                         loss=loss)
        self.build_optimizer()
        self.second_order = bool(second_order)
        self.name = "MAML" if self.second_order else "FOMAML"
        stock = [layer.name for layer in model._flatten_layers()
                 if type(layer) is keras.layers.BatchNormalization]
        if self.second_order and stock:
            warnings.warn(_("second-order MAML through keras.layers.BatchNormalization {layers} is inexact "
                            "(tf.nn.moments stops the gradient through the batch mean); use "
                            "lesson_lib.layers.BatchNormalization instead", layers=stock), stacklevel=2)

    @property
    def hyperparameters(self):
        return {**super().hyperparameters, "second_order": self.second_order}

    def task_loss(self, theta, sx, sy, qx, qy):
        """L_query(phi), with phi adapted from theta on the support set (eq. 2-3)."""
        phi = adapt(self.f, theta, sx, sy, self.inner_steps, self.alpha, self.loss_fn, self.second_order)
        return self.loss_fn(qy, self.f(phi, qx))
