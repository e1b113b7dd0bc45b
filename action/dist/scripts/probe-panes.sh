#!/bin/sh
# Every pane of ours with its state and last lines (lib/panes.sh).
# Args: socket namePrefix historyLines
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/panes.sh
. "$AO_LIB/panes.sh"
probe_panes "$1" "$2" "$3" || exit "$EX_TMUX_FAILED"
