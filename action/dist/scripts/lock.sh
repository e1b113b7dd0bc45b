#!/bin/sh
# Take a named lock, and optionally look at a pane in the same round trip
# (what a send does first): with a socket, a session name and a history
# length, the pane is probed (lib/panes.sh) once the lock is held.
# Args: dataDir lock token staleSec holder dead waitSec [socket name history]
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
lock=$root/$1; token=$2; stale=$3; holder=$4; dead=$5; wait=$6
# shellcheck source=lib/owner.sh
. "$AO_LIB/owner.sh"
# shellcheck source=lib/lock.sh
. "$AO_LIB/lock.sh"
if [ -n "$7" ]; then
  # shellcheck source=lib/panes.sh
  . "$AO_LIB/panes.sh"
  probe_panes "$7" "$8" "$9" || exit "$EX_TMUX_FAILED"
fi
