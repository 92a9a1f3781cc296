"""The class server of deploy/ run for real (README, "Teaching a class"): installed with
deploy/install.sh, two students made by deploy/add_students.sh, the hub started as `make hub` starts
it; then who may log in, what each student's server gets (its control group and limit, its own copy
of the lessons) and that students cannot reach each other's servers or files.

Needs root (system users, control groups); otherwise the tests skip and say why, and
LESSON_LIB_REQUIRE_HUB=1 (CI) turns that skip into a failure.
"""

import os
import pwd
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import requests
import websocket

from lesson_lib.hub.kernel import Kernel, student_token
from lesson_lib.hub.limits import memory_group
from lesson_lib.hub.server import class_server, login, start_server

ROOT = Path(__file__).resolve().parents[1]
KIT = Path("/opt/meta-learning-kit-test")  # students must be able to read it: not under /tmp/pytest-*
PORT = 18300
HUB = f"http://127.0.0.1:{PORT}"
STUDENTS = ("kitci01", "kitci02")
REQUIRED = os.environ.get("LESSON_LIB_REQUIRE_HUB", "") not in ("", "0")

pytestmark = pytest.mark.hub


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    if os.geteuid() != 0 or not shutil.which("useradd"):
        reason = "the class server tests need root (system users, control groups)"
        if REQUIRED:
            pytest.fail(f"hub tests required (LESSON_LIB_REQUIRE_HUB=1) but {reason}", pytrace=False)
        pytest.skip(reason)
    log = tmp_path_factory.mktemp("hub") / "hub.log"
    with class_server(KIT, PORT, "kitci", len(STUDENTS), log) as running:
        assert tuple(running["names"]) == STUDENTS
        yield {**running, "log": log}


@pytest.fixture(scope="module")
def servers(hub):
    """Each student logged in, with their server started and JupyterLab open: {name: session}."""
    sessions = {}
    for name in STUDENTS:
        session, status = login(HUB, name, hub["passwords"][name])
        assert status == 302, status
        start_server(HUB, session, name)
        sessions[name] = session
    return sessions


def oom_kills(name):
    group, kind = memory_group(name)
    text = (group / ("memory.oom_control" if kind == "v1" else "memory.events")).read_text()
    return int(dict(line.split() for line in text.splitlines()).get("oom_kill", 0))


def test_only_the_students_log_in(hub):
    assert login(HUB, STUDENTS[0], "not-the-password")[1] == 403
    assert login(HUB, "root", "anything")[1] == 403  # an account, but not a student
    assert login(HUB, STUDENTS[0], hub["passwords"][STUDENTS[0]])[1] == 302


def test_each_student_gets_a_limited_server_and_their_own_lessons(servers):
    lessons = sorted(p.name for p in (ROOT / "notebooks").iterdir() if not p.name.startswith("."))
    for name in STUDENTS:
        user = pwd.getpwnam(name)
        home = Path(user.pw_dir)
        assert stat.S_IMODE(home.stat().st_mode) == 0o700
        assert sorted(p.name for p in (home / "lessons").iterdir()) == lessons
        assert (home / "lessons" / lessons[0]).stat().st_uid == user.pw_uid
        first = (home / "lessons" / "02_maml.ipynb").read_text()  # the student edition: stubs, no solutions
        assert "raise NotImplementedError()" in first and "### BEGIN SOLUTION" not in first
        assert "raise NotImplementedError()" in (home / "lessons" / "zh" / "02_maml.ipynb").read_text()
        group, kind = memory_group(name)
        limit = group / ("memory.limit_in_bytes" if kind == "v1" else "memory.max")
        assert limit.read_text().strip() == str(2560 * 2**20)
        pids = (group / "cgroup.procs").read_text().split()
        owners = {Path(f"/proc/{pid}").stat().st_uid for pid in pids if Path(f"/proc/{pid}").exists()}
        assert owners == {user.pw_uid}, (pids, owners)
        contents = servers[name].get(f"{HUB}/user/{name}/api/contents/lessons", timeout=30)
        assert contents.status_code == 200
        assert sorted(item["name"] for item in contents.json()["content"]) == lessons


