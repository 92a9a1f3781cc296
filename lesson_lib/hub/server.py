"""The class server of deploy/ brought up for a test or a load test, as `make hub` brings it up:
install (deploy/install.sh), students (deploy/add_students.sh), the hub on 127.0.0.1:`port`; and
taken down again (the hub stopped by its PID, the students' accounts removed). Needs root."""

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]


def run(*command, timeout=60, **options):
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=timeout,
                          **options)
    if done.returncode:
        raise RuntimeError(f"{' '.join(map(str, command))} failed (exit {done.returncode}):\n"
                           f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def remove_students(names):
    for name in names:
        if subprocess.run(["id", name], capture_output=True).returncode == 0:
            subprocess.run(["userdel", "-r", name], capture_output=True)


def login(hub, name, password):
    """A requests session logged in as `name`, and the hub's answer (302: in; 403: refused)."""
    session = requests.Session()
    session.get(f"{hub}/hub/login", timeout=10)
    response = session.post(f"{hub}/hub/login", allow_redirects=False, timeout=30, data={
        "username": name, "password": password, "_xsrf": session.cookies.get("_xsrf", path="/hub/")})
    return session, response.status_code


def start_server(hub, session, name, timeout=120):
    """Start student `name`'s server and open JupyterLab; returns the seconds it took."""
    start = time.perf_counter()
    session.get(f"{hub}/hub/spawn", timeout=timeout)  # no options form: this starts it
    while time.perf_counter() - start < timeout:
        lab = session.get(f"{hub}/user/{name}/lab", timeout=timeout)
        if lab.status_code == 200 and f"/user/{name}/" in lab.url:
            return time.perf_counter() - start
        time.sleep(0.5)
    raise TimeoutError(f"{name}'s server did not start within {timeout} s")


@contextlib.contextmanager
def class_server(kit, port, prefix, count, log):
    """Install into `kit`, make students `prefix`01.. (`count`), run the hub on `port` with its log
    in `log`; yields {"hub": url, "passwords": {name: password}}; removes the students after."""
    if os.geteuid() != 0:
        raise PermissionError("the class server needs root (system users, control groups)")
    kit = Path(kit)
    run(REPO / "deploy" / "install.sh", kit, timeout=1800)
    subprocess.run(["rm", "-rf", kit / "state", kit / "students.txt"], check=True)
    width = max(2, len(str(count)))
    names = [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]
    remove_students(names)
    env = {**os.environ, "KIT_HUB_DIR": str(kit)}
    run(REPO / "deploy" / "add_students.sh", prefix, count, env=env)
    passwords = dict(line.split(",") for line in (kit / "state" / "passwords.csv").read_text().split())
    hub = f"http://127.0.0.1:{port}"
    with open(log, "w") as out:
        config = kit / "kit" / "deploy" / "jupyterhub_config.py"
        server = subprocess.Popen([kit / "venv" / "bin" / "jupyterhub", "-f", config], cwd=kit / "state",
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                  env={**env, "KIT_HUB_PORT": str(port)})
    try:
        for _ in range(240):
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"{hub}/hub/login", timeout=5).status_code == 200:
                    break
            if server.poll() is not None:
                raise RuntimeError(f"the hub exited (code {server.returncode}):\n"
                                   f"{Path(log).read_text()[-3000:]}")
            time.sleep(0.5)
        else:
            raise TimeoutError(f"the hub did not answer within 120 s:\n{Path(log).read_text()[-3000:]}")
        yield {"hub": hub, "passwords": passwords, "names": names}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        remove_students(names)
