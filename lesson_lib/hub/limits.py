"""Per-student memory and CPU limits for JupyterHub's local spawner, with a control group per
student: JupyterHub's LocalProcessSpawner only advertises `mem_limit` and `cpu_limit` (as the
MEM_LIMIT and CPU_LIMIT variables), it does not enforce them. A student's server and all of their
kernels share the group, so the limit is per student: a kernel that exceeds it is killed by the
kernel's OOM killer (JupyterLab says "kernel died, restarting") and nobody else is touched.

Both cgroup layouts are handled: v2 (one tree, `cgroup.controllers` at the root: memory.max,
cpu.max) and v1 (one tree per controller: memory.limit_in_bytes, cpu.cfs_quota_us).
"""

from pathlib import Path

PERIOD_US = 100_000  # the CPU scheduler's accounting period


def layout(root):
    """"v2", "v1", or None when neither cgroup tree can take a limit here."""
    root = Path(root)
    if (root / "cgroup.controllers").exists():
        controllers = (root / "cgroup.controllers").read_text().split()
        return "v2" if {"memory", "cpu"} <= set(controllers) else None
    if (root / "memory").is_dir() and (root / "cpu").is_dir():
        return "v1"
    return None


def _write(path, value):
    Path(path).write_text(f"{value}\n")


def make_groups(root, group, user, mem_bytes=None, cpus=None):
    """Create `group`/`user` with the limits (bytes of memory, cores of CPU; None: no limit) and
    return the cgroup.procs files the student's server must join. Run as root, before the spawn."""
    root = Path(root)
    kind = layout(root)
    if kind is None:
        raise RuntimeError(f"no writable cgroup tree with the memory and cpu controllers under {root}: "
                           "run the hub where control groups can be created (root, not in an "
                           "unprivileged container), or set mem_limit and cpu_limit to None")
    if kind == "v2":
        parent = root / group
        parent.mkdir(exist_ok=True)
        for level in (root, parent):  # let the children be limited by these controllers
            _write(level / "cgroup.subtree_control", "+cpu +memory")
        mine = parent / user
        mine.mkdir(exist_ok=True)
        if mem_bytes is not None:
            _write(mine / "memory.max", int(mem_bytes))
            _write(mine / "memory.swap.max", 0)
        if cpus is not None:
            _write(mine / "cpu.max", f"{int(cpus * PERIOD_US)} {PERIOD_US}")
        return [mine / "cgroup.procs"]
    memory, cpu = root / "memory" / group / user, root / "cpu" / group / user
    for folder in (memory, cpu):
        folder.mkdir(parents=True, exist_ok=True)
    if mem_bytes is not None:
        _write(memory / "memory.limit_in_bytes", int(mem_bytes))
    if cpus is not None:
        _write(cpu / "cpu.cfs_period_us", PERIOD_US)
        _write(cpu / "cpu.cfs_quota_us", int(cpus * PERIOD_US))
    return [memory / "cgroup.procs", cpu / "cgroup.procs"]


def memory_group(user, root="/sys/fs/cgroup", group="meta-learning-kit"):
    """The student's memory control group as `make_groups` made it, and its layout ("v1", "v2")."""
    v1 = Path(root) / "memory" / group / user
    return (v1, "v1") if v1.exists() else (Path(root) / group / user, "v2")


def join(procs_files, pid):
    """Move process `pid` (and so everything it starts) into the groups."""
    for procs in procs_files:
        _write(procs, pid)


def remove_groups(procs_files):
    """Remove a student's groups once their server has stopped (a group still holding processes
    stays; the next spawn reuses it)."""
    for procs in procs_files:
        try:
            Path(procs).parent.rmdir()
        except OSError:
            pass
