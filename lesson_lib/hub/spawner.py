"""The class server's spawner: JupyterHub's LocalProcessSpawner (each student's server runs as
their own system user) with `mem_limit` and `cpu_limit` enforced by a control group per student
(limits.py), which the stock spawner only advertises."""

import os

from jupyterhub.spawner import LocalProcessSpawner
from jupyterhub.utils import maybe_future
from traitlets import Unicode

from . import limits


class LimitedSpawner(LocalProcessSpawner):
    cgroup_root = Unicode("/sys/fs/cgroup", config=True, help="where the control groups are mounted")
    cgroup_name = Unicode("meta-learning-kit", config=True, help="the group holding one group per student")

    def make_preexec_fn(self, name):
        setuid = super().make_preexec_fn(name)
        if self.mem_limit is None and self.cpu_limit is None:
            return setuid
        self._procs = limits.make_groups(self.cgroup_root, self.cgroup_name, name, self.mem_limit,
                                         self.cpu_limit)
        self.log.info("%s: memory limit %s bytes, %s CPUs (cgroup %s)", name, self.mem_limit, self.cpu_limit,
                      limits.layout(self.cgroup_root))
        procs = list(self._procs)

        def preexec():  # in the child, still root: join the groups, then become the student
            limits.join(procs, os.getpid())
            setuid()

        return preexec

    async def stop(self, now=False):
        await maybe_future(super().stop(now=now))
        limits.remove_groups(getattr(self, "_procs", []))
