"""Load test of the class server (deploy/, README "A class on one server"): N students at once log
in, start their servers, run a lesson top to bottom in their own copy, and move its sliders.
Per N: server start (seconds), lesson run (seconds), slider latency (median and 95th percentile of
the time from a student's slider change until their kernel is idle again with the redraw sent),
peak memory per student (their control group's) and errors; the command fails on any error.

The students are driven through the hub with the kernel protocol (lesson_lib.hub.kernel), not a
browser each: on 2 cores a Chromium per student would measure the browsers. The latency is
therefore the kernel's part of a redraw, up to the figure's bytes leaving the server; drawing them
takes the browser a few milliseconds more (tests/browser). Needs root; everything stays on
127.0.0.1; the students' accounts are removed afterwards.
"""

import concurrent.futures
import json
import time
from pathlib import Path

import numpy as np
import psutil

from ..hub.kernel import Kernel, student_token
from ..hub.limits import memory_group
from ..hub.server import class_server, login, start_server
from .table import print_table

HELP = "class server load test: N students run a lesson and move its sliders at once"
LESSONS = Path(__file__).resolve().parents[2] / "notebooks"


def add_arguments(parser):
    parser.add_argument("--users", type=int, nargs="+", default=[1, 2, 4],
                        help="class sizes to try, e.g. 1 2 4")
    parser.add_argument("--lesson", default="00_welcome.ipynb", help="the lesson each student runs")
    parser.add_argument("--moves", type=int, default=20, help="slider changes per student")
    parser.add_argument("--kit-dir", type=Path, default=Path("/opt/meta-learning-kit-load"))
    parser.add_argument("--port", type=int, default=18400)
    parser.add_argument("--minutes", type=float, default=15, help="time allowed per class size")


