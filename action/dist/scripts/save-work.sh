#!/bin/sh
# Save everything a kill is about to delete, or say what cannot be saved.
#  - Commits not on origin, the index and the working tree (untracked files
#    too) go to a backup ref in origin, as one commit W in the manner of
#    git stash: W's tree is the working tree, its first parent the branch
#    tip H, its second the index I (and an earlier backup, if any, a third).
#  - Git-ignored files and nested repositories (which a commit can only
#    record as a pointer) go to a private archive on this host, unless they
#    are regenerable (the "disposable" names, e.g. node_modules) or bigger
#    than the limit, which makes the kill refuse.
# Prints key=value findings. Args: worktree ref id archive maxArchiveKb disposable...
# (maxArchiveKb < 0: archive nothing; kill --force after a refusal)
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
wt=$1; ref=$2; id=$3; archive=$4; max_kb=$5
shift 5
fail() { echo "state=failed"; echo "$2" >&2; exit "$1"; }
tmp=$(mktemp -d) || exit "$EX_FAILED"
trap 'rm -rf "$tmp"' EXIT
# The disposable names, one per line; then "$@" is free for other uses.
: > "$tmp/disposable"
for name in "$@"; do printf '%s\n' "$name" >> "$tmp/disposable"; done
set --
[ -d "$wt" ] || { echo "state=gone"; exit 0; }
cd "$wt" || fail "$EX_UNREADABLE" "cannot enter $wt"
# Any git failure below means "could not tell": never report clean then.
git rev-parse --git-dir >/dev/null 2>&1 || fail "$EX_UNREADABLE" "$wt is not a usable git worktree (its repository may be missing)"
# A worktree whose .git is gone can sit inside another repository: that one is not ours to judge.
[ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ] || fail "$EX_UNREADABLE" "$wt is not the top of its own git worktree"
if ! head=$(git rev-parse --verify --quiet HEAD); then
  # An unborn branch (no commit yet) is only clean when the tree is empty too.
  git symbolic-ref -q HEAD >/dev/null || fail "$EX_UNREADABLE" "cannot read HEAD"
fi
git status --porcelain --untracked-files=all > "$tmp/status" || fail "$EX_UNREADABLE" "git status failed"
staged=$(grep -c '^[MADRCT]' "$tmp/status")
unstaged=$(grep -c '^.[MDT]' "$tmp/status")
untracked=$(grep -c '^??' "$tmp/status")
unpushed=0
if [ -n "$head" ]; then
  git rev-list HEAD --not --remotes=origin > "$tmp/unpushed" || fail "$EX_UNREADABLE" "git rev-list failed"
  unpushed=$(wc -l < "$tmp/unpushed" | tr -d ' ')
fi

