"""Sinusoid regression, exactly as in the MAML paper (Finn et al. 2017, section 5.1).

A task is y = A sin(x - phase) with A ~ U[0.1, 5.0], phase ~ U[0, pi], and inputs
x ~ U[-5, 5]; the loss is the mean squared error. Lesson 0 draws them.
"""

import numpy as np

from .. import checks
from ..i18n import _
from .episode import Episode


class Sinusoid:
    """Seeded sampler of sinusoid episodes: `Sinusoid(seed=0).sample(25, K=10)`."""

    def __init__(self, seed=0, amplitude_range=(0.1, 5.0), phase_range=(0.0, np.pi),
                 x_range=(-5.0, 5.0), dtype="float32"):
        checks.integer("seed", seed, 0)
        self.amplitude_range = checks.interval("amplitude_range", amplitude_range)
        self.phase_range = checks.interval("phase_range", phase_range)
        self.x_range = checks.interval("x_range", x_range)
        self.dtype = np.dtype(dtype)
        self.rng = np.random.default_rng(seed)

    @staticmethod
    def function(amplitude, phase, x):
        """y = A sin(x - phase), broadcast over tasks."""
        return amplitude * np.sin(x - phase)

    def sample(self, num_tasks, K, Q=None):
        """An Episode of `num_tasks` random tasks with K support and Q query points each."""
        checks.integer("num_tasks", num_tasks, 1)
        checks.integer("K", K, 1)
        Q = K if Q is None else checks.integer("Q", Q, 1)
        amplitude = self.rng.uniform(*self.amplitude_range, size=num_tasks)
        phase = self.rng.uniform(*self.phase_range, size=num_tasks)
        return self.episode(amplitude, phase, K, Q)

    def episode(self, amplitude, phase, K, Q=None):
        """An Episode for given amplitudes and phases (one task each), random x points."""
        checks.integer("K", K, 1)
        Q = K if Q is None else checks.integer("Q", Q, 1)
        amplitude = np.atleast_1d(np.asarray(amplitude, dtype=np.float64))
        phase = np.atleast_1d(np.asarray(phase, dtype=np.float64))
        if amplitude.shape != phase.shape or amplitude.ndim != 1:
            raise ValueError(_("amplitude and phase must be scalars or 1-D arrays of one shape, got "
                               "{amplitude} and {phase}", amplitude=amplitude.shape, phase=phase.shape))
        x = self.rng.uniform(*self.x_range, size=(len(amplitude), K + Q, 1))
        y = self.function(amplitude[:, None, None], phase[:, None, None], x)
        x, y = x.astype(self.dtype), y.astype(self.dtype)
        return Episode(x[:, :K], y[:, :K], x[:, K:], y[:, K:],
                       {"amplitude": amplitude, "phase": phase})
