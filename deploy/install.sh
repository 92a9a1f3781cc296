#!/usr/bin/env bash
# Install the class server (as root): deploy/install.sh [KIT_DIR, default /opt/meta-learning-kit].
# Students' servers run as their own users, so the environment must be readable by them: a venv
# built from the system's Python (not one under /root), with JupyterHub, the idle culler and a copy
# of the kit and the student edition of its lessons, which each student's own copy is made from;
# the proxy from npm.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
KIT=${1:-${KIT_HUB_DIR:-/opt/meta-learning-kit}}
if ! /usr/bin/python3 -m venv --help >/dev/null 2>&1 || ! command -v npm >/dev/null; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv npm
fi
install -d -m 755 "$KIT"
install -d -m 700 "$KIT/state"
[ -x "$KIT/venv/bin/python" ] || /usr/bin/python3 -m venv "$KIT/venv"
rm -rf "$KIT/kit"
mkdir "$KIT/kit"
tar -C "$repo" --exclude=.git --exclude=.venv --exclude=runs --exclude='*.egg-info' -cf - . | tar -C "$KIT/kit" -xf -
"$KIT/venv/bin/pip" install -q -e "$KIT/kit[hub,teach]"
# the student edition (exercise stubs, no outputs; README "Exercises and the student edition"), both languages
"$KIT/venv/bin/python" -m lesson_lib.student_edition "$KIT/kit/notebooks" "$KIT/student"
"$KIT/venv/bin/python" -m lesson_lib.student_edition "$KIT/kit/notebooks/zh" "$KIT/student/zh"
# configurable-http-proxy 5 needs Node.js 20 or newer; Debian 12's own is 18, which takes 4.6
node=$(node -p 'process.versions.node.split(".")[0]')
proxy=$([ "$node" -ge 20 ] && echo 5.3.0 || echo 4.6.3)
npm install --silent --prefix "$KIT" "configurable-http-proxy@$proxy"
chmod -R a+rX "$KIT/venv" "$KIT/node_modules" "$KIT/kit" "$KIT/student"
echo "installed in $KIT; next: deploy/add_students.sh student 30, then make hub"
