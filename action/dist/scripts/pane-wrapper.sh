#!/bin/sh
# Runs in a session's tmux pane: in the worktree ($2) or not at all, the
# agent's command line ($1), then its exit status recorded on the pane (read
# by the probe) and a shell left open, so a human who attaches can look
# around and restore can tell "agent exited" from "tmux gone".
cd "$2" 2>/dev/null || { printf '[the worktree %s is missing: the agent was not started]\n' "$2"; exit 1; }
# Directories put ahead of the host's PATH (the gh shim that reads the repo's
# current installation token): the session's environment can only name them,
# as replacing PATH there would need the host's PATH, which ao does not know.
[ -z "${AO_PATH_PREFIX:-}" ] || PATH=$AO_PATH_PREFIX:$PATH
# An agent is driven as a human would, at its interactive prompt. A tmux server
# started from a CI job (the Action on a runner's own host) passes CI markers
# on, and some agents (Gemini CLI) then run headless and exit at once.
unset CI GITHUB_ACTIONS CONTINUOUS_INTEGRATION
(eval "$1")
status=$?
tmux set-option -p @ao_exit "$status" 2>/dev/null
printf '\n[agent exited with status %s]\n' "$status"
exec "${SHELL:-/bin/sh}"
