"""Many tasks' models in one call: f(phi_1..T, x_1..T) with a task axis on every weight
(issue 15's compiled fast path; Lesson 6 shows what it buys).

`FunctionalModel` runs one task's weights through Keras's own layers; `tf.vectorized_map`
then batches those calls over tasks, which XLA cannot compile in reasonable time. Here the
same arithmetic is written once for a whole meta-batch, layer by layer, so that
`tf.function(jit_compile=True)` compiles it in seconds:

    Dense      y_t = x_t W_t + b_t                          (a batched matmul)
    Conv2D     y_t = patches(x_t) K_t + b_t                 (im2col: a batched matmul)
    BatchNorm  y_t = gamma_t (x_t - mean_t) / sqrt(var_t + eps) + beta_t   (each task's own batch)
    pooling, flattening and activations act on every task alike.

Weights are the model's trainable variables in the usual order, each with a leading task axis
[T, ...]; inputs are [T, batch, ...]. Only chains of the layers above are supported:
`unsupported(model)` says why another model is not, and the learners then keep the
vectorized_map path. Each layer's arithmetic equals Keras's (tests/test_batched.py).
"""

import keras
import tensorflow as tf

from .i18n import _
from .layers import BatchNormalization


def _chain(model):
    """The model's layers in order, if each takes the previous one's output; else None."""
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    if isinstance(model, keras.Sequential):
        return layers
    previous = model.inputs[0] if len(model.inputs) == 1 else None
    for layer in layers:
        if previous is None or len(layer._inbound_nodes) != 1 or layer.input is not previous:
            return None
        previous = layer.output
    return layers if previous is model.outputs[0] and len(model.outputs) == 1 else None


SUPPORTED = (keras.layers.Dense, keras.layers.Conv2D, BatchNormalization, keras.layers.Activation,
             keras.layers.ReLU, keras.layers.GlobalAveragePooling2D, keras.layers.MaxPooling2D,
             keras.layers.Flatten)


def unsupported(model):
    """Why `model` cannot run with a task axis here (a sentence), or None when it can."""
    layers = _chain(model)
    if layers is None:
        return _("it is not a chain of layers (one input, one output, each layer feeding the next)")
    for layer in layers:
        if type(layer) not in SUPPORTED:
            return _("layer {layer!r} ({type}) has no task-batched version here", layer=layer.name,
                     type=type(layer).__name__)
        if isinstance(layer, keras.layers.Conv2D) and (
                layer.groups != 1 or layer.data_format != "channels_last" or max(layer.dilation_rate) > 1):
            return _("layer {layer!r}: only channels_last, undilated, ungrouped convolutions are batched",
                     layer=layer.name)
        if isinstance(layer, keras.layers.Dense) and len(layer.input.shape) != 2:
            return _("layer {layer!r}: only Dense layers on [batch, features] inputs are batched",
                     layer=layer.name)
        if isinstance(layer, BatchNormalization) and layer.axis not in (-1, len(layer.input.shape) - 1):
            return _("layer {layer!r}: only batch norm over the last axis is batched", layer=layer.name)
        if isinstance(layer, keras.layers.MaxPooling2D) and layer.data_format != "channels_last":
            return _("layer {layer!r}: only channels_last pooling is batched", layer=layer.name)
    return None


def _over_tasks(fn, x):
    """fn on [T * batch, ...] for x [T, batch, ...] (ops that act on every example alike)."""
    shape = tf.shape(x)
    y = fn(tf.reshape(x, tf.concat([[-1], shape[2:]], 0)))
    return tf.reshape(y, tf.concat([shape[:2], tf.shape(y)[1:]], 0))


