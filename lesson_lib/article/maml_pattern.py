"""The article's MAML code pattern, reproduced minimally in TensorFlow (Lesson 8): the pattern, not
the article's code.

Its four defects, each marked `# defect` below:
1. theta is a fresh random variable shaped like the model's first weight tensor only, unrelated to
   the model's initialisation;
2. theta is handed to the Keras model as an extra argument; a Keras model computes with its own
   variables, so the outer loss does not depend on theta and its gradient is None (Keras 3 refuses
   the call outright: see `keras_refusals`);
3. the inner step is applied in place to the model's variables and never undone: no path from the
   outer loss back to the start, and every task starts where the previous one ended;
4. one loss (the task's own data) for the inner and the outer step, and an outer step per task
   instead of one over a meta-batch.
"""

from dataclasses import dataclass

import keras
import tensorflow as tf

from ..functional import FunctionalModel, adapt, mse
from .in_place import fine_tune_in_place, restore, snapshot, task


@dataclass
class PatternRun:
    theta: tf.Variable  # the pattern's theta (defect 1)
    theta_gradients: list  # d outer loss / d theta, per task (defect 2: None)
    starts: list  # the model's weights when each task begins (defect 3)
    final: list  # the model's weights at the end


def article_maml(model, episode, alpha, seed=0):
    """Run the article's MAML pattern over the episode's tasks, one after another; returns a
    PatternRun. The outer step on theta is taken when its gradient exists (it never does:
    Keras 3 would stop there with "No gradients provided for any variable")."""
    variables = model.trainable_variables
    theta = tf.Variable(tf.random.normal(variables[0].shape, seed=seed, dtype=variables[0].dtype))  # defect 1
    theta_gradients, starts = [], []
    for i in range(episode.num_tasks):  # defect 4: an outer step per task
        x, y, _, _ = task(episode, i)  # defect 4: one loss, the task's own data
        starts.append(snapshot(model))
        fine_tune_in_place(model, x, y, 1, alpha)  # defect 3: in place, never undone
        with tf.GradientTape() as tape:
            outer_loss = mse(y, model(x, training=theta))  # defect 2: Keras takes it as its training flag
        gradient = tape.gradient(outer_loss, theta)
        theta_gradients.append(gradient)
        if gradient is not None:
            theta.assign_sub(alpha * gradient)
    return PatternRun(theta, theta_gradients, starts, snapshot(model))


def keras_refusals(model, x, theta):
    """What Keras 3 says to the pattern's two calls: the model called with theta as a second
    positional argument, and an optimizer asked to step on a None gradient. Returns
    (error type and message) for each."""
    messages = []
    for attempt in (lambda: model(x, theta), lambda: keras.optimizers.SGD(0.1).apply([None], [theta])):
        try:
            attempt()
            messages.append("no error")
        except (TypeError, ValueError) as error:
            messages.append(f"{type(error).__name__}: {error}")
    return messages


def pattern_meta_gradient(model, episode, alpha, reset=False, split=False):
    """The meta-gradient the pattern would give if it differentiated its outer loss w.r.t. the
    model's own weights instead of the unrelated theta: per task an in-place SGD step, then the
    gradient of the outer loss at the updated weights, averaged over tasks.

    reset=True puts the weights back to theta before each task; split=True scores the adapted
    weights on the query set instead of the support set. The model's weights are put back at
    the end, so variants can be compared at the same theta."""
    variables = model.trainable_variables
    theta = snapshot(model)
    grads = []
    for i in range(episode.num_tasks):
        if reset:
            restore(model, theta)
        sx, sy, qx, qy = task(episode, i)
        fine_tune_in_place(model, sx, sy, 1, alpha)  # the tape below never sees this step
        x, y = (qx, qy) if split else (sx, sy)
        with tf.GradientTape() as tape:
            outer_loss = mse(y, model(x))
        grads.append(tape.gradient(outer_loss, variables))
    restore(model, theta)
    return [tf.reduce_mean(per_task, axis=0) for per_task in zip(*grads, strict=True)]


def sequential_fine_tuning(model, episode, alpha):
    """The model's weights after one SGD step on each task's support set in turn, each from
    where the previous ended (plain transfer-style fine-tuning, Lesson 1), computed
    functionally without touching the model: what the pattern's final weights must equal."""
    f = FunctionalModel(model)
    phi = f.theta()
    for i in range(episode.num_tasks):
        x, y, _, _ = task(episode, i)
        phi = adapt(f, phi, tf.constant(x), tf.constant(y), 1, alpha, mse, second_order=False)
    return phi
