# proc_start PID: sets $started to the process's start time in clock ticks
# since boot (field 22 of /proc/PID/stat), with builtins only (no process);
# empty without /proc or when the process is gone (or a zombie). Together with the PID it
# names one process, never a later one that reused the number.
# shellcheck shell=sh disable=SC2034 # $started is for the includer
proc_start() {
  started=
  stat=
  if [ -r "/proc/$1/stat" ]; then read -r stat < "/proc/$1/stat" 2>/dev/null; fi
  [ -n "$stat" ] || return 0
  # shellcheck disable=SC2086 # splitting the fields after "(comm) " is the point
  set -- ${stat##*) }
  # A zombie has ended; only its parent has not reaped it yet (a container's PID 1 may never).
  [ "$1" != Z ] || return 0
  shift 19
  started=$1
}
