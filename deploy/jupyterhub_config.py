# JupyterHub for a class on one server (README, "Teaching a class"): `make hub` runs it, as root.
# Every student logs in with their system account (deploy/add_students.sh makes them), gets their
# own server running as that user, their own copy of the lessons in ~/lessons, and a memory and CPU
# limit; idle servers are stopped. Everything listens on 127.0.0.1 only: put a TLS reverse proxy
# (nginx, Caddy) in front to serve a class over the network.
import os
import sys
from pathlib import Path

from lesson_lib.hub.home import copy_lessons
from lesson_lib.hub.spawner import LimitedSpawner

c = get_config()  # noqa: F821 (JupyterHub's config loader defines it)

KIT = Path(os.environ.get("KIT_HUB_DIR", "/opt/meta-learning-kit"))  # deploy/install.sh makes it
STATE = KIT / "state"
STATE.mkdir(mode=0o700, exist_ok=True)

PORT = int(os.environ.get("KIT_HUB_PORT", "8000"))  # the hub itself and the proxy's API take the next two
c.JupyterHub.ip = "127.0.0.1"  # its default, "", is every interface
c.JupyterHub.port = PORT
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORT + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 2}"
c.ConfigurableHTTPProxy.command = [str(KIT / "node_modules" / ".bin" / "configurable-http-proxy")]
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")

# Students: system accounts (PAM). For a university's single sign-on use oauthenticator
# ("local-generic-oauth", "local-github", ...; README).
c.JupyterHub.authenticator_class = "pam"
students = KIT / "students.txt"  # one user name per line, written by deploy/add_students.sh
c.Authenticator.allowed_users = set(students.read_text().split()) if students.exists() else set()
c.Authenticator.admin_users = set(os.environ.get("KIT_HUB_ADMINS", "").split())

# Each student's server: the kit's environment, their own copy of the lessons (the student
# edition), limits from the lessons' measured peaks (at most 1.5 GB, README "Playground and
# lessons") plus the server.
c.JupyterHub.spawner_class = LimitedSpawner
c.Spawner.cmd = [str(KIT / "venv" / "bin" / "jupyterhub-singleuser")]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab/tree/lessons"
c.Spawner.mem_limit = os.environ.get("KIT_HUB_MEM_LIMIT", "2560M")
c.Spawner.cpu_limit = float(os.environ.get("KIT_HUB_CPU_LIMIT", "1"))
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90
# the student edition (KIT_HUB_EDITION=teacher: the lessons with their solutions, as committed)
EDITION = KIT / "kit" / "notebooks" if os.environ.get("KIT_HUB_EDITION") == "teacher" else KIT / "student"
c.Spawner.pre_spawn_hook = lambda spawner: copy_lessons(EDITION, spawner.user.name)

# Stop servers idle for an hour (activity reaches the hub every 5 minutes: keep it well above that).
c.JupyterHub.services = [{"name": "idle-culler", "command": [
    sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={os.environ.get('KIT_HUB_IDLE', '3600')}",
    "--cull-every=600"]}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler", "services": ["idle-culler"],
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]}]
