#!/bin/sh
# Before Codex first starts in a new worktree: mark the worktree trusted in
# its config (<CODEX_HOME>/config.toml, or ~/.codex/config.toml), as
# choosing "Trust and continue" would. Codex keeps trust per project root,
# and a worktree of ao's bare mirror is its own root, so no one-time
# setting covers the worktrees spawn makes (and a -c override does not
# count for trust). A table of its own is appended when the worktree has
# none; one that is there (trusted or not, a human's choice) is left.
# Prints "trust=added|present|skipped <why>". Never fails the spawn.
# Args: worktree codexHome home  (codexHome/home: the agent's CODEX_HOME and
# HOME when its command line sets them, else empty)
worktree=$1; codex_home=$2; home=${3:-$HOME}
case $worktree in /*) ;; *) echo "trust=skipped not an absolute path"; exit 0 ;; esac
# The path goes into the file as a TOML string: nothing in it may need escaping.
case $worktree in *[\"\\]* | *[![:print:]]*) echo "trust=skipped the path has characters TOML would escape"; exit 0 ;; esac
file=${codex_home:-${CODEX_HOME:-$home/.codex}}/config.toml
header="[projects.\"$worktree\"]"
if [ -f "$file" ] && grep -qxF -- "$header" "$file"; then echo "trust=present"; exit 0; fi
mkdir -p "${file%/*}" 2>/dev/null
if printf '\n%s\ntrust_level = "trusted"\n' "$header" >> "$file" 2>/dev/null; then echo "trust=added"; else echo "trust=skipped cannot write $file"; fi
exit 0
