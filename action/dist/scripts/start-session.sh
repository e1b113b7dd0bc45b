#!/bin/sh
# Start an agent in tmux: a new session, or (mode respawn) a fresh agent in
# the live session whose agent exited. Never in a directory that does not
# exist: tmux would silently start it in the home directory instead. Prints
# the pane's process and its start time, so a later probe can tell the agent
# alive even when tmux does not answer.
# Args: mode(new|respawn) socket name cwd wrapper command [NAME=value...]
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/proc.sh
. "$AO_LIB/proc.sh"
mode=$1; sock=$2; name=$3; cwd=$4; wrapper=$5; command=$6
shift 6
[ -d "$cwd" ] || { echo "the worktree $cwd does not exist; the agent was not started" >&2; exit "$EX_NO_WORKTREE"; }
for assignment in "$@"; do set -- "$@" -e "$assignment"; shift; done
if [ "$mode" = respawn ]; then
  tmux -u -L "$sock" set-option -p -u -t "=$name:" @ao_exit 2>/dev/null
  tmux -u -L "$sock" respawn-pane -k -t "=$name:" -c "$cwd" "$@" sh -c "$wrapper" ao-agent "$command" "$cwd" || exit "$EX_FAILED"
else
  tmux -u -L "$sock" new-session -d -s "$name" -c "$cwd" -x 220 -y 50 "$@" sh -c "$wrapper" ao-agent "$command" "$cwd" || exit "$EX_FAILED"
fi
pid=$(tmux -u -L "$sock" display-message -p -t "=$name:" '#{pane_pid}') || exit "$EX_FAILED"
echo "pid=$pid"
proc_start "$pid"
echo "start=$started"