def test_students_cannot_reach_each_other(servers):
    me, other = STUDENTS
    session = servers[me]
    xsrf = next(c.value for c in session.cookies if c.name == "_xsrf" and c.path.startswith(f"/user/{me}"))
    assert session.get(f"{HUB}/user/{other}/api/contents", timeout=30).status_code == 403
    assert session.get(f"{HUB}/user/{other}/lab", timeout=30).status_code == 403
    assert session.post(f"{HUB}/user/{other}/api/kernels", json={"name": "python3"}, timeout=30,
                        headers={"X-XSRFToken": xsrf}).status_code == 403
    assert requests.get(f"{HUB}/user/{me}/api/contents", timeout=30).status_code == 403  # not logged in
    peek = subprocess.run(["su", "-s", "/bin/sh", me, "-c", f"ls /home/{other}; cat /home/{other}/lessons/*"],
                          capture_output=True, text=True, timeout=30)
    assert peek.returncode != 0 and "Permission denied" in peek.stderr and not peek.stdout


def test_a_kernel_over_its_memory_limit_is_killed_alone(hub, servers):
    """Student 1 cannot reach student 2's kernel with their own token; then fills 3 GB (limit
    2.5 GB): their kernel is killed, their server stays up, and student 2's kernel keeps running
    with its state; no token shows in the hub's log."""
    greedy, calm = STUDENTS
    tokens = {name: student_token(HUB, servers[name], name) for name in STUDENTS}
    kernels = {name: Kernel(HUB, name, tokens[name]) for name in STUDENTS}
    try:
        first = kernels[calm].execute("x = 6 * 7\nprint(x)")
        assert (first["status"], first["text"]) == ("ok", "42\n")
        # nor can one student run code in the other's kernel, with their own token
        theirs = f"ws://127.0.0.1:{PORT}/user/{calm}/api/kernels/{kernels[calm].id}/channels"
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(theirs, header=[f"Authorization: token {tokens[greedy]}"], timeout=30)
        assert refused.value.status_code == 403
        listed = requests.get(f"{HUB}/user/{calm}/api/kernels", timeout=30,
                              headers={"Authorization": f"token {tokens[greedy]}"})
        assert listed.status_code == 403
        before = oom_kills(greedy)
        result = kernels[greedy].execute("block = b'1' * (3 * 2**30)", timeout=300)
        assert result["status"] == "died", result
        assert oom_kills(greedy) > before
        after = kernels[calm].execute("print(x)")
        assert (after["status"], after["text"]) == ("ok", "42\n")
        status = requests.get(f"{HUB}/user/{greedy}/api/status", timeout=30,
                              headers={"Authorization": f"token {tokens[greedy]}"})
        assert status.status_code == 200  # the greedy student's server is still up
    finally:
        for kernel in kernels.values():
            kernel.close()
    log = hub["log"].read_text()
    assert not [name for name, token in tokens.items() if token in log]


def test_the_load_test_runs_a_lesson_and_moves_its_sliders(hub, capsys):
    """`python -m lesson_lib.bench hub --users 1`: one student runs Lesson 0 and moves its sliders,
    with no error, within the memory limit (on its own hub, beside the one above)."""
    from lesson_lib.bench import cli

    rows = cli.main(["hub", "--users", "1", "--moves", "4", "--minutes", "10", "--port", "18500",
                     "--kit-dir", "/opt/meta-learning-kit-load"])
    (row,) = rows
    assert row["errors"] == [] and row["slider_moves"] == 4
    assert 0 < row["slider_ms_median"] <= row["slider_ms_p95"] < 60_000
    assert 100 < row["peak_mb_max"] < 2560
    assert 0 < row["cores_per_student"] <= 1.05  # the CPU limit: one core
    assert "| 1 |" in capsys.readouterr().out
