"""Meta-LSTM (Ravi & Larochelle 2017, "Optimization as a Model for Few-Shot Learning")
(Lesson 4).

The learner's parameters are the cell state of an LSTM. At inner step t, with the
learner's loss L_t and gradient g_t at c_{t-1}:

    h_t = LSTM_1(preprocess(L_t), preprocess(g_t))                (coordinate-wise, 20 units)
    f_t = sigmoid(W_F [h_t, c_{t-1}, f_{t-1}] + b_F)              forget gate: shrinkage
    i_t = sigmoid(W_I [h_t, c_{t-1}, i_{t-1}] + b_I)              input gate: learning rate
    c_t = f_t * c_{t-1} - i_t * g_t

c_0 is learned (it is the model's own weights, the learner's initialisation); W_F, W_I and
LSTM_1 are shared by every coordinate. Gradient preprocessing (Andrychowicz et al. 2016),
p = 10: x -> (log|x| / p, sign x) if |x| >= e^-p, else (-1, e^p x). Initialisation:
weights U(-0.01, 0.01), b_F ~ U(4, 5), b_I ~ U(-5, -4), so it starts as gradient descent
with a small step. The learner's loss and gradient are inputs: no second derivatives flow
through them unless second_order=True. Meta-optimizer: Adam with gradient-norm clipping.

With the gates frozen at f = 1, i = alpha the update is exactly SGD (tests check it).
"""

import keras
import numpy as np
import tensorflow as tf

from .. import checks
from ..functional import loss_and_gradient, mse
from .base import MetaGradientLearner, as_tensors


def preprocess(x, p=10.0):
    """(log|x| / p, sign x) if |x| >= e^-p, else (-1, e^p x); stacked on a new last axis."""
    x = tf.convert_to_tensor(x)
    magnitude = tf.abs(x)
    large = magnitude >= tf.exp(tf.constant(-p, x.dtype))
    safe = tf.where(large, magnitude, tf.ones_like(x))  # keeps log finite on the unused branch
    first = tf.where(large, tf.math.log(safe) / p, -tf.ones_like(x))
    second = tf.where(large, tf.sign(x), tf.exp(tf.constant(p, x.dtype)) * x)
    return tf.stack([first, second], axis=-1)


def cell_update(c, f, i, g):
    """The cell-state update as an optimizer step: c_t = f_t * c_{t-1} - i_t * g_t, coordinate-wise
    (c: the weights c_{t-1}, f: forget gate, i: input gate, g: the gradient at c_{t-1}).
    With f = 1 and i = alpha it is an SGD step."""
    return f * c - i * g


