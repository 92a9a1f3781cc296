"""Each student's own copy of the lessons, made before their server starts (the hub's
`pre_spawn_hook`, run as root): lessons missing from ~/lessons are copied in and handed to the
student; nothing the student changed is overwritten, and lessons added to the course later reach
them at their next start. The home directory is closed to other users (mode 0700: Debian's
`useradd -m` makes it 0755, readable by every student)."""

import os
import pwd
import shutil
from pathlib import Path


def give(path, uid, gid):
    """chown `path` and, for a folder, everything in it."""
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid)


def copy_missing(source, target, uid, gid):
    """Copy what under `source` is missing from `target` (made if needed), owned by uid:gid;
    returns the names copied. Hidden files (.ipynb_checkpoints) are left out."""
    target = Path(target)
    if not target.exists():
        target.mkdir()
        os.chown(target, uid, gid)
    copied = []
    for item in sorted(Path(source).iterdir()):
        if item.name.startswith(".") or (target / item.name).exists():
            continue
        if item.is_dir():
            shutil.copytree(item, target / item.name, ignore=shutil.ignore_patterns(".*"))
        else:
            shutil.copy2(item, target / item.name)
        give(target / item.name, uid, gid)
        copied.append(item.name)
    return copied


def copy_lessons(source, username, folder="lessons"):
    """The pre-spawn hook: close the student's home, then `copy_missing` into ~/`folder`."""
    user = pwd.getpwnam(username)
    os.chmod(user.pw_dir, 0o700)
    return copy_missing(source, Path(user.pw_dir) / folder, user.pw_uid, user.pw_gid)
