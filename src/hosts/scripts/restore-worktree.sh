#!/bin/sh
# Make sure a session's worktree exists, recreating it from its branch (on
# the host or in origin) if it is gone; a directory git cannot use is moved
# aside, never deleted. Args: mirror url worktree branch
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
mirror=$1; url=$2; wt=$3; branch=$4
mkdir -p "${mirror%/*}" || exit "$EX_FAILED"
# shellcheck source=lib/mirror-lock.sh
. "$AO_LIB/mirror-lock.sh"
if [ -d "$wt" ] && [ "$(git -C "$wt" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$wt" && pwd -P)" ]; then echo "worktree=present"; exit 0; fi
# shellcheck source=lib/ensure-mirror.sh
. "$AO_LIB/ensure-mirror.sh"
git -C "$mirror" worktree prune
if ! git -C "$mirror" show-ref --verify --quiet "refs/heads/$branch" && ! git -C "$mirror" show-ref --verify --quiet "refs/remotes/origin/$branch"; then
  echo "branch \"$branch\" exists neither on the host nor in $url" >&2; exit "$EX_NO_BRANCH"
fi
if [ -e "$wt" ]; then
  # Something is there but git cannot use it: keep it aside, never delete it.
  aside="$wt.orphan.$(date +%s)"
  mv "$wt" "$aside" || exit "$EX_FAILED"
  echo "aside=$aside"
fi
mkdir -p "${wt%/*}" || exit "$EX_FAILED"
if git -C "$mirror" show-ref --verify --quiet "refs/heads/$branch"; then
  git -C "$mirror" worktree add --quiet "$wt" "$branch" || exit "$EX_WORKTREE_ADD"
else
  git -C "$mirror" worktree add --quiet --no-track -b "$branch" "$wt" "refs/remotes/origin/$branch" || exit "$EX_WORKTREE_ADD"
fi
echo "worktree=recreated"