def code_cells(lesson):
    cells = json.loads((LESSONS / lesson).read_text())["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def peak_memory_mb(name):
    """The most memory the student's control group has held (v1 or v2)."""
    group, kind = memory_group(name)
    path = group / ("memory.max_usage_in_bytes" if kind == "v1" else "memory.peak")
    return int(path.read_text()) / 2**20 if path.exists() else None


def cpu_seconds(name):
    """CPU seconds used so far by the processes in the student's control group (server, kernels)."""
    path = memory_group(name)[0] / "cgroup.procs"
    if not path.exists():
        return None
    total = 0.0
    for pid in path.read_text().split():
        try:
            times = psutil.Process(int(pid)).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


# Nodes to size a cluster for (cores, GB), and what the node keeps for itself.
NODES = ((4, 16), (8, 32), (16, 64), (32, 128))
RESERVED_GB = 2


def capacity(rows, limit_mb=2560):
    """Students per node: by the memory limit (every student may reach it), and with every
    student running a lesson at once: the largest peak memory per student measured, and the cores
    one student keeps busy when alone (in the smallest class: with more students than cores they
    share them, which measures the machine, not the student)."""
    peak = max([row["peak_mb_max"] for row in rows if row["peak_mb_max"]], default=None)
    alone = min(rows, key=lambda row: row["users"])["cores_per_student"]
    table = []
    for cores, gb in NODES:
        usable = (gb - RESERVED_GB) * 1024
        at_once = int(min(usable // peak, cores // alone)) if peak and alone else None
        table.append({"node": f"{cores} cores, {gb} GB", "by_limit": int(usable // limit_mb),
                      "running_at_once": at_once})
    return table


def slider_values(state, moves):
    """`moves` values across the slider's range, in steps it accepts."""
    low, high, step = state["min"], state["max"], state.get("step") or 1
    values = [low + (high - low) * k / max(1, moves - 1) for k in range(moves)]
    values = [round((v - low) / step) * step + low for v in values]
    return [int(v) if isinstance(state["value"], int) else float(v) for v in values][::-1]


def student(hub, name, password, cells, lesson, moves, deadline):
    """One student's session; returns their measurements and errors."""
    out = {"name": name, "errors": []}
    session, status = login(hub, name, password)
    if status != 302:
        out["errors"].append(f"login answered {status}")
        return out
    out["spawn_s"] = start_server(hub, session, name)
    kernel = Kernel(hub, name, student_token(hub, session, name, note="load test"))
    try:
        start, cpu_before = time.perf_counter(), cpu_seconds(name)
        for code in [f"import os; os.chdir(os.path.expanduser('~/lessons/{Path(lesson).parent}'))", *cells]:
            reply = kernel.execute(code, timeout=max(1.0, deadline - time.time()))
            if reply["status"] != "ok":
                out["errors"].append(f"cell {code[:60]!r}: {reply['status']} {reply['text'][-300:]}")
                return out
        out["run_s"] = time.perf_counter() - start
        sliders = list(kernel.sliders().items())
        if not sliders:
            out["errors"].append(f"{lesson} showed no slider")
            return out
        latencies, values = [], {comm: slider_values(state, moves) for comm, state in sliders}
        for k in range(moves):
            comm, state = sliders[k % len(sliders)]
            value = values[comm][k]
            reply = kernel.move(comm, value, timeout=max(1.0, deadline - time.time()))
            if reply["status"] != "ok":
                out["errors"].append(f"slider {state.get('description')!r} to {value}: {reply['status']}")
                return out
            latencies.append(reply["seconds"])
        out["latencies"] = latencies
        out["busy_s"] = time.perf_counter() - start
        out["peak_mb"] = peak_memory_mb(name)
        out["cpu_s"] = cpu_seconds(name) - cpu_before  # the lesson and the slider moves
    finally:
        kernel.close()
    return out


def run(args):
    if args.minutes <= 0 or args.moves < 1 or min(args.users) < 1 or max(args.users) > 64:
        raise SystemExit("--minutes must be > 0, --moves >= 1 and --users between 1 and 64")
    cells = code_cells(args.lesson)
    rows = []
    for n in args.users:
        print(f"{n} student(s): installing, starting the hub, running {args.lesson} ...", flush=True)
        log = Path(f"/tmp/lesson_lib_hub_load_{n}.log")
        with class_server(args.kit_dir, args.port, "kitload", n, log) as server:
            deadline = time.time() + 60 * args.minutes
            with concurrent.futures.ThreadPoolExecutor(n) as pool:
                futures = [pool.submit(student, server["hub"], name, server["passwords"][name], cells,
                                       args.lesson, args.moves, deadline) for name in server["names"]]
                results = []
                for future in futures:
                    try:
                        results.append(future.result())
                    except Exception as error:  # a student's session broke: count it, say what
                        results.append({"errors": [f"{type(error).__name__}: {error}"]})
        latencies = [s for r in results for s in r.get("latencies", [])]
        rows.append({
            "users": n, "lesson": args.lesson,
            "spawn_s_median": _median([r.get("spawn_s") for r in results]),
            "run_s_median": _median([r.get("run_s") for r in results]),
            "slider_ms_median": 1000 * float(np.median(latencies)) if latencies else None,
            "slider_ms_p95": 1000 * float(np.percentile(latencies, 95)) if latencies else None,
            "slider_moves": len(latencies),
            "peak_mb_max": max([r["peak_mb"] for r in results if r.get("peak_mb")], default=None),
            "cores_per_student": _median([r["cpu_s"] / r["busy_s"] for r in results if r.get("cpu_s")]),
            "errors": [e for r in results for e in r["errors"]]})
        print(f"  done: {rows[-1]}", flush=True)
    print_table(rows, [("students", "users"), ("server start s (median)", _fmt("spawn_s_median", 1)),
                       ("lesson run s (median)", _fmt("run_s_median", 1)),
                       ("slider ms median", _fmt("slider_ms_median", 0)),
                       ("slider ms p95", _fmt("slider_ms_p95", 0)),
                       ("moves", "slider_moves"), ("peak MB per student (max)", _fmt("peak_mb_max", 0)),
                       ("cores busy per student", _fmt("cores_per_student", 2)),
                       ("errors", lambda r: len(r["errors"]))],
                title=f"Class server load test: {args.lesson}, {args.moves} slider moves per student")
    print_table(capacity(rows), [("node", "node"), ("students (2.5 GB limit each)", "by_limit"),
                                 ("students running a lesson at once", "running_at_once")],
                title=f"Capacity per node ({RESERVED_GB} GB kept for the node; cores per student from the "
                      f"{min(args.users)}-student run, peak memory the largest measured)")
    errors = [e for row in rows for e in row["errors"]]
    if errors:
        if args.json:  # the rows are the record, errors included
            args.json.write_text(json.dumps(rows, indent=2) + "\n")
        raise SystemExit("the load test had errors:\n" + "\n".join(errors[:20]))
    return rows


def _median(values):
    values = [v for v in values if v is not None]
    return float(np.median(values)) if values else None


def _fmt(key, digits):
    return lambda row: None if row[key] is None else f"{row[key]:.{digits}f}"
