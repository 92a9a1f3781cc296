"""An episode: T tasks, each with K support and Q query examples (Lesson 0).

Arrays are stacked over tasks: support_x [T, K, ...], support_y [T, K, ...],
query_x [T, Q, ...], query_y [T, Q, ...]. A learner adapts on the support set and is
scored on the query set of the same task.
"""

from dataclasses import dataclass, field

import numpy as np

from ..i18n import _


@dataclass(frozen=True)
class Episode:
    support_x: np.ndarray
    support_y: np.ndarray
    query_x: np.ndarray
    query_y: np.ndarray
    info: dict = field(default_factory=dict)  # per-task parameters, e.g. amplitude, phase

    def __post_init__(self):
        names = ("support_x", "support_y", "query_x", "query_y")
        arrays = [np.asarray(getattr(self, n)) for n in names]
        for name, a in zip(names, arrays, strict=True):
            if a.ndim < 3:
                raise ValueError(_("{name} must have shape [tasks, examples, features...], got {shape}",
                                   name=name, shape=a.shape))
            object.__setattr__(self, name, a)
        sx, sy, qx, qy = arrays
        if len({a.shape[0] for a in arrays}) != 1:
            raise ValueError(_("support and query sets must hold the same number of tasks, got {counts} for "
                               "{names}", counts=[a.shape[0] for a in arrays], names=list(names)))
        if sx.shape[1] < 1:
            raise ValueError(_("support_x must hold K >= 1 examples per task, got shape {shape}",
                               shape=sx.shape))
        if sx.shape[:2] != sy.shape[:2]:
            raise ValueError(_("support_y shape {sy} does not match support_x {sx} (tasks, K)", sy=sy.shape,
                               sx=sx.shape))
        if qx.shape[:2] != qy.shape[:2]:
            raise ValueError(_("query_y shape {qy} does not match query_x {qx} (tasks, Q)", qy=qy.shape,
                               qx=qx.shape))
        if sx.shape[2:] != qx.shape[2:]:
            raise ValueError(_("query_x features {qx} differ from support_x features {sx}", qx=qx.shape[2:],
                               sx=sx.shape[2:]))
        if sy.shape[2:] != qy.shape[2:]:
            raise ValueError(_("query_y targets {qy} differ from support_y targets {sy}", qy=qy.shape[2:],
                               sy=sy.shape[2:]))

    @property
    def num_tasks(self):
        return self.support_x.shape[0]

    @property
    def shots(self):
        """The number of support examples per task: K for regression, N x K for an N-way K-shot episode."""
        return self.support_x.shape[1]

    def tasks(self, index):
        """The sub-episode of the tasks selected by `index` (an int or a slice)."""
        index = slice(index, index + 1) if isinstance(index, int) else index
        return Episode(self.support_x[index], self.support_y[index], self.query_x[index],
                       self.query_y[index], {k: np.asarray(v)[index] for k, v in self.info.items()})
