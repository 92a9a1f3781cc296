"""Reptile (Nichol, Achiam, Schulman 2018, "On First-Order Meta-Learning Algorithms",
Algorithm 2) (Lesson 3).

For each task i of the meta-batch, run k steps of SGD (or Adam) on its support set from
theta to get phi_i; then move theta toward the tasks' final weights:

    theta <- theta + epsilon * (1/n) * sum_i (phi_i - theta)

with epsilon annealed linearly from `epsilon` to `epsilon_final` over `anneal_iterations`.
`inner_batch` makes each inner step use a minibatch of that many support examples
(functional.minibatch) instead of all of them, as the paper's code does (10 of 50 on Omniglot).
It matters: the second-order part of Reptile's update rewards gradients that agree across
*different* minibatches of a task, i.e. weights that generalise within the task; with the same
full batch at every step that term only rewards fitting data already seen. Meta-trained from
the same seed for 1,500 iterations, 5-way 1-shot tracking accuracy was 51% with full batches,
70% with minibatches of 10 (README, Omniglot).
With the Adam inner optimizer, `adam_state="carried"` keeps Adam's second moments v and step
count t from one meta-iteration to the next, as the paper's code does (its `reptile.py` restores
only the trainable variables after each task, so the optimizer's slots run on through training
and into evaluation); "reset" (the default) starts every task with a fresh optimizer, whose first
step moves every weight by alpha whatever its gradient's size. The tasks of a meta-batch run side
by side here, not one after another, so each starts from the same carried state and the state
carried on is the mean of their final v (the code's sequential carry weights the last task most).
No second derivatives and no outer optimizer: the update direction is the average of
(phi_i - theta). With epsilon = 1 the update *is* theta <- mean_i phi_i, the "average of the
task-final weights" (theta* = mean_i theta_i) that some tutorials write: a special case.
"""

import keras
import tensorflow as tf

from .. import checks
from ..functional import adam_states, mse, sgd_path
from ..i18n import N_, _
from .base import Learner, SGDAdaptation, guarded_update


class Reptile(SGDAdaptation, Learner):
    """`Reptile(model, alpha=0.01, inner_steps=5, epsilon=1.0, epsilon_final=0.0, anneal_iterations=N,
    inner_batch=None, inner_optimizer="sgd", adam_state="reset")`."""

    name = "Reptile"

    def __init__(self, model, *, alpha=0.01, inner_steps=5, epsilon=1.0, epsilon_final=None,
                 anneal_iterations=0, inner_optimizer="sgd", inner_batch=None, adam_state="reset", loss=mse):
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
        if adam_state not in ("reset", "carried") or (adam_state == "carried" and inner_optimizer != "adam"):
            raise ValueError(_("adam_state must be 'reset' or 'carried' (with inner_optimizer='adam'), "
                               "got {adam_state!r}", adam_state=adam_state))
        self.adam_state = adam_state
        self.inner_batch = None if inner_batch is None else checks.integer("inner_batch", inner_batch, 1)
        self.iteration = keras.Variable(0, dtype="int64", trainable=False, name="reptile_iteration")
        self.adam_v, self.adam_t = [], []  # the carried Adam state (empty: reset for every task)
        if adam_state == "carried":
            self.adam_v = [keras.Variable(keras.ops.zeros_like(w), trainable=False, name="adam_v")
                           for w in self.meta_parameters]
            self.adam_t = [keras.Variable(0.0, dtype=self.dtype, trainable=False, name="adam_t")]

    def state_groups(self):
        carried = {"adam": self.adam_v + self.adam_t} if self.adam_v else {}
        return {**super().state_groups(), "meta": [self.iteration], **carried}

    @property
    def hyperparameters(self):
        return {**super().hyperparameters, "epsilon": self.epsilon, "epsilon_final": self.epsilon_final,
                "anneal_iterations": self.anneal_iterations, "inner_optimizer": self.inner_optimizer,
                "inner_batch": self.inner_batch, "adam_state": self.adam_state}

    @property
    def state_options(self):
        return {"adam_state": self.adam_state}

    @property
    def learning_rates(self):
        return {**super().learning_rates, N_("epsilon (outer step)"): self.epsilon}

    def epsilon_at(self, iteration):
        """Linear annealing from epsilon to epsilon_final over anneal_iterations."""
        if not self.anneal_iterations:
            return tf.constant(self.epsilon, self.dtype)
        done = tf.minimum(tf.cast(iteration, self.dtype) / self.anneal_iterations, 1.0)
        return self.epsilon + (self.epsilon_final - self.epsilon) * done

    def task_states(self, theta, sx, sy, steps, alpha):
        """(phi, v) after 0..steps inner steps: v is Adam's second moments ([] for SGD)."""
        if self.inner_optimizer == "sgd":
            for phi in sgd_path(self.f, theta, sx, sy, steps, alpha, self.loss_fn, second_order=False,
                                batch=self.inner_batch):
                yield phi, []
            return
        carried = {"v": [tf.convert_to_tensor(v) for v in self.adam_v],
                   "t": tf.convert_to_tensor(self.adam_t[0])} if self.adam_v else {}
        yield from adam_states(self.f, theta, sx, sy, steps, alpha, self.loss_fn, batch=self.inner_batch,
                               **carried)

    def task_path(self, theta, sx, sy, steps, alpha):
        for phi, _v in self.task_states(theta, sx, sy, steps, alpha):
            yield phi

    def _final_weights(self, theta, sx, sy, qx, qy):
        *_earlier, (phi, v) = self.task_states(theta, sx, sy, self.inner_steps, self.alpha)
        return phi, self.loss_fn(qy, self.f(phi, qx)), v if self.adam_v else []

    def _carry_adam_state(self, vs):
        """v <- the mean of the tasks' final v, t <- t + inner_steps (adam_state="carried")."""
        for carried, v in zip(self.adam_v, vs, strict=True):
            carried.assign(tf.reduce_mean(v, axis=0))
        for t in self.adam_t:
            t.assign_add(float(self.inner_steps))

    def outer_step(self, sx, sy, qx, qy, vectorized=True):
        """theta <- theta + epsilon * mean_i(phi_i - theta); returns the mean query loss at phi_i."""
        theta = self.params()
        phis, losses, vs = self.map_tasks(lambda *task: self._final_weights(theta, *task), (sx, sy, qx, qy),
                                          vectorized)
        directions = [tf.reduce_mean(phi, axis=0) - t for phi, t in zip(phis, theta, strict=True)]
        epsilon = self.epsilon_at(self.iteration)

        def update():
            for variable, t, d in zip(self.meta_parameters, theta, directions, strict=True):
                variable.assign(t + epsilon * d)
            self.iteration.assign_add(1)
            self._carry_adam_state(vs)

        variables = self.meta_parameters + [self.iteration] + self.adam_v + self.adam_t
        return guarded_update(tf.reduce_mean(losses), directions, update, variables)

    def task_loss(self, theta, sx, sy, qx, qy):
        """Reptile follows no loss gradient; this is the query loss after its inner loop,
        the quantity the training loop reports."""
        return self._final_weights(theta, sx, sy, qx, qy)[1]
