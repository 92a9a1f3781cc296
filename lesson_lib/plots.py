"""Figures for the lessons. Plots only draw: they never train or adapt."""

import matplotlib.pyplot as plt
import numpy as np

from .tasks import Sinusoid


def plot_sinusoid_tasks(episode, ax=None, x_range=(-5.0, 5.0)):
    """Each task's true curve y = A sin(x - phase) with its K support points (Lesson 0)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    grid = np.linspace(*x_range, 200)
    for i, (a, p) in enumerate(zip(episode.info["amplitude"], episode.info["phase"], strict=True)):
        (line,) = ax.plot(grid, Sinusoid.function(a, p, grid), lw=1.5, label=f"A = {a:.2f}, phase = {p:.2f}")
        ax.scatter(episode.support_x[i, :, 0], episode.support_y[i, :, 0], color=line.get_color(), zorder=3)
    ax.set(xlabel="x", ylabel="y", xlim=x_range, ylim=(-5.5, 5.5),
           title=f"{episode.num_tasks} sinusoid tasks, K = {episode.shots} support points each")
    ax.legend(fontsize=8, loc="upper right")
    return ax
