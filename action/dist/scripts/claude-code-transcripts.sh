#!/bin/sh
# The newest Claude Code transcript entry of a speaker (user or assistant)
# in each worktree of an instance
# (see src/agents/claude-code.ts): no process at all when there are none.
# Each entry: \036, the transcript directory's name, a newline, the line.
# Args: dataDir instance
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
instance=$1
base=${CLAUDE_CONFIG_DIR:-$HOME/.claude}/projects
[ -d "$base" ] || exit 0
real=$(cd "$root/$instance" 2>/dev/null && pwd -P) || exit 0
prefix=$(printf '%s/' "$real" | tr -c 'A-Za-z0-9' '-')
for d in "$base/$prefix"*; do
  [ -d "$d" ] || continue
  # Newest by time needs ls -t; the names are Claude Code's own (UUIDs).
  # shellcheck disable=SC2010
  newest=$(ls -t "$d" 2>/dev/null | grep '[.]jsonl$' | head -n 1)
  [ -n "$newest" ] || continue
  printf '\036%s\n' "${d##*/}"
  # The last lines are often bookkeeping (cost, mode, last prompt): the
  # newest entry of a speaker, from the last few lines, is what tells.
  tail -n 64 "$d/$newest" | awk '/"type":"(user|assistant)"/ { l = $0 } END { print l }'
done
exit 0
