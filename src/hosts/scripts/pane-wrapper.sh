#!/bin/sh
# Runs in a session's tmux pane: the agent's command line ($1), then its exit
# status recorded on the pane (read by the probe) and a shell left open, so a
# human who attaches can look around and restore can tell "agent exited"
# from "tmux gone".
(eval "$1")
status=$?
tmux set-option -p @ao_exit "$status" 2>/dev/null
printf '\n[agent exited with status %s]\n' "$status"
exec "${SHELL:-/bin/sh}"
