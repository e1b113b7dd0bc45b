#!/bin/sh
# Fetch the mirror (cloning it the first time) and add a worktree on a new
# branch from the base branch. Args: mirror url worktree branch baseBranch
# guard credential (see lib/mirror-access.sh; either may be empty)
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
mirror=$1; url=$2; wt=$3; branch=$4; base=$5; guard=$6; credential=$7
# Private from the first directory made (the mirror's parents too), like everything under the data root.
umask 077
mkdir -p "${mirror%/*}" || exit "$EX_FAILED"
# shellcheck source=lib/mirror-lock.sh
. "$AO_LIB/mirror-lock.sh"
# shellcheck source=lib/mirror-access.sh
. "$AO_LIB/mirror-access.sh"
# shellcheck source=lib/ensure-mirror.sh
. "$AO_LIB/ensure-mirror.sh"
git -C "$mirror" rev-parse --verify --quiet "refs/remotes/origin/$base^{commit}" >/dev/null || { echo "base branch \"$base\" does not exist in $url" >&2; exit "$EX_NO_BASE"; }
if git -C "$mirror" show-ref --verify --quiet "refs/heads/$branch" || git -C "$mirror" show-ref --verify --quiet "refs/remotes/origin/$branch"; then
  echo "branch \"$branch\" already exists" >&2; exit "$EX_BRANCH_EXISTS"
fi
[ -e "$wt" ] && { echo "worktree path $wt already exists" >&2; exit "$EX_PATH_EXISTS"; }
mkdir -p "${wt%/*}" || exit "$EX_FAILED"
git -C "$mirror" worktree add --quiet --no-track -b "$branch" "$wt" "refs/remotes/origin/$base" || exit "$EX_WORKTREE_ADD"
