"""Reptile (Nichol, Achiam, Schulman 2018, "On First-Order Meta-Learning Algorithms",
Algorithm 2) (Lesson 3).

For each task i of the meta-batch, run k steps of SGD (or Adam) on its support set from
theta to get phi_i; then move theta toward the tasks' final weights:

    theta <- theta + epsilon * (1/n) * sum_i (phi_i - theta)

with epsilon annealed linearly from `epsilon` to `epsilon_final` over `anneal_iterations`.
No second derivatives and no outer optimizer: the update direction is the average of
(phi_i - theta). With epsilon = 1 the update *is* theta <- mean_i phi_i, the "average of the
task-final weights" (theta* = mean_i theta_i) that some tutorials write: a special case.
"""

import keras
import tensorflow as tf

from .. import checks
from ..functional import adam_path, mse, sgd_path
from ..i18n import N_, _
from .base import Learner, SGDAdaptation, guarded_update


class Reptile(SGDAdaptation, Learner):
    """`Reptile(model, alpha=0.01, inner_steps=5, epsilon=1.0, epsilon_final=0.0, anneal_iterations=N)`."""

    name = "Reptile"

    def __init__(self, model, *, alpha=0.01, inner_steps=5, epsilon=1.0, epsilon_final=None,
                 anneal_iterations=0, inner_optimizer="sgd", loss=mse):
        super().__init__(model, alpha=alpha, inner_steps=checks.integer("inner_steps", inner_steps, 1),
                         loss=loss)
        self.epsilon = checks.positive_number("epsilon", epsilon)
        self.epsilon_final = self.epsilon if epsilon_final is None else float(epsilon_final)
        if not 0 <= self.epsilon_final <= self.epsilon:
            raise ValueError(_("epsilon_final must be in [0, epsilon={epsilon}], got {epsilon_final!r}",
                               epsilon=self.epsilon, epsilon_final=epsilon_final))
        self.anneal_iterations = checks.integer("anneal_iterations", anneal_iterations, 0)
        if inner_optimizer not in ("sgd", "adam"):
            raise ValueError(_("inner_optimizer must be 'sgd' or 'adam', got {inner_optimizer!r}",
                               inner_optimizer=inner_optimizer))
        self.inner_optimizer = inner_optimizer
        self.iteration = keras.Variable(0, dtype="int64", trainable=False, name="reptile_iteration")

    def state_groups(self):
        return {**super().state_groups(), "meta": [self.iteration]}

    @property
    def hyperparameters(self):
        return {**super().hyperparameters, "epsilon": self.epsilon, "epsilon_final": self.epsilon_final,
                "anneal_iterations": self.anneal_iterations, "inner_optimizer": self.inner_optimizer}

    @property
    def learning_rates(self):
        return {**super().learning_rates, N_("epsilon (outer step)"): self.epsilon}

    def epsilon_at(self, iteration):
        """Linear annealing from epsilon to epsilon_final over anneal_iterations."""
        if not self.anneal_iterations:
            return tf.constant(self.epsilon, self.dtype)
        done = tf.minimum(tf.cast(iteration, self.dtype) / self.anneal_iterations, 1.0)
        return self.epsilon + (self.epsilon_final - self.epsilon) * done

    def task_path(self, theta, sx, sy, steps, alpha):
        path = adam_path if self.inner_optimizer == "adam" else sgd_path
        kwargs = {} if self.inner_optimizer == "adam" else {"second_order": False}
        return path(self.f, theta, sx, sy, steps, alpha, self.loss_fn, **kwargs)

    def _final_weights(self, theta, sx, sy, qx, qy):
        *_earlier, phi = self.task_path(theta, sx, sy, self.inner_steps, self.alpha)
        return phi, self.loss_fn(qy, self.f(phi, qx))

    def outer_step(self, sx, sy, qx, qy, vectorized=True):
        """theta <- theta + epsilon * mean_i(phi_i - theta); returns the mean query loss at phi_i."""
        theta = self.params()
        phis, losses = self.map_tasks(lambda *task: self._final_weights(theta, *task), (sx, sy, qx, qy),
                                      vectorized)
        directions = [tf.reduce_mean(phi, axis=0) - t for phi, t in zip(phis, theta, strict=True)]
        epsilon = self.epsilon_at(self.iteration)

        def update():
            for v, t, d in zip(self.meta_parameters, theta, directions, strict=True):
                v.assign(t + epsilon * d)
            self.iteration.assign_add(1)

        variables = self.meta_parameters + [self.iteration]
        return guarded_update(tf.reduce_mean(losses), directions, update, variables)

    def task_loss(self, theta, sx, sy, qx, qy):
        """Reptile follows no loss gradient; this is the query loss after its inner loop,
        the quantity the training loop reports."""
        return self._final_weights(theta, sx, sy, qx, qy)[1]
