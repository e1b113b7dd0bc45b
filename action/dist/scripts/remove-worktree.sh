#!/bin/sh
# Remove a session's worktree and prune it from the mirror. Args: mirror worktree
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
mirror=$1; wt=$2
if [ -d "$mirror" ]; then
  # shellcheck source=lib/mirror-lock.sh
  . "$AO_LIB/mirror-lock.sh"
  git -C "$mirror" worktree remove --force "$wt" 2>/dev/null
  rm -rf "$wt"
  git -C "$mirror" worktree prune
else
  rm -rf "$wt"
fi
[ ! -e "$wt" ] || { echo "could not remove $wt" >&2; exit "$EX_FAILED"; }
