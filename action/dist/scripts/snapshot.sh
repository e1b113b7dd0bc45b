#!/bin/sh
# What one round trip tells of a host: every session record of the
# deployment, whether each recorded agent process still runs, and every
# pane of ours with its last lines. Sections: records, \035, processes,
# \035, panes. Agents' log probes follow as \034 sections, added by the
# caller. A constant number of processes whatever the number of sessions:
# this sh, one awk, three tmux clients.
# Args: dataDir instance socket namePrefix historyLines
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
# shellcheck source=lib/records.sh
. "$AO_LIB/records.sh"
# shellcheck source=lib/panes.sh
. "$AO_LIB/panes.sh"
instance=$1; sock=$2; prefix=$3; history=$4
read_records "$root/$instance" processes || exit "$EX_FAILED"
printf '\035\n'
probe_panes "$sock" "$prefix" "$history" || exit "$EX_TMUX_FAILED"
