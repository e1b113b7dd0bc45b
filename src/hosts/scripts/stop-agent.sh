#!/bin/sh
# Stop a session's agent for good: kill its tmux session, then make sure the
# agent's process group is gone too (tmux may not answer: a socket file
# removed by a /tmp cleaner leaves the server and its agents running).
# Prints agent=stopped when nothing of it runs any more, agent=running when
# it could not be stopped. Args: socket name pid start
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/proc.sh
. "$AO_LIB/proc.sh"
sock=$1; name=$2; pid=$3; start=$4
tmux -u -L "$sock" kill-session -t "=$name" 2>/dev/null
ours() {
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  proc_start "$pid"
  # Where /proc tells, a process without a start time has ended (a zombie answers kill -0).
  [ -n "$started" ] || [ ! -r /proc/self/stat ] || return 1
  [ -z "$start" ] && return 0
  [ "$started" = "$start" ]
}
if ours; then
  # The pane's process leads its own process group (tmux starts each pane in a new session).
  kill -TERM "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  i=0
  while ours && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  if ours; then kill -KILL "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null; sleep 0.2; fi
fi
if ours; then echo "agent=running"; else echo "agent=stopped"; fi