class MetaLSTM(MetaGradientLearner):
    """`MetaLSTM(model, inner_steps=5)`: learns the initial weights and the update rule."""

    name = "Meta-LSTM"
    adapts_by_steps = True

    def __init__(self, model, *, inner_steps=5, hidden=20, p=10.0, optimizer=None, beta=1e-3, clipnorm=0.25,
                 second_order=False, frozen_gates=None, seed=0, loss=mse):
        self.inner_steps = checks.integer("inner_steps", inner_steps, 0)
        self.hidden = checks.integer("hidden", hidden, 1)
        self.p = checks.positive_number("p", p)
        self.second_order = bool(second_order)
        if frozen_gates is not None:
            f, i = frozen_gates
            frozen_gates = (float(f), checks.positive_number("frozen_gates[1] (input gate)", i))
        self.frozen_gates = frozen_gates
        super().__init__(model, optimizer=optimizer, beta=beta, loss=loss,
                         **({} if optimizer else {"global_clipnorm": clipnorm}))
        rng = np.random.default_rng(checks.integer("seed", seed, 0))
        dtype = self.dtype

        def var(values, name):
            return keras.Variable(np.asarray(values, dtype=dtype), name=name)

        small = lambda *shape: rng.uniform(-0.01, 0.01, shape)
        self.lstm_variables = [
            var(small(4, 4 * hidden), "lstm1_kernel"), var(small(hidden, 4 * hidden), "lstm1_recurrent"),
            var(np.zeros(4 * hidden), "lstm1_bias"),
            var(small(hidden + 2, 1), "W_F"), var(rng.uniform(4, 5, (1,)), "b_F"),
            var(small(hidden + 2, 1), "W_I"), var(rng.uniform(-5, -4, (1,)), "b_I"),
        ]
        self._shapes = [tuple(v.shape) for v in self.f.variables]
        self._sizes = [int(np.prod(s)) for s in self._shapes]
        self.build_optimizer()

    @property
    def meta_parameters(self):
        return self.f.variables + self.lstm_variables

    def state_groups(self):
        return {**super().state_groups(), "meta": self.lstm_variables}

    @property
    def hyperparameters(self):
        return {"inner_steps": self.inner_steps, "hidden": self.hidden, "p": self.p,
                "second_order": self.second_order, **super().hyperparameters}

    def _unflatten(self, c):
        return [tf.reshape(part, shape) for part, shape in
                zip(tf.split(c, self._sizes), self._shapes, strict=True)]

    def _gates(self, meta, h, c, f_prev, i_prev):
        *_, w_f, b_f, w_i, b_i = meta
        f = tf.sigmoid(tf.concat([h, c[:, None], f_prev[:, None]], axis=1) @ w_f + b_f)[:, 0]
        i = tf.sigmoid(tf.concat([h, c[:, None], i_prev[:, None]], axis=1) @ w_i + b_i)[:, 0]
        return f, i

    def gate_path(self, params, sx, sy, steps):
        """Yield (weights c_t, forget gate f_t, input gate i_t) for t = 0..steps (f_0 = i_0 = 0)."""
        n = len(self._shapes)
        theta, meta = params[:n], params[n:]
        kernel, recurrent, bias = meta[:3]
        c = tf.concat([tf.reshape(w, [-1]) for w in theta], axis=0)
        f = i = tf.zeros_like(c)
        h = state = tf.zeros([c.shape[0], self.hidden], c.dtype)
        weights = list(theta)
        yield weights, f, i
        for _ in range(steps):
            loss, grads = loss_and_gradient(self.f, weights, sx, sy, self.loss_fn)
            g = tf.concat([tf.reshape(gw, [-1]) for gw in grads], axis=0)
            if not self.second_order:
                g, loss = tf.stop_gradient(g), tf.stop_gradient(loss)
            loss_per_coordinate = tf.fill(tf.shape(g), loss)
            features = tf.concat([preprocess(loss_per_coordinate, self.p), preprocess(g, self.p)], axis=1)
            z = features @ kernel + h @ recurrent + bias
            z_i, z_f, z_g, z_o = tf.split(z, 4, axis=1)
            state = tf.sigmoid(z_f) * state + tf.sigmoid(z_i) * tf.tanh(z_g)
            h = tf.sigmoid(z_o) * tf.tanh(state)
            if self.frozen_gates is None:
                f, i = self._gates(meta, h, c, f, i)
            else:
                f, i = (tf.fill(tf.shape(c), tf.constant(v, c.dtype)) for v in self.frozen_gates)
            c = cell_update(c, f, i, g)
            weights = self._unflatten(c)
            yield weights, f, i

    def task_path(self, params, sx, sy, steps, alpha):
        for weights, _, _ in self.gate_path(params, sx, sy, steps):
            yield weights

    def task_output(self, params, weights, x):
        return self.f(weights, x)

    def task_loss(self, params, sx, sy, qx, qy):
        """Query loss after inner_steps learned updates from c_0."""
        *_, weights = self.task_path(params, sx, sy, self.inner_steps, None)
        return self.loss_fn(qy, self.f(weights, qx))

    def gates(self, episode, steps):
        """Mean forget and input gate over coordinates, per task and step: two arrays [T, steps]
        (Lesson 4 plots them)."""
        sx, sy, _, _ = as_tensors(episode, self.dtype)
        params = self.params()
        out = []
        for t in range(sx.shape[0]):
            trace = list(self.gate_path(params, sx[t], sy[t], steps))[1:]
            out.append([[float(tf.reduce_mean(f)), float(tf.reduce_mean(i))] for _, f, i in trace])
        out = np.asarray(out).reshape(sx.shape[0], steps, 2)
        return out[..., 0], out[..., 1]