class BatchedModel:
    """`BatchedModel(model)(weights, x)`: model(weights_t, x_t) for every task t at once.
    weights: the trainable variables' values, each [T, ...]; x: [T, batch, ...]."""

    def __init__(self, model, training=True):
        reason = unsupported(model)
        if reason:
            raise ValueError(_("model {model!r} cannot be batched over tasks: {reason}", model=model.name,
                               reason=reason))
        self.model = model
        self.training = training
        self.layers = _chain(model)
        self._index = {id(v): i for i, v in enumerate(model.trainable_variables)}

    @property
    def variables(self):
        """theta as Keras variables, in FunctionalModel's order (the order of `weights`)."""
        return self.model.trainable_variables

    def _weight(self, weights, variable):
        if variable is None:
            return None
        if id(variable) in self._index:
            return weights[self._index[id(variable)]]
        tasks = weights[0].shape[0]  # a frozen weight (trainable=False): the same for every task
        return tf.repeat(tf.convert_to_tensor(variable)[None], tasks, axis=0)

    def __call__(self, weights, x):
        for layer in self.layers:
            x = self._layer(layer, weights, x)
        return x

    def _layer(self, layer, weights, x):
        w = lambda variable: self._weight(weights, variable)  # noqa: E731
        if isinstance(layer, keras.layers.Dense):
            y = tf.matmul(x, w(layer.kernel))
            if layer.use_bias:
                y = y + w(layer.bias)[:, None, :]
            return layer.activation(y)
        if isinstance(layer, keras.layers.Conv2D):
            bias = w(layer.bias) if layer.use_bias else None
            return layer.activation(self._conv(layer, x, w(layer.kernel), bias))
        if isinstance(layer, BatchNormalization):
            return self._batch_norm(layer, x, w)
        if isinstance(layer, keras.layers.GlobalAveragePooling2D):
            return tf.reduce_mean(x, axis=(2, 3), keepdims=layer.keepdims)
        # layers that treat every example alike: Activation, ReLU, MaxPooling2D, Flatten
        return _over_tasks(layer, x)

    @staticmethod
    def _conv(layer, x, kernel, bias):
        """Each task's convolution as one batched matmul: the kh x kw patches of every position
        side by side (im2col, built from strided slices), times each task's kernel reshaped to
        [kh * kw * C, filters]. XLA compiles slices and matmuls well; on a CPU it runs grouped
        convolutions (one group per task) far slower."""
        kh, kw = layer.kernel_size
        sh, sw = layer.strides
        H, W, C = x.shape[2:]
        if layer.padding == "same":
            Ho, Wo = -(-H // sh), -(-W // sw)
            ph, pw = max((Ho - 1) * sh + kh - H, 0), max((Wo - 1) * sw + kw - W, 0)
            x = tf.pad(x, [[0, 0], [0, 0], [ph // 2, ph - ph // 2], [pw // 2, pw - pw // 2], [0, 0]])
        else:
            Ho, Wo = (H - kh) // sh + 1, (W - kw) // sw + 1
        patches = tf.concat([x[:, :, i:i + (Ho - 1) * sh + 1:sh, j:j + (Wo - 1) * sw + 1:sw, :]
                             for i in range(kh) for j in range(kw)], axis=-1)  # [T, B, Ho, Wo, kh kw C]
        T, B = tf.shape(x)[0], tf.shape(x)[1]
        y = tf.matmul(tf.reshape(patches, (T, -1, kh * kw * C)), tf.reshape(kernel, (T, kh * kw * C, -1)))
        y = tf.reshape(y, (T, B, Ho, Wo, kernel.shape[-1]))
        if bias is not None:
            y = y + bias[:, None, None, None, :]
        return y

    def _batch_norm(self, layer, x, w):
        """Each task's batch statistics (training) or the layer's moving ones, as the kit's
        exact-to-second-order BatchNormalization computes them."""
        axes = list(range(1, len(x.shape) - 1))
        shape = tf.concat([[tf.shape(x)[0]], tf.ones([len(axes)], tf.int32), [tf.shape(x)[-1]]], 0)
        if self.training and layer.trainable:  # Keras runs a frozen batch norm on its moving statistics
            mean = tf.reduce_mean(x, axis=axes, keepdims=True)
            variance = tf.reduce_mean(tf.square(x - mean), axis=axes, keepdims=True)
        else:
            mean, variance = (tf.convert_to_tensor(v) for v in (layer.moving_mean, layer.moving_variance))
        y = (x - mean) * tf.math.rsqrt(variance + layer.epsilon)
        if layer.scale:
            y = y * tf.reshape(w(layer.gamma), shape)
        if layer.center:
            y = y + tf.reshape(w(layer.beta), shape)
        return y
