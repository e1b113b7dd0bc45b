#!/bin/sh
# What a restored agent is told about its worktree. Args: worktree
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
cd "$1" || exit "$EX_FAILED"
echo "head=$(git log -1 --format='%h %s' 2>/dev/null)"
status=$(git status --porcelain --untracked-files=all 2>/dev/null)
echo "staged=$(printf '%s\n' "$status" | grep -c '^[MADRCT]')"
echo "unstaged=$(printf '%s\n' "$status" | grep -c '^.[MDT]')"
echo "untracked=$(printf '%s\n' "$status" | grep -c '^??')"
echo "unpushed=$(git rev-list HEAD --not --remotes=origin 2>/dev/null | wc -l | tr -d ' ')"
