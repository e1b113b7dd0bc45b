#!/bin/sh
# Whether each live session's agent process (panePid in its record) still
# runs, and since when: one awk for all records, then builtins only. Prints
# "pid start" per recorded process (start empty when it is gone; "?" where
# the host has no /proc to tell). Args: dataDir instance
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
# shellcheck source=lib/proc.sh
. "$AO_LIB/proc.sh"
dir=$root/$1
[ -d "$dir" ] || exit 0
cd "$dir" || exit 0
set -- */sessions/*
[ -e "$1" ] || exit 0
pids=$(awk -F= '$1 == "panePid" && $2 ~ /^[0-9]+$/ { print $2 }' "$@")
for pid in $pids; do
  if [ -d /proc/self ]; then
    proc_start "$pid"
    printf '%s %s\n' "$pid" "$started"
  elif kill -0 "$pid" 2>/dev/null; then
    printf '%s ?\n' "$pid"
  else
    printf '%s \n' "$pid"
  fi
done
exit 0
