"""A student's kernel driven through the hub without a browser, as JupyterLab drives it: a token
for the student (from their logged-in session), a kernel started by their server's REST API, and
code run over the kernel's websocket (Jupyter's messaging protocol, JSON messages). The class
server's tests and load test use it."""

import json
import time
import uuid

import requests
import websocket
from jupyter_server.services.kernels.connection.base import deserialize_binary_message


def student_token(hub, session, name, note="kit"):
    """An API token for student `name`, asked for with their logged-in `session` (requests)."""
    xsrf = next(c.value for c in session.cookies if c.name == "_xsrf" and c.path.startswith("/hub"))
    response = session.post(f"{hub}/hub/api/users/{name}/tokens", json={"note": note, "expires_in": 3600},
                            headers={"X-XSRFToken": xsrf}, timeout=30)
    response.raise_for_status()
    return response.json()["token"]


class Kernel:
    """A kernel of student `name` on the hub at `hub` (http://127.0.0.1:PORT), used with `token`."""

    def __init__(self, hub, name, token, timeout=120):
        self.headers = {"Authorization": f"token {token}"}
        self.base = f"{hub}/user/{name}"
        started = requests.post(f"{self.base}/api/kernels", json={"name": "python3"}, headers=self.headers,
                                timeout=timeout)
        started.raise_for_status()
        self.id = started.json()["id"]
        self.session = uuid.uuid4().hex
        url = f"{self.base.replace('http', 'ws', 1)}/api/kernels/{self.id}/channels?session_id={self.session}"
        self.socket = websocket.create_connection(url, header=[f"{k}: {v}" for k, v in self.headers.items()],
                                                  timeout=timeout)
        self.widgets = {}  # comm id -> the state of every widget the kernel has shown

    def _send(self, msg_type, content):
        msg_id = uuid.uuid4().hex
        self.socket.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "kit", "session": self.session, "msg_type": msg_type,
                       "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [], "content": content}))
        return msg_id

    def _receive(self):
        frame = self.socket.recv()  # messages with binary buffers (figures) come as binary frames
        return deserialize_binary_message(frame) if isinstance(frame, bytes) else json.loads(frame)

    def _reply(self, msg_id, timeout, what):
        """Read messages until the kernel is idle after `msg_id`: {"status", "text", "seconds", "outputs"}
        (outputs: messages sent in reply, e.g. a figure's redraw)."""
        start, text, status, outputs = time.perf_counter(), [], "ok", 0
        while time.perf_counter() - start < timeout:
            try:
                message = self._receive()
            except (websocket.WebSocketConnectionClosedException, ConnectionError):
                status = "died"
                break
            kind, content = message["header"]["msg_type"], message["content"]
            if kind == "status" and content["execution_state"] in ("restarting", "dead"):
                status = "died"
                break
            if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
                self.widgets[content["comm_id"]] = content["data"]["state"]
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            if kind in ("stream", "display_data", "execute_result", "comm_msg", "clear_output"):
                outputs += 1
            if kind == "stream":
                text.append(content["text"])
            elif kind == "execute_result":
                text.append(content["data"].get("text/plain", ""))
            elif kind == "error":
                status = "error"
                text.append(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                break
        else:
            raise TimeoutError(f"the kernel did not finish within {timeout} s: {what}")
        return {"status": status, "text": "".join(text), "seconds": time.perf_counter() - start,
                "outputs": outputs}

    def execute(self, code, timeout=300):
        """Run `code`; returns {"status": "ok" | "error" | "died", "text": what it printed,
        "seconds": until the kernel was idle again, "outputs"}. "died": the kernel was restarted
        or its connection dropped before it finished (e.g. killed for exceeding its memory limit)."""
        msg_id = self._send("execute_request", {"code": code, "silent": False, "store_history": False,
                                                "user_expressions": {}, "allow_stdin": False,
                                                "stop_on_error": True})
        return self._reply(msg_id, timeout, repr(code[:80]))

    def sliders(self):
        """{comm id: state} of the sliders shown so far."""
        return {comm: state for comm, state in self.widgets.items() if state.get("_model_name", "").endswith(
            "SliderModel")}

    def move(self, comm_id, value, timeout=120):
        """Set a widget's value as JupyterLab does when a student drags it; the reply (as
        `execute`'s) ends when the kernel is idle again, its redraw sent."""
        msg_id = self._send("comm_msg", {"comm_id": comm_id, "data": {
            "method": "update", "state": {"value": value}, "buffer_paths": []}})
        return self._reply(msg_id, timeout, f"slider {comm_id} to {value}")

    def close(self):
        self.socket.close()
        requests.delete(f"{self.base}/api/kernels/{self.id}", headers=self.headers, timeout=60)
