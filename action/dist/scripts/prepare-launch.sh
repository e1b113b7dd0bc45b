#!/bin/sh
# Before an agent starts: write its task prompt (stdin) to a file outside the
# worktree, and check that its program is there (on the PATH the pane will
# have). Args: promptFile program
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
prompt=$1; program=$2
umask 077
mkdir -p "${prompt%/*}" || exit "$EX_FAILED"
cat > "$prompt" || exit "$EX_FAILED"
if [ -n "$program" ]; then
  if found=$(command -v "$program" 2>/dev/null); then echo "program=$found"; else echo "program=missing"; exit "$EX_NO_PROGRAM"; fi
fi
