#!/usr/bin/env bash
# Make the class's system accounts: deploy/add_students.sh PREFIX COUNT (as root), e.g.
# `deploy/add_students.sh student 30` makes student01 ... student30, each with a home only they can
# read (mode 0700) and a random password. The names go to $KIT/students.txt (the hub lets in only
# those), the passwords to $KIT/state/passwords.csv (root only) for the teacher to hand out.
set -euo pipefail
prefix=${1:?usage: add_students.sh PREFIX COUNT}
count=${2:?usage: add_students.sh PREFIX COUNT}
[[ $count =~ ^[0-9]+$ && $count -ge 1 ]] || { echo "COUNT must be a whole number >= 1, got '$count'" >&2; exit 2; }
[[ $prefix =~ ^[a-z][a-z0-9_-]*$ ]] || { echo "PREFIX must be lower-case letters and digits, got '$prefix'" >&2; exit 2; }
KIT=${KIT_HUB_DIR:-/opt/meta-learning-kit}
install -d -m 700 "$KIT/state"
umask 077
width=$(( ${#count} > 2 ? ${#count} : 2 ))
for i in $(seq 1 "$count"); do
    name=$(printf "%s%0${width}d" "$prefix" "$i")
    if id "$name" >/dev/null 2>&1; then
        echo "$name exists: kept (its password is unchanged)"
    else
        useradd -m -K HOME_MODE=0700 -s /bin/bash "$name"
        password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
        echo "$name:$password" | chpasswd
        echo "$name,$password" >> "$KIT/state/passwords.csv"
    fi
    grep -qx "$name" "$KIT/students.txt" 2>/dev/null || echo "$name" >> "$KIT/students.txt"
done
chmod 644 "$KIT/students.txt"
echo "$count accounts; passwords of new ones in $KIT/state/passwords.csv; restart the hub to let them in"
