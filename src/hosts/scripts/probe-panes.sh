#!/bin/sh
# Every pane of ours with its state and last lines, using two tmux client
# processes in all: one lists the sessions, one runs a display-message and a
# capture-pane per session as a single chained command.
# Args: socket namePrefix historyLines
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
sock=$1; prefix=$2; history=$3
rs=$(printf '\036')
if ! names=$(tmux -u -L "$sock" list-sessions -F '#{session_name}' 2>&1); then
  # No server (or no socket yet) means no sessions; any other failure is not evidence of anything.
  case $names in *"no server running"*|*"(No such file or directory)"*) exit 0 ;; esac
  printf 'tmux failed: %s\n' "$names" >&2
  exit "$EX_TMUX_FAILED"
fi
set --
for name in $names; do
  case $name in "$prefix"*) ;; *) continue ;; esac
  set -- "$@" display-message -p -t "=$name:" "$rs#{session_name}|#{pane_dead}|#{window_activity}|#{@ao_exit}|#{pane_current_command}" ';' capture-pane -p -J -t "=$name:" -S "-$history" ';'
done
[ $# -gt 0 ] || exit 0
if ! tmux -u -L "$sock" "$@" 2>/dev/null; then
  # A session ended between the listing and the chain, which stops the chain: ask one by one.
  for name in $names; do
    case $name in "$prefix"*) ;; *) continue ;; esac
    info=$(tmux -u -L "$sock" display-message -p -t "=$name:" "$rs#{session_name}|#{pane_dead}|#{window_activity}|#{@ao_exit}|#{pane_current_command}" 2>/dev/null) || continue
    printf '%s\n' "$info"
    tmux -u -L "$sock" capture-pane -p -J -t "=$name:" -S "-$history" 2>/dev/null
  done
fi
exit 0
