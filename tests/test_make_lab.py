"""`make lab` (the README's first command) serves JupyterLab on 127.0.0.1 behind a token; with
LESSON_LIB_LANG=zh it serves the Chinese lessons with JupyterLab's menus in Chinese."""

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "zh"])
def test_make_lab_serves_notebooks_on_localhost_with_token(root, tmp_path, language):
    port = free_port()
    log = tmp_path / "lab.log"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    with open(log, "w") as out:
        proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"LESSON_LIB_LANG={language}",
                                 f"LAB_FLAGS=--no-browser --ServerApp.port={port}"],
                                cwd=root, stdout=out, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    try:
        token = None
        deadline = time.time() + 120
        while token is None and time.time() < deadline and proc.poll() is None:
            time.sleep(0.5)
            found = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=(\w+)", log.read_text())
            token = found and found.group(1)
        assert token, f"no tokened URL on 127.0.0.1:{port} in the output:\n{log.read_text()[-3000:]}"
        base = f"http://127.0.0.1:{port}"
        assert get(f"{base}/api/contents?token={token}") == 200
        assert get(f"{base}/api/contents") == 403  # no token, no access
        listing = urllib.request.urlopen(f"{base}/api/contents?token={token}", timeout=10).read().decode()
        assert "00_welcome.ipynb" in listing  # the server's root is notebooks/ (or notebooks/zh/)
        lesson = urllib.request.urlopen(f"{base}/api/contents/00_welcome.ipynb?token={token}",
                                        timeout=10).read()
        assert ('set_language(\\"zh\\")' in lesson.decode()) == (language == "zh")  # the Chinese twin
        plugin = "@jupyterlab/translation-extension:plugin"
        settings = json.loads(urllib.request.urlopen(f"{base}/lab/api/settings/{plugin}?token={token}",
                                                     timeout=10).read())
        assert (settings["settings"].get("locale") == "zh_CN") == (language == "zh")  # JupyterLab's own menus
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
