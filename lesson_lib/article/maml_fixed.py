"""The article's MAML pattern, fixed (Lesson 8; taught in Lesson 2): theta is the model's own
weights, the inner step is functional (the model run with the weights we pass, so the outer tape
sees through it), every task starts from theta, the outer loss is the query loss, and one outer
step is taken on the mean over a meta-batch."""

import tensorflow as tf

from ..functional import FunctionalModel, mse
from .in_place import task


def inner_step(f, phi, x, y, alpha):
    """phi - alpha * grad of mse(y, f(phi, x)): a new list of tensors, differentiable w.r.t.
    phi when an outer tape is watching (second order)."""
    with tf.GradientTape() as tape:
        tape.watch(phi)
        loss = mse(y, f(phi, x))
    grads = tape.gradient(loss, phi)
    return [p - alpha * g for p, g in zip(phi, grads, strict=True)]


def maml_meta_gradient(model, episode, alpha, steps=1):
    """(meta-loss, its gradient w.r.t. the model's weights theta): the mean over the episode's
    tasks of the query loss after `steps` SGD steps on the support set, each from theta. The
    model's variables are not changed."""
    f = FunctionalModel(model)
    theta = f.theta()  # the model's own weights, as tensors
    with tf.GradientTape() as tape:
        tape.watch(theta)
        losses = []
        for i in range(episode.num_tasks):
            sx, sy, qx, qy = task(episode, i)
            phi = theta  # every task starts from theta
            for _ in range(steps):
                phi = inner_step(f, phi, sx, sy, alpha)
            losses.append(mse(qy, f(phi, qx)))  # scored on the query set
        meta_loss = tf.reduce_mean(losses)  # one objective over the meta-batch
    return meta_loss, tape.gradient(meta_loss, theta)


def maml_meta_step(model, optimizer, episode, alpha, steps=1):
    """One outer step of `optimizer` on the meta-gradient of the whole meta-batch; returns the
    meta-loss."""
    meta_loss, grads = maml_meta_gradient(model, episode, alpha, steps)
    optimizer.apply(grads, model.trainable_variables)
    return float(meta_loss)
