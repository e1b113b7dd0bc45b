# Serialise work on one mirror (fetch, worktree add) across processes, where
# flock exists. Expects $mirror. Mirrors and worktrees are private to the
# user, like everything under the data root.
# shellcheck shell=sh disable=SC2154 # the includer sets the variables named above
umask 077
exec 9>"$mirror.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
