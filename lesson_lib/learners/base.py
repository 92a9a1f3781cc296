"""The learner interface shared by every method in the kit, and the common machinery of the
learners that adapt by SGD from a learned start theta (MAML, first-order MAML, the
pretrained baseline).

A Learner offers:
- `meta_step(episode) -> float`: one outer update on a batch of tasks; returns the
  meta-loss, or NaN (and leaves its weights untouched) when the loss or a gradient is
  not finite.
- `adaptation_curve(episode, steps) -> array [T, steps + 1]`: query loss of each task
  after 0..steps adaptation steps on its support set.
- `predict(episode, x, steps) -> array [T, N, ...]`: predictions at x after adapting.
- `get_state() / set_state(state)`: every weight as a dict of arrays (checkpoints).
- `hyperparameters` (dict, for manifests) and `learning_rates` (dict, for messages).
"""

import keras
import numpy as np
import tensorflow as tf

from .. import checks
from ..functional import FunctionalModel, adapt, mse, sgd_path


class Learner:
    """Interface documentation; see the module docstring."""

    name = "learner"

    def meta_step(self, episode):
        raise NotImplementedError

    def adaptation_curve(self, episode, steps):
        raise NotImplementedError

    def predict(self, episode, x, steps):
        raise NotImplementedError

    def get_state(self):
        raise NotImplementedError

    def set_state(self, state):
        raise NotImplementedError


def _as_tensors(episode, dtype):
    return [tf.convert_to_tensor(a, dtype=dtype) for a in
            (episode.support_x, episode.support_y, episode.query_x, episode.query_y)]


def _all_finite(tensors):
    return tf.reduce_all([tf.reduce_all(tf.math.is_finite(tf.convert_to_tensor(t))) for t in tensors])


