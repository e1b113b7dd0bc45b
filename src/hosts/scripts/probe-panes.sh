#!/bin/sh
# Every pane of ours: one line of state each, then its last lines. Two tmux
# client processes whatever the number of sessions: list-panes reports the
# state of all panes at once, and source-file runs a capture per session from
# a command file (no command-line length limit, and one missing session does
# not stop the rest). Output: "server=up" or "server=none", then per pane a
# \037name|dead|activity|exit|pid|command line, then per pane \036name and
# its captured lines. Args: socket namePrefix historyLines
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
sock=$1; prefix=$2; history=$3
seps=$(printf '\037\036'); us=${seps%?}; rs=${seps#?}
if ! panes=$(tmux -u -L "$sock" list-panes -a -F "$us#{session_name}|#{window_active}#{pane_active}|#{pane_dead}|#{window_activity}|#{@ao_exit}|#{pane_pid}|#{pane_current_command}" 2>&1); then
  # No server (or no socket) answers: that says nothing about the agents' processes (see the pid check).
  case $panes in *"no server running"*|*"(No such file or directory)"*|*"error connecting"*) echo "server=none"; exit 0 ;; esac
  printf 'tmux failed: %s\n' "$panes" >&2
  exit "$EX_TMUX_FAILED"
fi
echo "server=up"
commands=${TMPDIR:-/tmp}/ao-probe.$$.tmux
: > "$commands" || exit "$EX_FAILED"
n=0
while IFS= read -r line; do
  name=${line#"$us"}; name=${name%%|*}
  case $name in "$prefix"*) ;; *) continue ;; esac
  # Only the pane a capture of "=name:" reads: the active pane of the active window.
  rest=${line#*|}
  case $rest in 11\|*) ;; *) continue ;; esac
  printf '%s%s|%s\n' "$us" "$name" "${rest#11|}"
  printf 'display-message -p "%s%s"\ncapture-pane -p -J -t "=%s:" -S -%s\n' "$rs" "$name" "$name" "$history" >> "$commands"
  n=$((n + 1))
done <<EOT
$panes
EOT
if [ "$n" -gt 0 ]; then
  # A session that ends meanwhile makes its capture fail; the others still run.
  tmux -u -L "$sock" source-file "$commands" 2>/dev/null
fi
rm -f "$commands"
exit 0
