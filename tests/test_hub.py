"""The class server's pieces that run without a hub (deploy/, lesson_lib.hub): each student's copy of
the lessons, and the control-group files that enforce the memory and CPU limits, written into a
stand-in cgroup tree."""

import os
import re
from pathlib import Path

import pytest
import yaml

from lesson_lib.hub import home, limits


def test_copy_missing_copies_new_lessons_and_keeps_the_students_edits(tmp_path):
    source, target = tmp_path / "course", tmp_path / "home" / "lessons"
    (source / "zh").mkdir(parents=True)
    (source / "01.ipynb").write_text("lesson 1")
    (source / "zh" / "01.ipynb").write_text("第 1 课")
    (source / ".ipynb_checkpoints").mkdir()
    (tmp_path / "home").mkdir()
    uid, gid = os.getuid(), os.getgid()
    assert home.copy_missing(source, target, uid, gid) == ["01.ipynb", "zh"]
    assert (target / "zh" / "01.ipynb").read_text() == "第 1 课"
    assert not (target / ".ipynb_checkpoints").exists()
    (target / "01.ipynb").write_text("my answers")
    (source / "02.ipynb").write_text("lesson 2")
    assert home.copy_missing(source, target, uid, gid) == ["02.ipynb"]
    assert (target / "01.ipynb").read_text() == "my answers"


def fake_v1(root):
    for controller in ("memory", "cpu"):
        (root / controller).mkdir(parents=True)
    return root


def fake_v2(root, controllers="cpuset cpu io memory pids"):
    root.mkdir(parents=True)
    (root / "cgroup.controllers").write_text(controllers + "\n")
    (root / "cgroup.subtree_control").write_text("")
    return root


def test_v2_limits(tmp_path):
    root = fake_v2(tmp_path / "cg")
    procs = limits.make_groups(root, "kit", "student01", mem_bytes=2560 * 2**20, cpus=1.5)
    mine = root / "kit" / "student01"
    assert procs == [mine / "cgroup.procs"]
    assert (mine / "memory.max").read_text() == "2684354560\n"
    assert (mine / "memory.swap.max").read_text() == "0\n"
    assert (mine / "cpu.max").read_text() == "150000 100000\n"
    assert (root / "cgroup.subtree_control").read_text() == "+cpu +memory\n"
    limits.join(procs, 4242)
    assert (mine / "cgroup.procs").read_text() == "4242\n"


def test_v1_limits_and_no_limit(tmp_path):
    root = fake_v1(tmp_path / "cg")
    procs = limits.make_groups(root, "kit", "student02", mem_bytes=10**9, cpus=0.5)
    assert procs == [root / "memory" / "kit" / "student02" / "cgroup.procs",
                     root / "cpu" / "kit" / "student02" / "cgroup.procs"]
    assert (root / "memory" / "kit" / "student02" / "memory.limit_in_bytes").read_text() == "1000000000\n"
    assert (root / "cpu" / "kit" / "student02" / "cpu.cfs_quota_us").read_text() == "50000\n"
    assert (root / "cpu" / "kit" / "student02" / "cpu.cfs_period_us").read_text() == "100000\n"
    limits.make_groups(root, "kit", "student03", mem_bytes=None, cpus=None)
    assert not (root / "memory" / "kit" / "student03" / "memory.limit_in_bytes").exists()


@pytest.mark.parametrize("make", [lambda root: root, lambda root: fake_v2(root, "cpuset io pids")])
def test_no_usable_cgroup_tree_says_what_to_do(tmp_path, make):
    root = make(tmp_path / "cg")
    root.mkdir(exist_ok=True)
    assert limits.layout(root) is None
    with pytest.raises(RuntimeError, match="no writable cgroup tree with the memory and cpu controllers"):
        limits.make_groups(root, "kit", "student01", mem_bytes=10**9)


def test_the_cluster_values_give_the_one_server_limits():
    """deploy/z2jh-values.yaml and deploy/jupyterhub_config.py set the same per-student limits."""
    deploy = Path(__file__).resolve().parents[1] / "deploy"
    values = yaml.safe_load((deploy / "z2jh-values.yaml").read_text())["singleuser"]
    config = (deploy / "jupyterhub_config.py").read_text()
    memory = re.search(r'"KIT_HUB_MEM_LIMIT", "([^"]+)"', config).group(1)
    cpus = float(re.search(r'"KIT_HUB_CPU_LIMIT", "([^"]+)"', config).group(1))
    assert (values["memory"]["limit"], values["cpu"]["limit"]) == (memory, cpus)


def test_load_test_slider_values_stay_in_range_on_the_step():
    from lesson_lib.bench.hub import slider_values

    ints = slider_values({"min": 0, "max": 10, "step": 1, "value": 3}, 4)
    assert ints == [10, 7, 3, 0] and all(isinstance(v, int) for v in ints)
    floats = slider_values({"min": 0.01, "max": 0.5, "step": 0.01, "value": 0.1}, 3)
    assert floats[0] == pytest.approx(0.5) and floats[-1] == pytest.approx(0.01)
    assert all(round((v - 0.01) / 0.01, 6).is_integer() for v in floats)


def test_capacity_per_node_is_bound_by_memory_or_cores():
    from lesson_lib.bench.hub import capacity

    alone = {"users": 1, "peak_mb_max": 1000.0, "cores_per_student": 0.5}
    crowded = {"users": 8, "peak_mb_max": 900.0, "cores_per_student": 0.25}  # sharing 2 cores: not used
    first = capacity([alone, crowded], limit_mb=2560)[0]  # 4 cores, 16 GB, 2 kept: 14,336 MB
    assert first == {"node": "4 cores, 16 GB", "by_limit": 5, "running_at_once": 8}  # cores bind: 4 / 0.5
    heavy = {"users": 1, "peak_mb_max": 4000.0, "cores_per_student": 0.1}
    assert capacity([heavy])[0]["running_at_once"] == 3  # memory binds: 14,336 // 4,000


def test_memory_group_finds_the_group_make_groups_made(tmp_path):
    v1 = fake_v1(tmp_path / "v1")
    limits.make_groups(v1, "kit", "student01", mem_bytes=10**9)
    assert limits.memory_group("student01", v1, "kit") == (v1 / "memory" / "kit" / "student01", "v1")
    v2 = fake_v2(tmp_path / "v2")
    limits.make_groups(v2, "kit", "student01", mem_bytes=10**9)
    assert limits.memory_group("student01", v2, "kit") == (v2 / "kit" / "student01", "v2")
