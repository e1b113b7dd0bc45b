#!/bin/sh
# The push guard: the pre-push hook of every repo mirror on a runner host
# (put there by lib/mirror-access.sh), so git runs it in every session
# worktree of the repo. A session pushes its own branch (force-pushes too:
# it may rebase its own work) and its own backup ref (kill saves unsaved
# work there); any other ref is refused before anything leaves the host,
# and the base branch is never deleted or rewound, even by a session whose
# branch it is. It stops an agent's mistake or a misdirected instruction;
# an agent bent on harm can skip hooks (--no-verify), so what holds against
# that is the token's scope and the base branch's protection on GitHub.
# git runs it as `pre-push <remote> <url>`, one line per ref on stdin:
# "<local ref> <local sha> <remote ref> <remote sha>".
# The no-op below is how the installer tells this hook from one the repo's own tools put there.
: ao-push-guard
zero=0000000000000000000000000000000000000000
# The session, from where its worktree is (<project>/worktrees/<id>), and its
# branches from its record (<project>/sessions/<id>): never from anything in
# the worktree itself.
top=$(git rev-parse --show-toplevel 2>/dev/null)
id=${top##*/}
parent=${top%/*}
branch=
base=
case $parent in
  */worktrees)
    record=${parent%/worktrees}/sessions/$id
    branch=$(sed -n 's/^branch=//p' "$record" 2>/dev/null | head -n 1)
    base=$(sed -n 's/^baseBranch=//p' "$record" 2>/dev/null | head -n 1)
    [ -n "$branch" ] || { echo "ao: no session record names the branch of $top; refusing to push" >&2; exit 1; }
    ;;
esac
refs=
refused=0
while read -r local_ref local_sha remote_ref remote_sha; do
  refs="$refs$local_ref $local_sha $remote_ref $remote_sha
"
  # Not a session worktree (the mirror itself): only a chained hook judges.
  [ -n "$branch" ] || continue
  if [ -n "$base" ] && [ "$remote_ref" = "refs/heads/$base" ]; then
    if [ "$local_sha" = "$zero" ] || { [ "$remote_sha" != "$zero" ] && ! git merge-base --is-ancestor "$remote_sha" "$local_sha" 2>/dev/null; }; then
      echo "ao: session $id may not delete or force-push the base branch $base" >&2
      refused=1
      continue
    fi
  fi
  case $remote_ref in
    "refs/heads/$branch" | refs/ao/backup/*/"$id") ;;
    *)
      echo "ao: session $id pushes only its own branch $branch; refusing to push to $remote_ref" >&2
      refused=1
      ;;
  esac
done
[ "$refused" = 0 ] || exit 1
# A pre-push hook the repo's own tools had installed runs next, with the same arguments and refs.
chained=$(git rev-parse --git-path hooks 2>/dev/null)/pre-push.ao-chained
if [ -x "$chained" ]; then
  printf '%s' "$refs" | "$chained" "$@"
  exit
fi
exit 0
