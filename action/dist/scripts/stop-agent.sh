#!/bin/sh
# Stop a session's agent for good: kill its tmux session, then make sure the
# agent's process group is gone too (tmux may not answer: a socket file
# removed by a /tmp cleaner leaves the server and its agents running; and a
# process of the group that ignores the hang-up tmux sends outlives the
# pane). Prints agent=stopped when nothing of it runs any more,
# agent=running when it could not be stopped. Args: socket name pid start
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/proc.sh
. "$AO_LIB/proc.sh"
sock=$1; name=$2; pid=$3; start=$4
ours() {
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  proc_start "$pid"
  # Where /proc tells, a process without a start time has ended (a zombie answers kill -0).
  [ -n "$started" ] || [ ! -r /proc/self/stat ] || return 1
  [ -z "$start" ] && return 0
  [ "$started" = "$start" ]
}
# Whether a process of the group runs (zombies aside); without /proc, whether the group answers.
group_runs() {
  [ -r /proc/self/stat ] || { kill -0 "-$group" 2>/dev/null; return; }
  for stat in /proc/[0-9]*/stat; do
    line=
    read -r line < "$stat" 2>/dev/null || continue
    # shellcheck disable=SC2086 # splitting the fields after "(comm) " is the point
    set -- ${line##*) }
    [ "$3" = "$group" ] && [ "$1" != Z ] && return 0
  done
  return 1
}
# The pane's process leads its own process group (tmux starts each pane in a new session). It is
# known to be this session's (its start time matches) only while it runs: look before tmux is told.
group=
if ours; then group=$pid; fi
tmux -u -L "$sock" kill-session -t "=$name" 2>/dev/null
if [ -n "$group" ]; then
  # The whole group, even once its leader has gone: while a group has members its number is not reused.
  kill -TERM "-$group" 2>/dev/null || kill -TERM "$group" 2>/dev/null
  i=0
  while group_runs && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  if group_runs; then kill -KILL "-$group" 2>/dev/null; sleep 0.2; fi
fi
if ours || { [ -n "$group" ] && group_runs; }; then echo "agent=running"; else echo "agent=stopped"; fi
