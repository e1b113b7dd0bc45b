# Serialise work on one mirror (fetch, worktree add) across processes, where
# flock exists. Expects $mirror.
# shellcheck shell=sh disable=SC2154 # the includer sets the variables named above
exec 9>"$mirror.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
