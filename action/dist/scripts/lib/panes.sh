# probe_panes SOCKET PREFIX HISTORY: every pane of ours, using three tmux
# client processes whatever the number of sessions. One list-panes reports
# the state of all panes at once ("pane=name|active|dead|activity|exit|pid|
# command"; the reader keeps the active pane of each session of PREFIX); a
# second writes a capture command for each of our sessions, which a third
# runs from its stdin (source-file: no command-line length limit, and one
# missing session does not stop the rest). Captures come out as \036name
# and the pane's last lines. Prints "server=up", or "server=none" when no
# tmux server answers (which says nothing about the agents' processes).
# shellcheck shell=sh
probe_panes() {
  if ! states=$(tmux -u -L "$1" list-panes -a -F 'pane=#{session_name}|#{window_active}#{pane_active}|#{pane_dead}|#{window_activity}|#{@ao_exit}|#{pane_pid}|#{pane_current_command}' 2>&1); then
    case $states in *"no server running"*|*"(No such file or directory)"*|*"error connecting"*) echo "server=none"; return 0 ;; esac
    printf 'tmux failed: %s\n' "$states" >&2
    return "$EX_TMUX_FAILED"
  fi
  echo "server=up"
  printf '%s\n' "$states"
  tmux -u -L "$1" list-panes -a -F "#{?#{&&:#{m:$2*,#{session_name}},#{&&:#{window_active},#{pane_active}}},display-message -p \"\\u001e#{session_name}\" ; capture-pane -p -J -t \"=#{session_name}:\" -S -$3,}" 2>/dev/null |
    tmux -u -L "$1" source-file - 2>/dev/null
  return 0
}
