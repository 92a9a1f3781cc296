"""Checkpoints: the learner's weights in an .npz file plus a JSON manifest beside it
(config, seed, iterations, metrics, the command that made it, library versions, and the
SHA-256 of the weights file). Both are written atomically (temp file + rename), so an
interrupted save never leaves a half-written checkpoint; a corrupt or mismatched file
gives a clear error on load.
"""

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from . import __version__
from .i18n import _


class CheckpointError(ValueError):
    """A checkpoint that is missing, corrupt or does not fit the learner."""


def _manifest_path(path):
    return Path(path).with_suffix(".json")


def _atomic_write(path, write):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual file mode
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save(path, learner, **manifest):
    """Write `path` (.npz weights) and its .json manifest; returns the manifest."""
    import tensorflow as tf

    path = Path(path)
    if path.suffix != ".npz":
        raise ValueError(_("path must end in .npz, got {path!r}", path=str(path)))
    state = learner.get_state()
    _atomic_write(path, lambda handle: np.savez(handle, **state))
    manifest = {
        "learner": learner.name,
        "hyperparameters": learner.hyperparameters,
        "command": manifest.pop("command", " ".join([Path(sys.executable).name, *sys.argv])),
        **manifest,
        "weights_file": path.name,
        "sha256": _sha256(path),
        "versions": {"lesson_lib": __version__, "tensorflow": tf.__version__, "numpy": np.__version__},
    }
    text = json.dumps(manifest, indent=2, sort_keys=True, default=float) + "\n"
    _atomic_write(_manifest_path(path), lambda handle: handle.write(text.encode()))
    return manifest


def read_manifest(path):
    manifest_path = _manifest_path(path)
    if not manifest_path.exists():
        raise CheckpointError(_("no manifest {manifest} beside checkpoint {path}", manifest=manifest_path,
                                path=path))
    try:
        return json.loads(manifest_path.read_text())
    except json.JSONDecodeError as error:
        raise CheckpointError(_("manifest {manifest} is not valid JSON ({error})", manifest=manifest_path,
                                error=error)) from None


def load(path, learner):
    """Load the weights at `path` into `learner`; returns the manifest.

    Raises CheckpointError if the file is missing, corrupt (checksum), made for another
    learner, or holds weights of other names or shapes.
    """
    path = Path(path)
    if not path.exists():
        raise CheckpointError(_("checkpoint {path} does not exist", path=path))
    manifest = read_manifest(path)
    if _sha256(path) != manifest.get("sha256"):
        raise CheckpointError(_("checkpoint {path} is corrupt or truncated (SHA-256 does not match its "
                                "manifest); re-create it with: {command}", path=path,
                                command=manifest.get('command', '?')))
    if manifest.get("learner") != learner.name:
        raise CheckpointError(_("checkpoint {path} holds a {saved!r} learner, not {name!r}", path=path,
                                saved=manifest.get('learner'), name=learner.name))
    with np.load(path) as arrays:
        state = {name: arrays[name] for name in arrays.files}
    try:
        learner.set_state(state)
    except ValueError as error:
        raise CheckpointError(_("checkpoint {path} does not fit this learner: {error}", path=path,
                                error=error)) from None
    return manifest
