# read_records DIR [processes]: every session record under DIR (the instance
# directory), each preceded by \036 and its path, in one awk process (no
# process per file). With "processes", a \035 line follows and then, for each
# recorded agent process (panePid), "pid start": its start time now (field
# 22 of /proc/pid/stat), or nothing after the space when it is gone (a zombie
# is gone: it has ended, only its parent has not reaped it). Hosts
# without /proc print no such line (the probe then trusts tmux alone). awk
# reads /proc itself: no process per session either way.
# shellcheck shell=sh
read_records() {
  [ -d "$1" ] || { [ -z "$2" ] || printf '\035\n'; return 0; }
  cd "$1" || return 1
  procs=$2
  set -- */sessions/*
  [ -e "$1" ] || set --
  # Each project's control file (the kill switch and the spawn queue) travels with the records.
  for c in */control; do [ -f "$c" ] && set -- "$@" "$c"; done
  if [ $# -eq 0 ]; then [ -z "$procs" ] || printf '\035\n'; return 0; fi
  # awk prints a file's name at its first line, so an empty file would vanish: name it here
  # (builtins only), and the reader reports it as empty instead of dropping it.
  for f in "$@"; do [ -s "$f" ] || printf '\036%s\n' "$f"; done
  # shellcheck disable=SC2016 # awk's own program
  awk -v procs="$procs" '
    FNR == 1 { printf "\036%s\n", FILENAME }
    { print }
    /^panePid=[0-9]+$/ { pids[++n] = substr($0, 9) }
    END {
      if (procs == "") exit
      printf "\035\n"
      if ((getline line < "/proc/self/stat") <= 0) exit
      close("/proc/self/stat")
      for (i = 1; i <= n; i++) {
        f = "/proc/" pids[i] "/stat"
        if ((getline line < f) > 0) { close(f); sub(/.*\) /, "", line); split(line, a, " "); print pids[i] " " (a[1] == "Z" ? "" : a[20]) }
        else print pids[i] " "
      }
    }' "$@"
}
