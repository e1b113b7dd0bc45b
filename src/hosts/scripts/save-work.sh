#!/bin/sh
# Save what a kill would destroy: uncommitted changes (tracked and untracked,
# committed onto a temporary index so the branch is untouched) and commits
# not on origin, pushed together to a backup ref. Prints key=value findings.
# Args: worktree ref id
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
wt=$1; ref=$2; id=$3
[ -d "$wt" ] || { echo "state=gone"; exit 0; }
cd "$wt" || { echo "state=failed"; echo "cannot enter $wt" >&2; exit "$EX_UNREADABLE"; }
# Any git failure below means "could not tell": never report clean then.
git rev-parse --git-dir >/dev/null 2>&1 || { echo "state=failed"; echo "$wt is not a usable git worktree (its repository may be missing)" >&2; exit "$EX_UNREADABLE"; }
# A worktree whose .git is gone can sit inside another repository: that one is not ours to judge.
[ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ] || { echo "state=failed"; echo "$wt is not the top of its own git worktree" >&2; exit "$EX_UNREADABLE"; }
if ! head=$(git rev-parse --verify --quiet HEAD); then
  # An unborn branch (no commit yet) is only clean when the tree is empty too.
  git symbolic-ref -q HEAD >/dev/null || { echo "state=failed"; echo "cannot read HEAD" >&2; exit "$EX_UNREADABLE"; }
fi
status_file=$(mktemp) || exit "$EX_FAILED"
if ! git status --porcelain --untracked-files=all > "$status_file"; then rm -f "$status_file"; echo "state=failed"; echo "git status failed" >&2; exit "$EX_UNREADABLE"; fi
dirty=$(wc -l < "$status_file" | tr -d ' '); rm -f "$status_file"
unpushed=0
if [ -n "$head" ]; then
  list=$(git rev-list HEAD --not --remotes=origin) || { echo "state=failed"; echo "git rev-list failed" >&2; exit "$EX_UNREADABLE"; }
  [ -n "$list" ] && unpushed=$(printf '%s\n' "$list" | wc -l | tr -d ' ')
fi
if [ "$dirty" = 0 ] && [ "$unpushed" = 0 ]; then echo "state=clean"; exit 0; fi
commit=$head
name=$(git config user.name || echo agent-orchestrator)
email=$(git config user.email || echo agent-orchestrator@localhost)
if [ "$dirty" != 0 ]; then
  index=$(mktemp) || exit "$EX_FAILED"
  # No index yet (nothing ever added): start from none rather than from an empty file git cannot read.
  cp "$(git rev-parse --git-path index)" "$index" 2>/dev/null || rm -f "$index"
  if [ -n "$head" ]; then set -- -p "$head"; else set --; fi
  if GIT_INDEX_FILE=$index git add -A && tree=$(GIT_INDEX_FILE=$index git write-tree) &&
     commit=$(git -c user.name="$name" -c user.email="$email" commit-tree "$tree" "$@" -m "ao: uncommitted work of $id, saved before kill"); then
    rm -f "$index"
  else
    rm -f "$index"; echo "state=failed"; echo "recording uncommitted changes failed" >&2; exit "$EX_UNREADABLE"
  fi
fi
# An earlier backup of this session (killed, restored, killed again) is kept as a parent, never overwritten.
old=$(git ls-remote origin "$ref" | cut -f 1)
if [ -n "$old" ] && [ "$old" != "$commit" ]; then
  git fetch --quiet origin "$ref" || { echo "state=failed"; echo "fetching the earlier backup $ref failed" >&2; exit "$EX_PUSH_FAILED"; }
  if ! git merge-base --is-ancestor "$old" "$commit"; then
    commit=$(git -c user.name="$name" -c user.email="$email" commit-tree "$commit^{tree}" -p "$commit" -p "$old" -m "ao: backup of $id, keeping the earlier backup") || { echo "state=failed"; exit "$EX_PUSH_FAILED"; }
  fi
fi
echo "dirty=$dirty"
echo "unpushed=$unpushed"
echo "commit=$commit"
git push --quiet origin "$commit:$ref" >/dev/null 2>"$wt.push-err.$$"
if [ "$(git ls-remote origin "$ref" | cut -f 1)" = "$commit" ]; then
  rm -f "$wt.push-err.$$"; echo "state=saved"
else
  tail -n 3 "$wt.push-err.$$" >&2; rm -f "$wt.push-err.$$"; echo "state=failed"; exit "$EX_PUSH_FAILED"
fi