class GradientLearner(Learner):
    """Adapts by `steps` SGD steps of size alpha from theta (the model's weights).

    Subclasses define `task_loss(theta, sx, sy, qx, qy)`, the per-task objective whose mean
    over the meta-batch the outer optimizer minimises. The meta-step is vectorised over the
    tasks with `tf.vectorized_map` and compiled with `tf.function` (mode "vectorized"); mode
    "loop" runs the same per-task code eagerly, one task after another (the reference).
    """

    def __init__(self, model, alpha=0.01, inner_steps=1, optimizer=None, beta=1e-3, loss=mse):
        self.f = FunctionalModel(model)
        self.model = model
        self.alpha = checks.positive_number("alpha", alpha)
        self.inner_steps = checks.integer("inner_steps", inner_steps, 0)
        if optimizer is None:
            optimizer = keras.optimizers.Adam(checks.positive_number("beta", beta))
        if not isinstance(optimizer, keras.optimizers.Optimizer):
            raise TypeError(f"optimizer must be a keras.optimizers.Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.optimizer.build(self.f.variables)
        self.loss_fn = loss
        self.dtype = self.f.variables[0].dtype
        self._checked_shapes = set()
        self._compiled_step = tf.function(self._step)
        self._compiled_gradient = tf.function(self._loss_and_gradient)
        self._compiled_curve = tf.function(self._curve, reduce_retracing=True)

    # --- what subclasses define -------------------------------------------------------
    def task_loss(self, theta, sx, sy, qx, qy):
        raise NotImplementedError

    @property
    def hyperparameters(self):
        return {"alpha": self.alpha, "inner_steps": self.inner_steps,
                "optimizer": self.optimizer.__class__.__name__, "beta": self.beta}

    @property
    def beta(self):
        return float(tf.convert_to_tensor(self.optimizer.learning_rate))

    @property
    def learning_rates(self):
        return {"alpha (inner step)": self.alpha, "beta (outer learning rate)": self.beta}

    # --- input checks -----------------------------------------------------------------
    def check_episode(self, episode):
        """The model's output must have the shape of one task's targets."""
        key = (episode.support_x.shape[2:], episode.support_y.shape[2:])
        if key in self._checked_shapes:
            return
        x = tf.convert_to_tensor(episode.support_x[0], dtype=self.dtype)
        try:
            out = self.f(self.f.theta(), x)
        except Exception as error:  # the model cannot take these inputs at all
            raise ValueError(f"model does not accept inputs of shape {tuple(x.shape)} "
                             f"(one task's support_x): {error}") from None
        if tuple(out.shape) != episode.support_y.shape[1:]:
            raise ValueError(f"model output shape {tuple(out.shape)} does not fit the task: "
                             f"targets have shape {episode.support_y.shape[1:]} (K, ...) "
                             f"for inputs {tuple(x.shape)}")
        self._checked_shapes.add(key)

    # --- meta-training ------------------------------------------------------------------
    def _loss_and_gradient(self, sx, sy, qx, qy, vectorized=True):
        theta = self.f.theta()
        with tf.GradientTape() as tape:
            tape.watch(theta)
            if vectorized:
                losses = tf.vectorized_map(lambda t: self.task_loss(theta, *t), (sx, sy, qx, qy))
            else:
                losses = tf.stack([self.task_loss(theta, sx[i], sy[i], qx[i], qy[i])
                                   for i in range(sx.shape[0])])
            loss = tf.reduce_mean(losses)
        grads = tape.gradient(loss, theta, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return loss, grads

    def _step(self, sx, sy, qx, qy):
        """One outer update. If the loss, a gradient, or the updated weights are not finite
        (huge but finite gradients can still overflow inside Adam), the weights and the
        optimizer's state are put back as they were and NaN is returned."""
        loss, grads = self._loss_and_gradient(sx, sy, qx, qy)
        guarded = self.f.variables + self.optimizer.variables
        saved = [tf.identity(tf.convert_to_tensor(v)) for v in guarded]
        nan = tf.constant(np.nan, loss.dtype)

        def restore():
            for v, value in zip(guarded, saved, strict=True):
                v.assign(value)
            return nan

        def apply():
            self.optimizer.apply(grads, self.f.variables)
            return tf.cond(_all_finite(self.f.variables), lambda: loss, restore)

        return tf.cond(_all_finite(grads + [loss]), apply, lambda: nan)

    def meta_gradient(self, episode, mode="vectorized"):
        """(meta-loss, gradient w.r.t. theta) without updating anything.

        mode "vectorized": vectorized_map inside tf.function; "loop": eager per-task loop.
        """
        self.check_episode(episode)
        tensors = _as_tensors(episode, self.dtype)
        if mode == "vectorized":
            loss, grads = self._compiled_gradient(*tensors)
        elif mode == "loop":
            loss, grads = self._loss_and_gradient(*tensors, vectorized=False)
        else:
            raise ValueError(f"mode must be 'vectorized' or 'loop', got {mode!r}")
        return float(loss), [g.numpy() for g in grads]

    def meta_step(self, episode):
        """One outer update on the episode's tasks; returns the meta-loss (NaN if diverged)."""
        self.check_episode(episode)
        return float(self._compiled_step(*_as_tensors(episode, self.dtype)))

    def meta_step_loop(self, episode):
        """The same outer update computed eagerly task by task (the slow reference)."""
        loss, grads = self._loss_and_gradient(*_as_tensors(episode, self.dtype), vectorized=False)
        self.optimizer.apply(grads, self.f.variables)
        return float(loss)

    # --- adaptation ---------------------------------------------------------------------
    def _curve(self, sx, sy, qx, qy, alpha, steps):
        theta = self.f.theta()

        def one_task(task):
            tsx, tsy, tqx, tqy = task
            path = sgd_path(self.f, theta, tsx, tsy, steps, alpha, self.loss_fn, second_order=False)
            return tf.stack([self.loss_fn(tqy, self.f(phi, tqx)) for phi in path])

        return tf.vectorized_map(one_task, (sx, sy, qx, qy))

    def adaptation_curve(self, episode, steps, alpha=None):
        """Query loss of each task after 0..steps SGD steps on its support set: [T, steps+1]."""
        checks.integer("steps", steps, 0)
        alpha = self.alpha if alpha is None else checks.positive_number("alpha", alpha)
        self.check_episode(episode)
        curve = self._compiled_curve(*_as_tensors(episode, self.dtype),
                                     tf.constant(alpha, self.dtype), steps)
        return curve.numpy()

    def predict(self, episode, x, steps, alpha=None):
        """Predictions at x [T, N, ...] after `steps` SGD steps on each task's support set."""
        checks.integer("steps", steps, 0)
        alpha = self.alpha if alpha is None else checks.positive_number("alpha", alpha)
        self.check_episode(episode)
        sx, sy, _, _ = _as_tensors(episode, self.dtype)
        x = tf.convert_to_tensor(x, self.dtype)
        theta = self.f.theta()

        def one_task(task):
            phi = adapt(self.f, theta, task[0], task[1], steps, alpha, self.loss_fn, second_order=False)
            return self.f(phi, task[2])

        return tf.vectorized_map(one_task, (sx, sy, x)).numpy()

    # --- state --------------------------------------------------------------------------
    def get_state(self):
        """Every model weight (trainable or not), keyed by position: Keras layer names
        depend on what else the process built, positions do not."""
        return {f"model/{i:03d}": v.numpy() for i, v in enumerate(self.model.weights)}

    def set_state(self, state):
        current = self.get_state()
        if set(state) != set(current):
            missing, extra = sorted(set(current) - set(state)), sorted(set(state) - set(current))
            raise ValueError(f"state does not fit this learner: missing {missing}, unexpected {extra}")
        for name, value in state.items():
            if value.shape != current[name].shape:
                raise ValueError(f"state[{name!r}] has shape {value.shape}, the learner needs "
                                 f"{current[name].shape}")
        for i, v in enumerate(self.model.weights):
            v.assign(state[f"model/{i:03d}"])
