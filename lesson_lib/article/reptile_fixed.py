"""The article's Reptile pattern, fixed (Lesson 8; taught in Lesson 3): copy theta's values, start
every task from them, keep copies of each task's final weights, then move theta a fraction epsilon
toward their mean (Nichol et al. 2018, Algorithm 2):

    theta <- theta + epsilon * (mean_i phi_i - theta)

epsilon = 1 is the article's theta* = mean of the tasks' final parameters."""

import tensorflow as tf

from .in_place import fine_tune_in_place, restore, snapshot, task


def reptile_meta_step(model, episode, alpha, inner_steps, epsilon):
    """One Reptile meta-step on the episode's tasks, written into the model's variables."""
    theta = snapshot(model)  # copies of the values, not the variables themselves
    phis = []
    for i in range(episode.num_tasks):
        x, y, _, _ = task(episode, i)
        restore(model, theta)  # every task starts from theta
        fine_tune_in_place(model, x, y, inner_steps, alpha)
        phis.append(snapshot(model))
    mean = [tf.reduce_mean(tf.stack(per_weight), axis=0) for per_weight in zip(*phis, strict=True)]
    restore(model, [t + epsilon * (m - t) for t, m in zip(theta, mean, strict=True)])
