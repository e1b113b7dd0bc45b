# Exit codes of the host scripts, shared with TypeScript: src/hosts/scripts.ts
# reads the EX_* lines of this file, so a code is defined once.
# shellcheck shell=sh disable=SC2034
EX_FAILED=1
EX_TMUX_FAILED=3
EX_CLONE_FAILED=10
EX_FETCH_FAILED=11
EX_NO_BASE=12
EX_BRANCH_EXISTS=13
EX_PATH_EXISTS=14
EX_WORKTREE_ADD=15
EX_NO_BRANCH=16
EX_UNREADABLE=20
EX_PUSH_FAILED=21
EX_NO_RECORD=66
EX_EXISTS=73
EX_BUSY=75
EX_LOCK_LOST=76
EX_NO_PROGRAM=17
