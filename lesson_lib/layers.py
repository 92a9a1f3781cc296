"""Layers that second-order MAML can differentiate through exactly (batch norm, Lesson 7).

Keras's TensorFlow backend computes batch-norm statistics with `tf.nn.moments`, which
computes the variance as mean((x - stop_gradient(mean))^2). The first derivative is still
exact (the mean's term sums to zero), but the derivative of that derivative is not: the
second-order MAML meta-gradient through a stock `keras.layers.BatchNormalization` is off by
a few percent (tests/test_gradients.py measures it against finite differences). This
subclass computes the batch statistics without the stop-gradient.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="lesson_lib")
class BatchNormalization(keras.layers.BatchNormalization):
    """keras.layers.BatchNormalization with batch statistics exact to second order."""

    def _moments(self, inputs, mask):
        if mask is not None:  # Keras's masked path already keeps every gradient
            return super()._moments(inputs, mask)
        axes = self._reduction_axes
        centered = inputs - ops.mean(inputs, axis=axes, keepdims=True)
        return ops.mean(inputs, axis=axes), ops.mean(ops.square(centered), axis=axes)