# What a commit cannot hold: nested repositories, and ignored files that are not disposable.
: > "$tmp/keep"; : > "$tmp/dropped"
git ls-files --others --ignored --exclude-standard --directory -z > "$tmp/ignored" || fail "$EX_UNREADABLE" "listing ignored files failed"
tr '\0' '\n' < "$tmp/ignored" | while IFS= read -r path; do
  [ -n "$path" ] || continue
  base=${path%/}; base=${base##*/}
  if grep -Fxq -- "$base" "$tmp/disposable"; then printf '%s\n' "$path" >> "$tmp/dropped"; else printf '%s\n' "$path" >> "$tmp/keep"; fi
done
ignored=$(wc -l < "$tmp/keep" | tr -d ' ')
# Nested repositories anywhere below the top (a .git directory or file); disposable trees are not entered.
while IFS= read -r name; do
  if [ $# -eq 0 ]; then set -- -name "$name"; else set -- "$@" -o -name "$name"; fi
done < "$tmp/disposable"
if [ $# -gt 0 ]; then set -- \( "$@" \) -prune -o; fi
find . -mindepth 1 "$@" -name .git -prune -print 2>/dev/null | while IFS= read -r dotgit; do
  repo=${dotgit%/.git}; repo=${repo#./}
  case $repo in "" | .) continue ;; esac
  # Already kept whole as part of an ignored directory?
  inside=
  while IFS= read -r kept; do case "$repo/" in "$kept"*) inside=1 ;; esac; done < "$tmp/keep"
  [ -n "$inside" ] || printf '%s/\n' "$repo"
done > "$tmp/nested"
set --
nested=$(wc -l < "$tmp/nested" | tr -d ' ')
cat "$tmp/nested" >> "$tmp/keep"
# --force after a refusal: nothing is archived, and what would have been is counted as dropped.
if [ "$max_kb" -lt 0 ]; then
  cat "$tmp/keep" >> "$tmp/dropped"; : > "$tmp/keep"; ignored=0; nested=0
fi
dropped=$(wc -l < "$tmp/dropped" | tr -d ' ')

echo "staged=$staged"
echo "unstaged=$unstaged"
echo "untracked=$untracked"
echo "unpushed=$unpushed"
echo "ignored=$ignored"
echo "nested=$nested"
echo "dropped=$dropped"
[ "$dropped" = 0 ] || echo "droppedNames=$(tr '\n' ' ' < "$tmp/dropped")"

if [ -s "$tmp/keep" ]; then
  kb=$(tr '\n' '\0' < "$tmp/keep" | xargs -0 du -sk 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
  echo "archiveKb=$kb"
  if [ "$kb" -gt "$max_kb" ]; then
    echo "biggest=$(tr '\n' '\0' < "$tmp/keep" | xargs -0 du -sk 2>/dev/null | sort -rn | head -n 3 | awk '{ printf "%s (%d MB) ", $2, $1 / 1024 }')"
    fail "$EX_TOO_BIG" "ignored files and nested repositories take ${kb} KB, over the ${max_kb} KB that kill keeps on the host"
  fi
fi

if [ "$((staged + unstaged + untracked + unpushed))" = 0 ] && [ ! -s "$tmp/keep" ]; then echo "state=clean"; exit 0; fi

if [ "$((staged + unstaged + untracked + unpushed))" != 0 ]; then
  name=$(git config user.name || echo agent-orchestrator)
  email=$(git config user.email || echo agent-orchestrator@localhost)
  commit_tree() { git -c user.name="$name" -c user.email="$email" commit-tree "$@"; }
  if [ -n "$head" ]; then set -- -p "$head"; else set --; fi
  index_tree=$(git write-tree) || fail "$EX_UNREADABLE" "reading the index failed"
  index_commit=$(commit_tree "$index_tree" "$@" -m "ao: index of $id at kill") || fail "$EX_UNREADABLE" "recording the index failed"
  # The working tree through a temporary index, so the real one is left as it is.
  cp "$(git rev-parse --git-path index)" "$tmp/index" 2>/dev/null || rm -f "$tmp/index"
  GIT_INDEX_FILE=$tmp/index git add -A || fail "$EX_UNREADABLE" "recording the working tree failed"
  work_tree=$(GIT_INDEX_FILE=$tmp/index git write-tree) || fail "$EX_UNREADABLE" "recording the working tree failed"
  # An earlier backup of this session (killed, restored, killed again) is kept as a parent, never overwritten.
  old=$(git ls-remote origin "$ref" | cut -f 1)
  if [ -n "$old" ]; then
    git fetch --quiet origin "$ref" || fail "$EX_PUSH_FAILED" "fetching the earlier backup $ref failed"
    set -- "$@" -p "$index_commit" -p "$old"
  else
    set -- "$@" -p "$index_commit"
  fi
  commit=$(commit_tree "$work_tree" "$@" -m "ao: work of $id saved at kill (tree: working tree; parents: branch tip, index, earlier backup)") || fail "$EX_UNREADABLE" "recording the working tree failed"
  echo "commit=$commit"
  git push --quiet origin "$commit:$ref" >/dev/null 2>"$tmp/push-err"
  if [ "$(git ls-remote origin "$ref" | cut -f 1)" != "$commit" ]; then
    tail -n 3 "$tmp/push-err" >&2
    fail "$EX_PUSH_FAILED" "pushing $ref to origin failed"
  fi
  echo "ref=$ref"
fi

if [ -s "$tmp/keep" ]; then
  umask 077
  mkdir -p "${archive%/*}" || fail "$EX_FAILED" "cannot create ${archive%/*}"
  tr '\n' '\0' < "$tmp/keep" | xargs -0 tar -cf "$archive.part" -- || { rm -f "$archive.part"; fail "$EX_FAILED" "archiving ignored files failed"; }
  mv "$archive.part" "$archive" || fail "$EX_FAILED" "archiving ignored files failed"
  echo "archive=$archive"
fi
echo "state=saved"
