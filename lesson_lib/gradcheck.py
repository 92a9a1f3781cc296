"""Finite-difference checks of meta-gradients (Lesson 2; tests/test_gradients.py).

The MAML objective as a plain function of theta, and its gradient by central differences:
the reference the autodiff meta-gradient must match (use float64)."""

import numpy as np
import tensorflow as tf


def post_adaptation_loss(learner, theta, episode):
    """Mean over the episode's tasks of the learner's per-task objective at weights `theta`."""
    theta = [tf.constant(t) for t in theta]
    return float(np.mean([learner.task_loss(theta, episode.support_x[i], episode.support_y[i],
                                            episode.query_x[i], episode.query_y[i])
                          for i in range(episode.num_tasks)]))


def finite_differences(learner, episode, eps=1e-6):
    """Central differences of `post_adaptation_loss` w.r.t. every weight, flattened."""
    theta = [v.numpy().copy() for v in learner.meta_parameters]
    grads = []
    for t in theta:
        for idx in np.ndindex(t.shape):
            old = t[idx]
            t[idx] = old + eps
            up = post_adaptation_loss(learner, theta, episode)
            t[idx] = old - eps
            down = post_adaptation_loss(learner, theta, episode)
            t[idx] = old
            grads.append((up - down) / (2 * eps))
    return np.array(grads)


def flat(arrays):
    """Concatenate a list of arrays or tensors into one vector."""
    return np.concatenate([np.ravel(a) for a in arrays])


def relative_error(a, b):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b)))
