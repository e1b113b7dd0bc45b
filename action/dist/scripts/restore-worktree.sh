#!/bin/sh
# Make sure a session's worktree exists. When it must be recreated, start
# from the newest saved state: the branch (on the host or in origin) and,
# when kill saved one, the backup commit W (see save-work.sh): its branch
# tip, its index and its working tree, then the archive of ignored files
# and nested repositories. A directory git cannot use is moved aside, never
# deleted. Args: mirror url worktree branch backupRef savedCommit archive
# guard credential (see lib/mirror-access.sh; either may be empty)
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
mirror=$1; url=$2; wt=$3; branch=$4; ref=$5; saved=$6; archive=$7; guard=$8; credential=$9
# Private from the first directory made (the mirror's parents too), like everything under the data root.
umask 077
mkdir -p "${mirror%/*}" || exit "$EX_FAILED"
# shellcheck source=lib/mirror-lock.sh
. "$AO_LIB/mirror-lock.sh"
# shellcheck source=lib/mirror-access.sh
. "$AO_LIB/mirror-access.sh"
if [ -d "$wt" ] && [ "$(git -C "$wt" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$wt" && pwd -P)" ]; then
  # The worktree stayed: its mirror still gets the current guard and credential helper (a mirror
  # that is not there is not made here: the next spawn clones it whole).
  if [ -d "$mirror" ] && ! mirror_access; then echo "setting up the push guard and credentials of $mirror failed" >&2; exit "$EX_FAILED"; fi
  echo "worktree=present"; exit 0
fi
# shellcheck source=lib/ensure-mirror.sh
. "$AO_LIB/ensure-mirror.sh"
git -C "$mirror" worktree prune
has() { git -C "$mirror" rev-parse --verify --quiet "$1^{commit}" >/dev/null; }
ancestor() { git -C "$mirror" merge-base --is-ancestor "$1" "$2" 2>/dev/null; }

# The saved work, fetched from origin when the host does not have it (a new mirror, another host).
base=
if [ -n "$saved" ]; then
  if ! has "$saved"; then
    git -C "$mirror" fetch --quiet origin "$ref" 2>/dev/null
    has "$saved" || { echo "the saved work $saved is neither on this host nor in $ref of $url; not restoring from less" >&2; exit "$EX_BACKUP_MISSING"; }
  fi
  has "$saved^1" && base=$(git -C "$mirror" rev-parse "$saved^1")
fi
local_tip=$(git -C "$mirror" rev-parse --verify --quiet "refs/heads/$branch")
origin_tip=$(git -C "$mirror" rev-parse --verify --quiet "refs/remotes/origin/$branch")
# The newest commit: the saved branch tip unless the branch has moved past it since.
tip=
apply=no
for candidate in "$local_tip" "$origin_tip"; do
  [ -n "$candidate" ] || continue
  if [ -z "$tip" ] || ancestor "$tip" "$candidate"; then tip=$candidate; fi
done
if [ -n "$base" ]; then
  if [ -z "$tip" ] || ancestor "$tip" "$base"; then tip=$base; apply=yes
  elif [ "$tip" = "$base" ]; then apply=yes
  else echo "saved=unapplied"
  fi
fi
[ -n "$tip" ] || { echo "branch \"$branch\" exists neither on the host nor in $url" >&2; exit "$EX_NO_BRANCH"; }

if [ -e "$wt" ]; then
  # Something is there but git cannot use it: keep it aside, never delete it.
  aside="$wt.orphan.$(date +%s)"
  mv "$wt" "$aside" || exit "$EX_FAILED"
  echo "aside=$aside"
fi
mkdir -p "${wt%/*}" || exit "$EX_FAILED"
if [ -n "$local_tip" ]; then
  [ "$local_tip" = "$tip" ] || git -C "$mirror" update-ref "refs/heads/$branch" "$tip" "$local_tip" || exit "$EX_FAILED"
  git -C "$mirror" worktree add --quiet "$wt" "$branch" || exit "$EX_WORKTREE_ADD"
else
  git -C "$mirror" worktree add --quiet --no-track -b "$branch" "$wt" "$tip" || exit "$EX_WORKTREE_ADD"
fi
echo "worktree=recreated"
if [ "$apply" = yes ]; then
  # The working tree of W into the files, then the index of W^2 into the index: staged,
  # unstaged and untracked come back as they were.
  if git -C "$wt" read-tree --reset -u "$saved" && git -C "$wt" read-tree "$saved^2"; then echo "saved=applied"; else echo "restoring the saved changes of $saved failed" >&2; exit "$EX_FAILED"; fi
fi
if [ -n "$archive" ]; then
  if [ -f "$archive" ]; then
    tar -xf "$archive" -C "$wt" || { echo "unpacking $archive failed" >&2; exit "$EX_FAILED"; }
    echo "archive=restored"
  else
    echo "archive=missing"
  fi
fi
