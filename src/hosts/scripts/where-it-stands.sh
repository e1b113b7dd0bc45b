#!/bin/sh
# What a restored agent is told about its worktree. Args: worktree
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
cd "$1" || exit "$EX_FAILED"
echo "head=$(git log -1 --format='%h %s' 2>/dev/null)"
echo "dirty=$(git status --porcelain | wc -l | tr -d ' ')"
echo "unpushed=$(git rev-list HEAD --not --remotes=origin 2>/dev/null | wc -l | tr -d ' ')"
